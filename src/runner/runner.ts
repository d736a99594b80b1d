/**
 * The runner: turns a suite's grid into finished, cached run records.
 *
 * It owns scheduling (an executor with N slots, shared by any number of suites; `exclusive` runs
 * alone), the cache (one file per run, keyed by a hash of task, input, backend and code version,
 * written atomically), resume (a killed run leaves only whole files; the next call skips every
 * cached run), sharding and progress. Suites only describe.
 *
 * @module
 */
import type { BackendName } from "../backend/backend.ts";
import { readJsonIfValid, removeDeadTemporaries, writeFileAtomic } from "../util/fs.ts";
import { explainRuntimeError } from "../util/errors.ts";
import { hashJson } from "./hash.ts";
import { computeCodeVersion, externalModuleHash } from "./provenance.ts";
import { selectShard } from "./shard.ts";
import type { Shard } from "../results/types.ts";
import type { Executor } from "./executor.ts";
import { type ProgressView, silentProgress } from "./progress.ts";
import { SlotScheduler } from "./slots.ts";
import type { Json, ProfileName, RunChoice, RunRecord } from "../results/types.ts";
import type { RunSpec, Suite } from "../suite/types.ts";

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
  /**
   * Who gets the executor's slots (default: a scheduler of this suite alone). Pass one
   * scheduler to several suites' runs to share the slots between them.
   */
  scheduler?: SlotScheduler;
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
 * The cache key of a run: task (module file name and export), input, backend, code version and,
 * for a task module outside the package, the hash of its source and its local imports.
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
  // A task module outside this package (brought in with --import) is hashed with the local
  // modules it imports, so editing it never reuses a stale result.
  const external = await externalModuleHash(spec.task.module);
  return hashJson({
    task: `${file}#${spec.task.export}`,
    input: spec.input,
    backend,
    code: await computeCodeVersion(),
    ...(external ? { module: external } : {}),
  });
}

function cachePath(cacheDir: string, suite: string, hash: string): string {
  return `${cacheDir}/${suite}/${hash}.json`;
}

/** A suite's grid resolved against the cache, ready to run: see {@linkcode prepareSuiteRun}. */
export interface PreparedSuiteRun {
  /** The suite. */
  suite: Suite;
  /** The suite's whole grid for the profile (every shard). */
  grid: RunSpec[];
  /** Runs to compute (this shard's, not cached). */
  pending: number;
  /** Runs that came from the cache. */
  cached: number;
  /** Summed cost of the runs to compute. */
  pendingCost: number;
  /** The ids and costs of this shard's runs (for a progress view). */
  costs: Map<string, number>;
  /**
   * Computes every pending run on the options' scheduler and resolves when all have finished,
   * reporting to `progress` (default: the options' view). Call it once; calls for several
   * suites made in one go share the slots fairly.
   */
  execute(progress?: ProgressView): Promise<SuiteRun>;
}

/**
 * Runs (or resumes) a suite's grid for one profile and returns every finished record. Cached
 * runs are not redone; each newly finished run is cached at once, so a killed call loses at
 * most the runs in flight. A run that throws is reported in `failures` and not cached. Runs
 * decided by other runs (`decidedBy`) start as soon as those finished; their input — and so
 * their cache key — is known only then. Two runs with the same task and input share one cached
 * result, whatever their ids.
 *
 * @example
 * ```ts
 * import { exampleSuite, InProcessExecutor, runSuite } from "@normbench/normbench";
 * const cacheDir = await Deno.makeTempDir();
 * const options = { profile: "smoke", backend: "cpu", cacheDir } as const;
 * const first = await runSuite(exampleSuite, { ...options, executor: new InProcessExecutor("cpu") });
 * const again = await runSuite(exampleSuite, { ...options, executor: new InProcessExecutor("cpu") });
 * console.assert(first.records.length === 4 && first.cached === 0 && again.cached === 4);
 * ```
 */
export async function runSuite(suite: Suite, options: RunSuiteOptions): Promise<SuiteRun> {
  return await (await prepareSuiteRun(suite, options)).execute();
}

/**
 * The first half of {@linkcode runSuite}: checks the grid, selects the shard and looks every
 * run up in the cache, without computing anything. `execute()` then computes the rest. Several
 * suites prepared first and executed together with one {@linkcode SlotScheduler} keep every
 * slot busy across suites (`reproduce` does this), where one suite after the other leaves slots
 * idle while each suite's last, longest run finishes.
 *
 * @example
 * ```ts
 * import { exampleSuite, InProcessExecutor, prepareSuiteRun, SlotScheduler } from "@normbench/normbench";
 * const cacheDir = await Deno.makeTempDir();
 * const executor = new InProcessExecutor("cpu");
 * const scheduler = new SlotScheduler(executor.slots);
 * const prepared = await prepareSuiteRun(exampleSuite, {
 *   profile: "smoke", backend: "cpu", cacheDir, executor, scheduler,
 * });
 * console.assert(prepared.pending === 4 && prepared.cached === 0);
 * const run = await prepared.execute();
 * console.assert(run.records.length === 4 && run.failures.length === 0);
 * ```
 */
