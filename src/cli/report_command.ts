/**
 * `normbench report`: rebuild every Markdown report, plot and the overview from the JSON alone.
 *
 * @module
 */
import type { Command } from "commander";
import { dirname, relative, resolve } from "node:path";
import { collect, importModules } from "./parse.ts";
import "../../suites/mod.ts";
import { listSuites } from "../suite/registry.ts";
import { readResultFiles, renderSuiteReport, writeOverview } from "../report/write.ts";
import { claimsTableMarkdown, spliceResults } from "../report/markdown.ts";
import { UsageError } from "../util/errors.ts";
import { writeFileAtomic } from "../util/fs.ts";

/** Registers `report`. */
export function registerReport(program: Command): void {
  program.command("report")
    .description("rebuild results/*.md, the plots and results/README.md from results/*.json")
    .option("--import <module>", "a module that registers more suites (repeatable)", collect, [])
    .option("--out <dir>", "results directory", "results")
    .option(
      "--readme <file>",
      "also write the claims table between the <!-- results:begin/end --> markers of this file",
    )
    .action(async (opts: { out: string; import: string[]; readme?: string }) => {
      await importModules(opts.import);
      const order = listSuites().map((s) => s.name);
      const files = await readResultFiles(opts.out, order);
      let readmeText: string | undefined;
      if (opts.readme) {
        try {
          readmeText = await Deno.readTextFile(opts.readme);
        } catch {
          throw new UsageError(
            `cannot read --readme ${opts.readme}`,
            "give an existing Markdown file",
          );
        }
        try {
          spliceResults(readmeText, "");
        } catch (e) {
          throw new UsageError(`--readme ${opts.readme}: ${(e as Error).message}`);
        }
      }
      for (const file of files) await renderSuiteReport(file, opts.out);
      await writeOverview(opts.out, order);
      console.log(`normbench: rebuilt ${files.length} report(s) and ${opts.out}/README.md`);
      if (opts.readme && readmeText !== undefined) {
        const prefix = relativePrefix(opts.readme, opts.out);
        const block = files.length
          ? claimsTableMarkdown(files, { linkPrefix: prefix }) +
            `\nWall times, per-suite reports and plots: [${prefix}README.md](${prefix}README.md).`
          : "No suite has been run yet: `deno task reproduce`.";
        await writeFileAtomic(opts.readme, spliceResults(readmeText, block));
        console.log(`normbench: wrote the claims table into ${opts.readme}`);
      }
    });
}

/** The path of `outDir` as seen from the directory of `file`, with a trailing slash. */
function relativePrefix(file: string, outDir: string): string {
  const rel = relative(dirname(resolve(file)), resolve(outDir));
  return rel === "" ? "" : rel + "/";
}
