/**
 * `bench pool`: wall time of N training runs on one worker and on a pool of workers, next to how
 * well raw busy workers scale on the machine at that moment (a shared machine offers fewer cores
 * than it has).
 *
 * @module
 */
import type { BackendChoice } from "../backend/backend.ts";
import type { Json, TaskRef } from "../results/types.ts";

/**
 * What the benchmark needs of a pool of workers (the runner's `WorkerPool` is one): run a task by
 * reference, and close.
 */
export interface TaskPool {
  /** Runs one task, resolving to its output. */
  run<T = unknown>(task: TaskRef, input: Json): Promise<T>;
  /** Stops the workers. */
  close(): Promise<void>;
}

/** Options of {@linkcode benchPool}. */
export interface BenchPoolOptions {
  /** Makes a pool of `size` workers on `backend` (e.g. the runner's `WorkerPool`). */
  pool: (size: number, backend: BackendChoice) => TaskPool;
  /** Training runs (default: twice the workers). */
  runs?: number;
  /** Workers of the parallel pool (default: the logical cores). */
  workers?: number;
  /** Training updates per run (default 12). */
  steps?: number;
  /** LM preset each run trains (default `small`). */
  preset?: string;
  /** Backend of the workers (default `wasm`). */
  backend?: BackendChoice;
}

/** What {@linkcode benchPool} measured. */
export interface BenchPoolResult {
  /** Training runs. */
  runs: number;
  /** Workers of the parallel pool. */
  workers: number;
  /** Training updates per run. */
  steps: number;
  /** LM preset. */
  preset: string;
  /** Backend of the workers. */
  backend: BackendChoice;
  /** Wall time of the runs on one worker, ms (workers started beforehand). */
  serialMs: number;
  /** Wall time of the runs on the pool, ms (workers started beforehand). */
  parallelMs: number;
  /** parallelMs / serialMs: 1 / workers is perfect scaling, 1 none. */
  ratio: number;
  /** The same ratio for plain busy loops on raw workers: what the machine offers right now. */
  machineRatio: number;
  /** Whether every run's losses were identical on one worker and on the pool. */
  identical: boolean;
}

const TASK: TaskRef = {
  module: import.meta.resolve("./pool_task.ts"),
  export: "trainSyntheticLm",
};

async function timeRuns(
  makePool: BenchPoolOptions["pool"],
  size: number,
  inputs: { seed: number; steps: number; preset: string }[],
  backend: BackendChoice,
): Promise<{ ms: number; losses: number[][] }> {
  const pool = makePool(size, backend);
  try {
    // start-up (module load, backend init) is not part of the comparison
    await Promise.all(
      Array.from({ length: size }, () => pool.run(TASK, { ...inputs[0], steps: 1 })),
    );
    const t0 = performance.now();
    const out = await Promise.all(
      inputs.map((input) => pool.run<{ losses: number[] }>(TASK, input)),
    );
    return { ms: performance.now() - t0, losses: out.map((o) => o.losses) };
  } finally {
    await pool.close();
  }
}

/** Wall time of `n` busy loops on `threads` raw workers at once. */
async function rawWorkers(threads: number, n: number): Promise<number> {
  const code = "onmessage = (e) => { let x = 0; for (let i = 0; i < e.data; i++) " +
    "x += Math.sqrt(i); postMessage(x); };";
  const url = `data:application/javascript,${encodeURIComponent(code)}`;
  const workers = Array.from({ length: threads }, () => new Worker(url, { type: "module" }));
  try {
    const t0 = performance.now();
    let next = 0;
    await Promise.all(workers.map(async (w) => {
      while (next < n) {
        next++;
        await new Promise((resolve) => {
          w.onmessage = resolve;
          w.postMessage(1e8);
        });
      }
    }));
    return performance.now() - t0;
  } finally {
    workers.forEach((w) => w.terminate());
  }
}

/**
 * Times `runs` training runs on one worker, then on `workers` workers, and the machine's own
 * scaling of raw busy workers; checks the runs' losses agree.
 *
 * @example
 * ```ts
 * import { benchPool, WorkerPool } from "@normbench/normbench";
 * const r = await benchPool({
 *   runs: 2, workers: 2, steps: 1, preset: "tiny",
 *   pool: (size, backend) => new WorkerPool({ size, backend }),
 * });
 * console.assert(r.identical && r.ratio > 0);
 * ```
 */
export async function benchPool(options: BenchPoolOptions): Promise<BenchPoolResult> {
  const workers = options.workers ?? navigator.hardwareConcurrency ?? 1;
  const runs = options.runs ?? 2 * workers;
  const steps = options.steps ?? 12;
  const preset = options.preset ?? "small";
  const backend = options.backend ?? "wasm";
  const inputs = Array.from({ length: runs }, (_, seed) => ({ seed, steps, preset }));
  const machineRatio = (await rawWorkers(workers, runs)) / (await rawWorkers(1, runs));
  const serial = await timeRuns(options.pool, 1, inputs, backend);
  const parallel = await timeRuns(options.pool, workers, inputs, backend);
  return {
    runs,
    workers,
    steps,
    preset,
    backend,
    serialMs: serial.ms,
    parallelMs: parallel.ms,
    ratio: parallel.ms / serial.ms,
    machineRatio,
    identical: JSON.stringify(serial.losses) === JSON.stringify(parallel.losses),
  };
}
