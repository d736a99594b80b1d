/**
 * Executors run one task at a time each: in this process, or in a pool of workers.
 *
 * @module
 */
import { type BackendChoice, type BackendInfo, initBackend } from "../backend/backend.ts";
import type { Json, RunOutput, TaskFunction, TaskRef } from "../results/types.ts";

/** The outcome of one task. */
export interface TaskResult {
  /** What the task returned. */
  output: RunOutput;
  /** Wall time in ms. */
  wallMs: number;
  /** The backend the task ran on. */
  backend: BackendInfo;
}

/** Runs tasks; `slots` of them at once. */
export interface Executor {
  /** How many tasks may run at once. */
  readonly slots: number;
  /** Runs one task, reporting progress as it goes. */
  run(
    task: TaskRef,
    input: Json,
    onProgress: (done: number, total: number) => void,
  ): Promise<TaskResult>;
  /** Frees workers. */
  close(): Promise<void>;
}

/**
 * Loads a task function from its module.
 *
 * @example
 * ```ts
 * import { loadTask } from "@normbench/normbench";
 * const dir = await Deno.makeTempDir();
 * await Deno.writeTextFile(`${dir}/task.ts`, "export const run = (input: number) => ({ metrics: { twice: 2 * input } });");
 * const run = await loadTask({ module: `file://${dir}/task.ts`, export: "run" });
 * console.assert((await run(21, { progress: () => {} })).metrics.twice === 42);
 * ```
 */
export async function loadTask(task: TaskRef): Promise<TaskFunction> {
  const mod = await import(task.module);
  const fn = mod[task.export];
  if (typeof fn !== "function") {
    throw new Error(`task module ${task.module} has no exported function '${task.export}'`);
  }
  return fn as TaskFunction;
}

/**
 * Runs a task in this process on the given backend (initialised on first use).
 *
 * @example
 * ```ts
 * import { exampleSuite, runTaskHere } from "@normbench/normbench";
 * const [run] = exampleSuite.runs("smoke");
 * const result = await runTaskHere("cpu", run.task, run.input, () => {});
 * console.assert(result.backend.name === "cpu" && result.output.metrics.loss! < 0.5);
 * ```
 */
export async function runTaskHere(
  backend: BackendChoice,
  task: TaskRef,
  input: Json,
  onProgress: (done: number, total: number) => void,
): Promise<TaskResult> {
  const info = await initBackend(backend);
  const fn = await loadTask(task);
  const start = performance.now();
  const output = await fn(input, { progress: onProgress });
  return { output, wallMs: performance.now() - start, backend: info };
}

/**
 * An executor that runs tasks one at a time in this process.
 *
 * @example
 * ```ts
 * import { InProcessExecutor } from "@normbench/normbench";
 * const exec = new InProcessExecutor("cpu");
 * console.assert(exec.slots === 1);
 * ```
 */
export class InProcessExecutor implements Executor {
  readonly slots = 1;
  readonly #backend: BackendChoice;
  #queue: Promise<unknown> = Promise.resolve();

  /** Runs tasks one at a time in this process on `backend`. */
  constructor(backend: BackendChoice) {
    this.#backend = backend;
  }

  run(
    task: TaskRef,
    input: Json,
    onProgress: (done: number, total: number) => void,
  ): Promise<TaskResult> {
    const next = this.#queue.then(() => runTaskHere(this.#backend, task, input, onProgress));
    this.#queue = next.catch(() => {});
    return next;
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}

/** Input of {@linkcode runWrappedTask}: a task, its input and the backend to run it on. */
export interface WrappedTask {
  /** The task. */
  task: TaskRef;
  /** Its input. */
  input: Json;
  /** The backend. */
  backend: BackendChoice;
}

/**
 * Runs a task and returns its output with wall time and backend provenance — the function the
 * worker pool calls, so that results from workers carry the same record as in-process ones.
 *
 * @example
 * ```ts
 * import { exampleSuite, runWrappedTask } from "@normbench/normbench";
 * const [run] = exampleSuite.runs("smoke");
 * const wrapped = { task: run.task, input: run.input, backend: "cpu" } as const;
 * const result = await runWrappedTask(wrapped, { progress() {} });
 * console.assert(result.wallMs > 0 && result.output.curves!.train_loss.length === 60);
 * ```
 */
export function runWrappedTask(
  wrapped: WrappedTask,
  context: { progress(done: number, total: number): void },
): Promise<TaskResult> {
  return runTaskHere(
    wrapped.backend,
    wrapped.task,
    wrapped.input,
    (d, t) => context.progress(d, t),
  );
}
