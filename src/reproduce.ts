/**
 * `reproduce`: prepare data, run suites on the runner, write results and the overview.
 *
 * @module
 */
import {
  type BackendChoice,
  type BackendName,
  initBackend,
  resolveBackend,
} from "./backend/backend.ts";
import { prepareData } from "./data/provision/provision.ts";
import { writeOverview, writeProfileIndex, writeSuiteResults } from "./report/write.ts";
import { removeDeadTemporaries, writeFileAtomic } from "./util/fs.ts";
import { type LockHolder, withDirLock } from "./util/lock.ts";
import type { Executor } from "./runner/executor.ts";
import { InProcessExecutor } from "./runner/executor.ts";
import { collectProvenance } from "./runner/provenance.ts";
import { BarProgress, LineProgress, type ProgressView, suiteProgress } from "./runner/progress.ts";
import { RESULT_FORMAT, type SuiteResultFile } from "./results/result_file.ts";
import { describeSuite } from "./suite/describe.ts";
import { type PreparedSuiteRun, prepareSuiteRun } from "./runner/runner.ts";
import { SlotScheduler } from "./runner/slots.ts";
import type { Shard } from "./results/types.ts";
import type { ProfileName } from "./results/types.ts";
import type { Suite } from "./suite/types.ts";

/** Options of {@linkcode reproduce}. */
export interface ReproduceOptions {
  /** Suites to run, in order. */
  suites: Suite[];
  /** Profile of every suite. */
  profile: ProfileName;
  /** Backend choice (`auto` resolves once, before any run). */
  backend: BackendChoice;
  /** Results root: each profile writes into its own folder `<outDir>/<profile>/`. */
  outDir: string;
  /** Run cache directory. */
  cacheDir: string;
  /** Parallel runs (workers); 1 runs in this process. */
  jobs: number;
  /** Only this shard of every suite's grid: writes `<suite>.shard-<i>-of-<n>.json` only. */
  shard?: Shard;
  /** Redo cached runs. */
  fresh?: boolean;
  /** Show progress bars (default true). */
  progress?: boolean;
  /** Makes the executor for `jobs` parallel runs on `backend` (default: in process). */
  makeExecutor?: (backend: BackendName, jobs: number) => Promise<Executor>;
  /** Where to print status lines (default console.error). */
  log?: (line: string) => void;
}

/** Outcome of {@linkcode reproduce}. */
export interface ReproduceResult {
  /** Files written. */
  written: string[];
  /** Runs that failed, per suite. */
  failures: { suite: string; id: string; error: string }[];
  /** Per suite: ms from the call's start to the end of its last run (suites run side by side). */
  wallMs: Record<string, number>;
}

/**
 * The file name of a shard's results.
 *
 * @example
 * ```ts
 * import { shardFileName } from "@normbench/normbench";
 * console.assert(shardFileName("vit", { index: 1, count: 4 }) === "vit.shard-1-of-4.json");
 * ```
 */
export function shardFileName(suite: string, shard: Shard): string {
  return `${suite}.shard-${shard.index}-of-${shard.count}.json`;
}

/**
 * The folder of a profile's results under the results root: profiles never share files.
 *
 * @example
 * ```ts
 * import { profileDir } from "@normbench/normbench";
 * console.assert(profileDir("results", "quick") === "results/quick");
 * ```
 */
export function profileDir(outDir: string, profile: ProfileName): string {
  return `${outDir.replace(/\/+$/, "") || "."}/${profile}`;
}

/**
 * Runs suites end to end: prepares their data, runs (or resumes) every grid on the runner — the
 * suites side by side on one {@linkcode SlotScheduler}, so every worker stays busy until the
 * last run and timing runs still run alone — then writes each suite's JSON, Markdown and plots
 * (as soon as that suite is done) and the overview into the profile's folder
 * (`<outDir>/<profile>/`), and the index of profiles (`<outDir>/README.md`). A suite with a
 * failed run writes nothing (its finished runs stay cached for the next call); a suite that
 * skips the profile (`skip`) is left out with its reason.
 *
 * @example
 * ```ts
 * import { exampleSuite, reproduce } from "@normbench/normbench";
 * const dir = await Deno.makeTempDir();
 * const result = await reproduce({
 *   suites: [exampleSuite], profile: "smoke", backend: "cpu", outDir: dir,
 *   cacheDir: `${dir}/cache`, jobs: 1, progress: false, log: () => {},
 * });
 * console.assert(result.failures.length === 0);
 * console.assert(result.written.includes(`${dir}/smoke/curve.md`));
 * ```
 */
export async function reproduce(options: ReproduceOptions): Promise<ReproduceResult> {
  const log = options.log ?? ((line: string) => console.error(line));
  // One process at a time per results folder and per run cache: a second one waits, so two
  // concurrent calls never compute a run twice or write one file from two processes.
  const waiting = (holder: LockHolder, dir: string) =>
    log(
      `normbench: waiting for pid ${holder.pid} (${holder.purpose}, since ${holder.since}) ` +
        `to finish with ${dir}`,
    );
  const purpose = `reproduce --profile ${options.profile}`;
  return await withDirLock(
    options.outDir,
    purpose,
    () => withDirLock(options.cacheDir, purpose, () => reproduceLocked(options, log), waiting),
    waiting,
  );
}

