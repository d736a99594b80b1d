/**
 * `normbench merge SHARD…`: merge the shard files of a job array into whole results.
 *
 * @module
 */
import type { Command } from "commander";
import { collect, importModules } from "./parse.ts";
import "../../suites/mod.ts";
import { getSuite } from "../suite/registry.ts";
import { mergeResultFiles, parseResultFile, type SuiteResultFile } from "../suite/result_file.ts";
import { writeOverview, writeProfileIndex, writeSuiteResults } from "../report/write.ts";
import { profileDir } from "../suite/reproduce.ts";
import { UsageError } from "../util/errors.ts";

/** Registers `merge`. */
export function registerMerge(program: Command): void {
  program.command("merge")
    .description(
      "merge results/<profile>/<suite>.shard-<i>-of-<n>.json files into " +
        "results/<profile>/<suite>.json + reports",
    )
    .option("--import <module>", "a module that registers more suites (repeatable)", collect, [])
    .argument("<files...>", "shard files (any number of suites)")
    .option("--out <dir>", "results root (each profile in its own folder)", "results")
    .action(async (paths: string[], opts: { out: string; import: string[] }) => {
      await importModules(opts.import);
      const bySuite = new Map<string, { file: SuiteResultFile; source: string }[]>();
      for (const source of paths) {
        let text: string;
        try {
          text = await Deno.readTextFile(source);
        } catch (err) {
          throw new UsageError(`cannot read ${source}: ${(err as Error).message}`);
        }
        const file = parseResultFile(text, source);
        if (!bySuite.has(file.suite.name)) bySuite.set(file.suite.name, []);
        bySuite.get(file.suite.name)!.push({ file, source });
      }
      // merge (and validate) every suite before writing anything
      const merged = [...bySuite].map(([name, files]) => {
        const suite = getSuite(name);
        return mergeResultFiles(files, (runs) => suite.checks?.(runs, files[0].file.profile) ?? []);
      });
      const dirs = new Set<string>();
      for (const file of merged) {
        const dir = profileDir(opts.out, file.profile);
        await writeSuiteResults(file, dir);
        dirs.add(dir);
      }
      for (const dir of dirs) await writeOverview(dir);
      await writeProfileIndex(opts.out);
      console.log(
        `normbench: merged ${paths.length} shard file(s) into ${
          merged.map((f) => `${profileDir(opts.out, f.profile)}/${f.suite.name}.json`).join(", ")
        }`,
      );
    });
}
