/**
 * `normbench norms [NAME…]`: the norm zoo, each norm's options, defaults and foldability.
 *
 * @module
 */
import type { Command } from "commander";
import { describeOptions } from "../norms/options.ts";
import { NORM_NAMES, normEntry } from "../norms/registry.ts";

/** Registers `norms`. */
export function registerNorms(program: Command): void {
  program.command("norms")
    .description("list the norm zoo with options, defaults and what folds at inference")
    .argument("[names...]", "norms to show (default: all)")
    .option("--json", "print JSON")
    .action((names: string[], opts: { json?: boolean }) => {
      const chosen = names.length ? names : [...NORM_NAMES];
      const entries = chosen.map((name) => ({ name, ...normEntry(name) }));
      if (opts.json) {
        const out = entries.map(({ name, title, options, folds, note }) => ({
          name,
          title,
          folds,
          options,
          ...(note ? { note } : {}),
        }));
        console.log(JSON.stringify(out, null, 2));
        return;
      }
      for (const { name, title, options, folds, note } of entries) {
        console.log(`${name.padEnd(10)} ${title}; folds: ${folds}`);
        const text = describeOptions(options);
        if (text) console.log(`           options: ${text}`);
        if (note) console.log(`           ${note}`);
      }
      console.log("weight option: +ws (Weight Standardization), e.g. gn+ws, bcn+ws");
    });
}