async function reproduceLocked(
  options: ReproduceOptions,
  log: (line: string) => void,
): Promise<ReproduceResult> {
  const backend = await resolveBackend(options.backend);
  const datasets = [...new Set(options.suites.flatMap((s) => s.datasets))];
  if (datasets.length) {
    log(`normbench: preparing data: ${datasets.join(", ")}`);
    await prepareData(datasets);
  }
  const info = await initBackend(backend);
  if (info.fallbackAdapter) {
    log(
      `normbench: warning: the WebGPU adapter '${info.adapter}' is a software fallback — ` +
        "correct, but about 50× slower than --backend wasm (the vit smoke profile: 824 s vs " +
        "15 s); use it to check correctness, never for speed",
    );
  }
  const executor = options.jobs > 1 && options.makeExecutor
    ? await options.makeExecutor(backend, options.jobs)
    : new InProcessExecutor(backend);
  const written: string[] = [];
  const failures: ReproduceResult["failures"] = [];
  const wallMs: Record<string, number> = {};
  const dir = profileDir(options.outDir, options.profile);
  await removeDeadTemporaries(options.outDir);
  await removeDeadTemporaries(dir);
  const callStart = performance.now();
  const startedAt = new Date().toISOString();
  try {
    // Every suite's grid is looked up in the cache first; then all of them run together on one
    // scheduler, so a suite's last long run never leaves the other slots idle (timing runs still
    // run alone). Each suite's results are written as soon as its own runs have finished.
    const scheduler = new SlotScheduler(executor.slots);
    const prepared: PreparedSuiteRun[] = [];
    for (const suite of options.suites) {
      const skip = suite.skip?.[options.profile];
      if (skip) {
        log(`normbench: ${suite.name}: not run in profile ${options.profile} (${skip})`);
        continue;
      }
      prepared.push(
        await prepareSuiteRun(suite, {
          profile: options.profile,
          backend,
          executor,
          cacheDir: options.cacheDir,
          shard: options.shard,
          fresh: options.fresh,
          scheduler,
        }),
      );
    }
    const sharing = prepared.filter((p) => p.pending > 0).map((p) => p.suite.name);
    const call = sharing.length > 1 ? { startedAt, suites: sharing } : undefined;
    // One progress display for the call: bars on a terminal; otherwise (or with --quiet) a plain
    // line at least every 30 s. Run ids are shown as `<suite>/<id>`.
    const costs = new Map(
      prepared.flatMap((p) => [...p.costs].map(([id, cost]) => [`${p.suite.name}/${id}`, cost])),
    );
    const progress: ProgressView = options.progress === false || !Deno.stderr.isTerminal()
      ? new LineProgress(costs, { print: log })
      : new BarProgress(costs);
    progress.start(
      prepared.length === 1 ? prepared[0].suite.name : `${prepared.length} suites`,
      prepared.reduce((a, p) => a + p.pending, 0),
      prepared.reduce((a, p) => a + p.cached, 0),
      prepared.reduce((a, p) => a + p.pendingCost, 0),
    );
    const finish = async (p: PreparedSuiteRun) => {
      const suite = p.suite;
      const run = await p.execute(suiteProgress(progress, suite.name));
      const elapsed = performance.now() - callStart;
      wallMs[suite.name] = elapsed;
      if (run.failures.length) {
        for (const f of run.failures) failures.push({ suite: suite.name, ...f });
        log(`normbench: ${suite.name}: ${run.failures.length} run(s) failed; no results written`);
        for (const f of run.failures) log(`  ${f.id}: ${f.error.split("\n")[0]}`);
        return;
      }
      const tuningIds = new Set(p.grid.filter((r) => r.role === "tune").map((r) => r.id));
      const file: SuiteResultFile = {
        format: RESULT_FORMAT,
        suite: describeSuite(suite, options.profile),
        profile: options.profile,
        shard: options.shard && options.shard.count > 1 ? options.shard : null,
        provenance: await collectProvenance(run.records[0]?.backend ?? info),
        expected: run.expected,
        runs: run.records.filter((r) => !tuningIds.has(r.id)),
        tuning: run.records.filter((r) => tuningIds.has(r.id)),
        checks: [],
        // Only an uninterrupted run's wall clock says how long the suite takes.
        elapsedMs: run.cached === 0 ? Math.round(elapsed) : null,
        ...(call && call.suites.includes(suite.name) ? { call } : {}),
      };
      if (file.shard) {
        const path = `${dir}/${shardFileName(suite.name, file.shard)}`;
        await writeFileAtomic(path, JSON.stringify(file, null, 1) + "\n");
        written.push(path);
      } else {
        file.checks = suite.checks?.(file.runs, options.profile) ?? [];
        written.push(...(await writeSuiteResults(file, dir, { log })));
      }
      log(
        `normbench: ${suite.name}: ${run.records.length} runs (${run.cached} cached), done ${
          (elapsed / 1000).toFixed(1)
        } s into the call`,
      );
    };
    // Every suite runs to its end before an error (say, a results file that cannot be written)
    // is raised: the workers are closed only when no run is in flight.
    const outcomes = await Promise.allSettled(prepared.map(finish));
    progress.stop();
    const thrown = outcomes.find((o): o is PromiseRejectedResult => o.status === "rejected");
    if (thrown) throw thrown.reason;
    if (!options.shard || options.shard.count === 1) {
      written.push(await writeOverview(dir, options.suites.map((s) => s.name)));
      written.push(await writeProfileIndex(options.outDir));
    }
  } finally {
    await executor.close();
  }
  return { written, failures, wallMs };
}
