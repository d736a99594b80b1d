/**
 * `normbench reproduce [SUITE…]`: run the suites and write `results/`.
 *
 * @module
 */
import type { Command } from "commander";
import "../../suites/mod.ts";
import { getSuite, listSuites, parseProfile } from "../suite/registry.ts";
import { reproduce } from "../reproduce.ts";
import { parseShard } from "../runner/shard.ts";
import { defaultRunCacheDir, makePoolExecutor } from "../runner/pool_executor.ts";
import { collect, importModules, parseBackend } from "./parse.ts";
import { UsageError } from "../util/errors.ts";
import { checkOutputDir, outputDir, parseIntFlag } from "../util/validate.ts";
import { checkDataLocations } from "../data/provision/provision.ts";
import { probeWebGpu } from "../backend/backend.ts";
import { resultsRoot } from "../results/layout.ts";
import { writeProfileIndex } from "../report/write.ts";

/** The most workers `--jobs` accepts on a machine with `cores` cores. */
function maxJobs(cores: number): number {
  return Math.max(1, 4 * cores);
}

/** Registers `reproduce`. */
export function registerReproduce(program: Command): void {
  program.command("reproduce")
    .description(
      "run suites (default: all, quick profile) and write results/<profile>/ with reports and " +
        "the overview",
    )
    .option("--import <module>", "a module that registers more suites (repeatable)", collect, [])
    .argument("[suites...]", "suites to run (default: all registered, in order)")
    .option(
      "--profile <name>",
      "smoke (seconds) | quick (under 40 min on 2 cores) | standard (the headline: tens of hours on 2 cores; shard it)",
      "quick",
    )
    .option("--backend <name>", "auto | webgpu | wasm | cpu", "auto")
    .option("--jobs <n>", "parallel runs (default: one per core; 1 = in this process)")
    .option("--shard <i/n>", "run only shard i of n of every grid (job arrays); merge afterwards")
    .option("--out <dir>", "results root: each profile writes into <dir>/<profile>/", "results")
    .option("--cache <dir>", "run cache (default: $NORMBENCH_CACHE/runs or .cache/normbench/runs)")
    .option("--fresh", "redo runs even when cached")
    .option("--quiet", "no progress bars")
    .action(async (names: string[], opts: {
      profile: string;
      backend: string;
      jobs?: string;
      shard?: string;
      out: string;
      cache?: string;
      fresh?: boolean;
      quiet?: boolean;
      import: string[];
    }) => {
      // Every flag is checked before anything runs or is written.
      await importModules(opts.import);
      const profile = parseProfile(opts.profile);
      const backend = parseBackend(opts.backend);
      const cores = navigator.hardwareConcurrency ?? 1;
      const jobs = opts.jobs === undefined ? cores : parseIntFlag("--jobs", opts.jobs, {
        min: 1,
        max: maxJobs(cores),
        hint: `more workers than 4 × this machine's ${cores} cores only share them`,
      });
      const shard = opts.shard === undefined ? undefined : parseShard(opts.shard);
      const suites = names.length ? names.map(getSuite) : listSuites();
      if (suites.length === 0) throw new UsageError("no suite is registered");
      // Data locations and paths are checked before any data is prepared or any run starts.
      await checkDataLocations([
        ...new Set(suites.filter((s) => !s.skip?.[profile]).flatMap((s) => s.datasets)),
      ]);
      const cache = opts.cache ?? defaultRunCacheDir();
      // Runs on a hardware WebGPU adapter write beside the CPU results, one folder per adapter.
      const webgpuRuns = suites.some((s) =>
        !s.skip?.[profile] && s.runs(profile).some((r) => r.labels.backend === "webgpu")
      );
      const usesWebGpu = backend === "webgpu" || backend === "auto" || webgpuRuns;
      const adapter = usesWebGpu ? await probeWebGpu() : null;
      const root = resultsRoot(opts.out, { adapter, usesWebGpu });
      await checkOutputDir("--out", opts.out);
      await checkOutputDir("--cache", cache);
      await outputDir("--out", opts.out);
      await outputDir("--cache", cache);
      if (root !== opts.out) {
        console.error(
          `normbench: the runs use the hardware WebGPU adapter '${adapter!.description}': ` +
            `results go to ${root}/, beside the CPU results`,
        );
      }
      const started = performance.now();
      const result = await reproduce({
        suites,
        profile,
        backend,
        outDir: root,
        cacheDir: cache,
        jobs,
        shard,
        fresh: opts.fresh,
        progress: !opts.quiet,
        makeExecutor: makePoolExecutor,
      });
      const total = (performance.now() - started) / 1000;
      console.log(
        `normbench: ${suites.length} suite(s), profile ${profile}, in ${
          (total / 60).toFixed(1)
        } min; ` +
          `${result.written.length} files written to ${root}/${profile}/`,
      );
      if (root !== opts.out) await writeProfileIndex(opts.out);
      if (result.failures.length) {
        console.error(
          `normbench: ${result.failures.length} run(s) failed (see above); rerun to resume`,
        );
        Deno.exitCode = 1;
      }
    });
}
