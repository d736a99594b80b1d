/**
 * `normbench report`: rebuild every Markdown report, plot and the overview from the JSON alone.
 *
 * @module
 */
import type { Command } from "commander";
import { dirname, relative, resolve } from "node:path";
import { collect, importModules, waitLine } from "./parse.ts";
import "../../suites/mod.ts";
import { listSuites } from "../suite/registry.ts";
import {
  readResultFiles,
  renderSuiteReport,
  writeOverview,
  writeProfileIndex,
} from "../report/write.ts";
import { parseProfile } from "../suite/registry.ts";
import { profileDir } from "../reproduce.ts";
import type { SuiteResultFile } from "../results/result_file.ts";
import { HEADLINE_PROFILE, PROFILE_NAMES, type ProfileName } from "../results/types.ts";
import { claimsTableMarkdown, spliceResults } from "../report/markdown.ts";
import { UsageError } from "../util/errors.ts";
import { removeDeadTemporaries, writeFileAtomic } from "../util/fs.ts";
import { inputFile, outputDir } from "../util/validate.ts";
import { withDirLock } from "../util/lock.ts";
import { adapterRoots } from "../results/layout.ts";

/** Registers `report`. */
export function registerReport(program: Command): void {
  program.command("report")
    .description(
      "rebuild every profile's reports, plots and overview (results/<profile>/) and the index " +
        "results/README.md from the JSON",
    )
    .option("--import <module>", "a module that registers more suites (repeatable)", collect, [])
    .option("--out <dir>", "results root (each profile in its own folder)", "results")
    .option(
      "--readme <file>",
      "also write the claims table between the <!-- results:begin/end --> markers of this file",
    )
    .option(
      "--profile <name>",
      `the profile whose claims --readme writes (default: ${HEADLINE_PROFILE}, the headline)`,
      HEADLINE_PROFILE,
    )
    .action(async (opts: { out: string; import: string[]; readme?: string; profile: string }) => {
      await importModules(opts.import);
      const profile = parseProfile(opts.profile);
      await outputDir("--out", opts.out, { create: false });
      if (opts.readme) await inputFile("--readme", opts.readme);
      const order = listSuites().map((s) => s.name);
      const byProfile = new Map<ProfileName, SuiteResultFile[]>();
      for (const p of PROFILE_NAMES) {
        const files = await readResultFiles(profileDir(opts.out, p), order);
        if (files.length) byProfile.set(p, files);
      }
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
        if (!byProfile.has(profile)) {
          // Never replace a claims table with an empty one because the input is wrong.
          throw new UsageError(
            `${profileDir(opts.out, profile)}/ holds no results: the claims table of ` +
              `${opts.readme} is left as it is`,
            `check --out (the results root, e.g. results), or run 'deno task reproduce --profile ${profile}'`,
          );
        }
      }
      // The hardware WebGPU adapters' results (results/webgpu/<adapter>/) are rebuilt too.
      const adapters: { root: string; byProfile: Map<ProfileName, SuiteResultFile[]> }[] = [];
      for (const a of await adapterRoots(opts.out)) {
        const files = new Map<ProfileName, SuiteResultFile[]>();
        for (const p of PROFILE_NAMES) {
          const found = await readResultFiles(profileDir(a.dir, p), order);
          if (found.length) files.set(p, found);
        }
        if (files.size) adapters.push({ root: a.dir, byProfile: files });
      }
      await withDirLock(opts.out, "report", async () => {
        await removeDeadTemporaries(opts.out);
        let count = 0;
        for (const { root, byProfile: profiles } of [{ root: opts.out, byProfile }, ...adapters]) {
          for (const [p, files] of profiles) {
            const dir = profileDir(root, p);
            await removeDeadTemporaries(dir);
            for (const file of files) await renderSuiteReport(file, dir);
            await writeOverview(dir, order);
            count += files.length;
          }
          if (profiles.size) await writeProfileIndex(root);
        }
        if (adapters.length && !byProfile.size) await writeProfileIndex(opts.out);
        console.log(
          `normbench: rebuilt ${count} report(s) of ${
            [...byProfile.keys()].join(", ") || "no profile"
          } under ${opts.out}/` +
            (adapters.length ? ` and of ${adapters.length} WebGPU adapter(s)` : ""),
        );
        if (opts.readme && readmeText !== undefined) {
          const dir = profileDir(opts.out, profile);
          const prefix = relativePrefix(opts.readme, dir);
          const block = claimsTableMarkdown(byProfile.get(profile)!, { linkPrefix: prefix }) +
            `\nWall times, per-suite reports and plots: [${prefix}README.md](${prefix}README.md).`;
          await writeFileAtomic(opts.readme, spliceResults(readmeText, block));
          console.log(`normbench: wrote the ${profile} claims table into ${opts.readme}`);
        }
      }, waitLine);
    });
}

/** The path of `outDir` as seen from the directory of `file`, with a trailing slash. */
function relativePrefix(file: string, outDir: string): string {
  const rel = relative(dirname(resolve(file)), resolve(outDir));
  return rel === "" ? "" : rel + "/";
}
