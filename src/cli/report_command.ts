/**
 * `normbench report`: rebuild every Markdown report, plot and the overview from the JSON alone.
 *
 * @module
 */
import type { Command } from "commander";
import { collect, importModules } from "./parse.ts";
import "../../suites/mod.ts";
import { listSuites } from "../suite/registry.ts";
import { readResultFiles, renderSuiteReport, writeOverview } from "../report/write.ts";

/** Registers `report`. */
export function registerReport(program: Command): void {
  program.command("report")
    .description("rebuild results/*.md, the plots and results/README.md from results/*.json")
    .option("--import <module>", "a module that registers more suites (repeatable)", collect, [])
    .option("--out <dir>", "results directory", "results")
    .action(async (opts: { out: string; import: string[] }) => {
      await importModules(opts.import);
      const order = listSuites().map((s) => s.name);
      const files = await readResultFiles(opts.out, order);
      for (const file of files) await renderSuiteReport(file, opts.out);
      await writeOverview(opts.out, order);
      console.log(`normbench: rebuilt ${files.length} report(s) and ${opts.out}/README.md`);
    });
}
