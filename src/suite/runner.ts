/**
 * The runner: turns a suite's grid into finished, cached run records.
 *
 * It owns scheduling (an executor with N slots; `exclusive` runs alone), the cache (one file per
 * run, keyed by a hash of task, input, backend and code version, written atomically), resume (a
 * killed run leaves only whole files; the next call skips every cached run), sharding and
 * progress. Suites only describe.
 *
 * @module
 */
import type { BackendName } from "../backend/backend.ts";
import { readJsonIfValid, writeFileAtomic } from "../util/fs.ts";
import { hashJson } from "./hash.ts";
import { computeCodeVersion } from "./provenance.ts";
import { selectShard, type Shard } from "./shard.ts";
import type { Executor } from "./executor.ts";
import { type ProgressView, silentProgress } from "./progress.ts";
import type { ProfileName, RunRecord, RunSpec, Suite } from "./types.ts";

/** Options of {@linkcode runSuite}. */
export interface RunSuiteOptions {
  /** Which profile's grid to run. */
  profile: ProfileName;
  /** The backend the runs use (resolved name, part of the cache key). */
  backend: BackendName;
  /** Runs the tasks. */
  executor: Executor;
  /** Directory of the run cache (one JSON file per finished run). */
  cacheDir: string;
  /** Only this shard of the grid. */
  shard?: Shard;
  /** Progress display (default: none). */
  progress?: ProgressView;
  /** Ignore cached runs (they are overwritten). */
  fresh?: boolean;
}

/** What {@linkcode runSuite} returns. */
export interface SuiteRun {
  /** The grid's run ids (whole grid, all shards), in the suite's order. */
  expected: string[];
  /** Finished records of this shard, in the suite's order. */
  records: RunRecord[];
  /** How many came from the cache. */
  cached: number;
  /** Runs that threw: id and message. They are not cached. */
  failures: { id: string; error: string }[];
  /** Wall time of this call in ms. */
  wallMs: number;
}

/**
 * The cache key of a run: task (module file name and export), input, backend and code version.
 *
 * @example
 * ```ts
 * import { runHash } from "@normbench/normbench";
 * const spec = { id: "a", labels: {}, task: { module: "file:///x/t.ts", export: "run" }, input: { seed: 1 }, cost: 1 };
 * console.assert((await runHash(spec, "wasm")).length === 64);
 * ```
 */
export async function runHash(spec: RunSpec, backend: BackendName): Promise<string> {
  const file = spec.task.module.slice(spec.task.module.lastIndexOf("/") + 1);
  return hashJson({
    task: `${file}#${spec.task.export}`,
    input: spec.input,
    backend,
    code: await computeCodeVersion(),
  });
}

/** Temporary files a killed writer left behind (older than an hour: no live writer owns them). */
async function removeStaleTemporaries(dir: string): Promise<void> {
  try {
    for await (const e of Deno.readDir(dir)) {
      if (!e.isFile || !e.name.includes(".tmp-")) continue;
      const info = await Deno.stat(`${dir}/${e.name}`);
      if (Date.now() - (info.mtime?.getTime() ?? 0) > 3_600_000) {
        await Deno.remove(`${dir}/${e.name}`).catch(() => {});
      }
    }
  } catch {
    // no cache yet
  }
}

function cachePath(cacheDir: string, suite: string, hash: string): string {
  return `${cacheDir}/${suite}/${hash}.json`;
}

/**
 * Runs (or resumes) a suite's grid for one profile and returns every finished record. Cached
 * runs are not redone; each newly finished run is cached at once, so a killed call loses at
 * most the runs in flight. A run that throws is reported in `failures` and not cached.
 *
 * @example
 * ```ts
 * import { runSuite } from "@normbench/normbench";
 * console.assert(typeof runSuite === "function");
 * ```
 */
export async function runSuite(suite: Suite, options: RunSuiteOptions): Promise<SuiteRun> {
  const start = performance.now();
  const grid = suite.runs(options.profile);
  const ids = new Set<string>();
  for (const spec of grid) {
    if (ids.has(spec.id)) throw new Error(`suite ${suite.name}: duplicate run id '${spec.id}'`);
    ids.add(spec.id);
  }
  const specs = options.shard ? selectShard(grid, options.shard) : grid;
  await removeStaleTemporaries(`${options.cacheDir}/${suite.name}`);
  const hashes = new Map<string, string>();
  for (const spec of specs) hashes.set(spec.id, await runHash(spec, options.backend));
  const done = new Map<string, RunRecord>();
  if (!options.fresh) {
    for (const spec of specs) {
      const hash = hashes.get(spec.id)!;
      const record = await readJsonIfValid<RunRecord>(
        cachePath(options.cacheDir, suite.name, hash),
      );
      if (record && record.hash === hash && record.id === spec.id && record.output) {
        done.set(spec.id, record);
      }
    }
  }
  const cached = done.size;
  const pending = specs.filter((s) => !done.has(s.id));
  const progress = options.progress ?? silentProgress;
  progress.start(suite.name, pending.length, cached, pending.reduce((a, s) => a + s.cost, 0));
  const failures: { id: string; error: string }[] = [];

  const execute = async (spec: RunSpec) => {
    progress.runStarted(spec.id);
    try {
      const result = await options.executor.run(
        spec.task,
        spec.input,
        (d, t) => progress.runProgress(spec.id, d, t),
      );
      const hash = hashes.get(spec.id)!;
      const record: RunRecord = {
        id: spec.id,
        labels: spec.labels,
        input: spec.input,
        hash,
        output: result.output,
        wallMs: Math.round(result.wallMs),
        backend: result.backend,
        finishedAt: new Date().toISOString(),
      };
      await writeFileAtomic(
        cachePath(options.cacheDir, suite.name, hash),
        JSON.stringify(record),
      );
      done.set(spec.id, record);
      progress.runFinished(spec.id, false);
    } catch (err) {
      failures.push({ id: spec.id, error: (err as Error)?.stack ?? String(err) });
      progress.runFinished(spec.id, true);
    }
  };

  // Exclusive runs (timing) go alone, first; the rest fill every slot, largest first.
  const exclusive = pending.filter((s) => s.exclusive);
  for (const spec of exclusive) await execute(spec);
  const queue = pending.filter((s) => !s.exclusive).sort((a, b) => b.cost - a.cost);
  const lanes = Array.from({ length: Math.max(1, options.executor.slots) }, async () => {
    for (let spec = queue.shift(); spec; spec = queue.shift()) await execute(spec);
  });
  await Promise.all(lanes);
  progress.stop();

  return {
    expected: grid.map((s) => s.id),
    records: specs.filter((s) => done.has(s.id)).map((s) => done.get(s.id)!),
    cached,
    failures,
    wallMs: performance.now() - start,
  };
}
