/**
 * `normbench merge SHARD…`: merge the shard files of a job array into whole results.
 *
 * @module
 */
import type { Command } from "commander";
import { collect, importModules } from "./parse.ts";
import "../../suites/mod.ts";
import { getSuite } from "../suite/registry.ts";
import { mergeResultFiles, parseResultFile, type SuiteResultFile } from "../results/result_file.ts";
import { writeOverview, writeProfileIndex, writeSuiteResults } from "../report/write.ts";
import { profileDir } from "../reproduce.ts";
import { UsageError } from "../util/errors.ts";
import { checkOutputDir, inputFile, outputDir } from "../util/validate.ts";
import { withDirLock } from "../util/lock.ts";
import { removeDeadTemporaries } from "../util/fs.ts";
import { waitLine } from "./parse.ts";

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
      for (const source of paths) await inputFile("shard file", source);
      await checkOutputDir("--out", opts.out);
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
      // Everything is read and checked; only now is anything created.
      await outputDir("--out", opts.out);
      await withDirLock(opts.out, "merge", async () => {
        await removeDeadTemporaries(opts.out);
        const dirs = new Set<string>();
        for (const file of merged) {
          const dir = profileDir(opts.out, file.profile);
          await removeDeadTemporaries(dir);
          await writeSuiteResults(file, dir, { log: (line) => console.error(line) });
          dirs.add(dir);
        }
        for (const dir of dirs) await writeOverview(dir);
        await writeProfileIndex(opts.out);
      }, waitLine);
      console.log(
        `normbench: merged ${paths.length} shard file(s) into ${
          merged.map((f) => `${profileDir(opts.out, f.profile)}/${f.suite.name}.json`).join(", ")
        }`,
      );
    });
}