export async function prepareSuiteRun(
  suite: Suite,
  options: RunSuiteOptions,
): Promise<PreparedSuiteRun> {
  const start = performance.now();
  const grid = suite.runs(options.profile);
  const ids = new Set<string>();
  for (const spec of grid) {
    if (ids.has(spec.id)) throw new Error(`suite ${suite.name}: duplicate run id '${spec.id}'`);
    ids.add(spec.id);
  }
  const specs = options.shard ? selectShard(grid, options.shard) : grid;
  await removeDeadTemporaries(`${options.cacheDir}/${suite.name}`);
  const byId = new Map(specs.map((s) => [s.id, s]));
  const inputs = new Map<string, { input: Json; hash: string; choice?: RunChoice }>();
  const done = new Map<string, RunRecord>();
  const failures: { id: string; error: string }[] = [];
  let cached = 0;

  const lookup = async (spec: RunSpec, hash: string): Promise<RunRecord | null> => {
    if (options.fresh) return null;
    const record = await readJsonIfValid<RunRecord>(cachePath(options.cacheDir, suite.name, hash));
    if (!record || record.hash !== hash || !record.output) return null;
    // the same task and input under another id (a tuning run that is also a measured one)
    return { ...record, id: spec.id, labels: spec.labels };
  };
  /** Fixes the input and hash of `spec` (deciding it if needed); true when it is cached. */
  const resolve = async (spec: RunSpec): Promise<boolean> => {
    let input = spec.input;
    let choice: RunChoice | undefined;
    if (spec.decidedBy) {
      const decided = spec.decidedBy.decide(spec.decidedBy.runs.map((id) => done.get(id)!));
      input = decided.input;
      choice = decided.choice;
    }
    const hash = await runHash({ ...spec, input }, options.backend);
    inputs.set(spec.id, { input, hash, choice });
    const record = await lookup(spec, hash);
    if (record) {
      done.set(spec.id, choice ? { ...record, input, choice } : record);
      cached++;
      return true;
    }
    return false;
  };
  const depsDone = (spec: RunSpec) => (spec.decidedBy?.runs ?? []).every((d) => done.has(d));
  const depFailed = (spec: RunSpec) =>
    (spec.decidedBy?.runs ?? []).some((d) => failures.some((f) => f.id === d));

  // Resolve everything that can be resolved now (cache hits may make more runs decidable).
  // Before execute() starts, runs that become ready are collected; after, they are launched.
  const unresolved = new Set(specs.map((s) => s.id));
  const initial: RunSpec[] = [];
  let onReady: (spec: RunSpec) => void = (spec) => void initial.push(spec);
  let view = options.progress ?? silentProgress;
  let started = false;
  const settle = async () => {
    for (let moved = true; moved;) {
      moved = false;
      for (const id of [...unresolved]) {
        const spec = byId.get(id)!;
        if (depFailed(spec)) {
          unresolved.delete(id);
          failures.push({ id, error: `a run it is decided by failed (${spec.decidedBy!.runs})` });
          moved = true;
        } else if (depsDone(spec)) {
          unresolved.delete(id);
          if (await resolve(spec)) {
            moved = true;
            // a decided run whose input was run already (the chosen tuning run): done now
            if (started) view.runFinished(id, false);
          } else onReady(spec);
        }
      }
    }
  };
  await settle();
  const pendingCost = specs.filter((s) => !done.has(s.id)).reduce((a, s) => a + s.cost, 0);

  const computeOne = async (spec: RunSpec) => {
    view.runStarted(spec.id);
    const { input, hash, choice } = inputs.get(spec.id)!;
    try {
      const result = await options.executor.run(
        spec.task,
        input,
        (d, t) => view.runProgress(spec.id, d, t),
      );
      const record: RunRecord = {
        id: spec.id,
        labels: spec.labels,
        input,
        hash,
        output: result.output,
        wallMs: Math.round(result.wallMs),
        backend: result.backend,
        finishedAt: new Date().toISOString(),
        ...(choice ? { choice } : {}),
      };
      await writeFileAtomic(
        cachePath(options.cacheDir, suite.name, hash),
        JSON.stringify(record),
      );
      done.set(spec.id, record);
      view.runFinished(spec.id, false);
    } catch (thrown) {
      // a known runtime failure (a full wasm heap) as its cause and fix, first on the line
      const err = explainRuntimeError(thrown) as Error & { hint?: string };
      const why = err?.hint ? `${err.name}: ${err.message} (${err.hint})\n` : "";
      failures.push({ id: spec.id, error: why + (err?.stack ?? String(err)) });
      view.runFinished(spec.id, true);
    }
  };

  const execute = async (progress?: ProgressView): Promise<SuiteRun> => {
    if (progress) view = progress;
    view.start(suite.name, specs.length - done.size, done.size, pendingCost);
    started = true;
    // Exclusive runs (timing) go alone and before the others (the scheduler's rule); the rest
    // fill every slot, largest first, beside other suites' runs when the scheduler is shared.
    const scheduler = options.scheduler ?? new SlotScheduler(options.executor.slots);
    let inFlight = 0;
    let finish = () => {};
    const finished = new Promise<void>((r) => (finish = r));
    // A suite's own bug (a `decide` that throws) is raised once nothing of the suite is in flight.
    let broken: { error: unknown } | undefined;
    const launch = (spec: RunSpec) => {
      inFlight++;
      (async () => {
        const release = await scheduler.acquire(spec.cost, spec.exclusive === true);
        try {
          await computeOne(spec);
        } finally {
          release();
        }
        await settle(); // may launch runs decided by this one
      })().catch((error) => (broken ??= { error })).finally(() => {
        if (--inFlight === 0) finish();
      });
    };
    onReady = launch;
    for (const spec of initial) launch(spec);
    if (inFlight === 0) finish();
    await finished;
    view.stop();
    if (broken) throw broken.error;
    return {
      expected: grid.map((s) => s.id),
      records: specs.filter((s) => done.has(s.id)).map((s) => done.get(s.id)!),
      cached,
      failures,
      wallMs: performance.now() - start,
    };
  };
  return {
    suite,
    grid,
    pending: specs.length - done.size,
    cached,
    pendingCost,
    costs: new Map(specs.map((s) => [s.id, s.cost])),
    execute,
  };
}
