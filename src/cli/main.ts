/**
 * The `normbench` command line: `deno task normbench <command> …`.
 *
 * Every command lives in its own module under `src/cli/` and is listed in `commands.ts`. Bad
 * input ends in one line on stderr naming the problem and the fix, and a non-zero exit.
 *
 * @example
 * ```sh
 * deno run -A jsr:@normbench/normbench/cli golden test/fixtures/golden/*.json --backend wasm
 * ```
 *
 * @module
 */
import { Command, CommanderError } from "commander";
import { COMMANDS } from "./commands.ts";
import { explainRuntimeError, UsageError } from "../util/errors.ts";

/**
 * Exit code for bad input (unknown names, bad numbers, missing or corrupt data).
 *
 * @example
 * ```ts
 * import { EXIT_USAGE } from "@normbench/normbench/cli";
 * console.assert(EXIT_USAGE === 2);
 * ```
 */
export const EXIT_USAGE = 2;

/**
 * Builds the commander program with every registered command.
 *
 * @example
 * ```ts
 * import { buildProgram } from "@normbench/normbench/cli";
 * console.assert(buildProgram().commands.length > 0);
 * ```
 */
export function buildProgram(): Command {
  const program = new Command("normbench")
    .description("Reproduce and measure the claims of Unified Normalization and its peers")
    .showSuggestionAfterError(true)
    .exitOverride()
    .configureOutput({ writeErr: () => {} });
  for (const register of COMMANDS) register(program);
  for (const cmd of program.commands) cmd.exitOverride().configureOutput({ writeErr: () => {} });
  return program;
}

/**
 * Runs the CLI with `args` and returns the exit code instead of exiting (tests call this).
 *
 * @example
 * ```ts
 * import { runCli } from "@normbench/normbench/cli";
 * console.assert((await runCli(["no-such-command"])) !== 0);
 * ```
 */
export async function runCli(args: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(args, { from: "user" });
    return typeof Deno.exitCode === "number" ? Deno.exitCode : 0;
  } catch (thrown) {
    const err = explainRuntimeError(thrown);
    if (err instanceof CommanderError) {
      if (err.code === "commander.helpDisplayed" || err.code === "commander.version") return 0;
      if (err.code === "commander.help" || err.code === "commander.executeSubCommandAsync") {
        return 0;
      }
      const message = err.message.replace(/^error: /, "").replace(/\s*\n\s*/g, " ");
      console.error(`normbench: ${message}` + hintFor(err));
      return EXIT_USAGE;
    }
    if (err instanceof UsageError) {
      const line = err.hint ? err.oneLine() : `${err.message} (run the command with --help)`;
      console.error(`normbench: ${line}`);
      return EXIT_USAGE;
    }
    throw err;
  }
}

function hintFor(err: CommanderError): string {
  if (err.code === "commander.unknownCommand") return " (run 'normbench --help' for the list)";
  return " (run the command with --help)";
}

if (import.meta.main) {
  Deno.exit(await runCli(Deno.args));
}
