/**
 * A pool of Deno workers that runs independent tasks side by side (default: one worker per
 * core), each worker with its own tfjs backend. A task is a module URL, an export name and
 * plain-data input; its result comes back as plain data, its errors as errors (never a hung
 * worker), and it can report progress.
 *
 * @module
 */
import type { BackendChoice } from "../backend/backend.ts";
import type { FromWorker, ToWorker } from "./pool_worker.ts";
import type { TaskRef } from "../results/types.ts";
import { UsageError } from "../util/errors.ts";

/** Options of {@linkcode WorkerPool}. */
export interface WorkerPoolOptions {
  /** Workers (default: the number of logical cores). */
  size?: number;
  /** Backend each worker starts (default `auto`). */
  backend?: BackendChoice;
}

/** Options of one {@linkcode WorkerPool.run}. */
export interface PoolRunOptions {
  /** Progress reported by the task. */
  onProgress?(done: number, total: number): void;
  /** Terminate the worker and reject when the task takes longer (ms). */
  timeoutMs?: number;
}

/**
 * A task failed in its worker; `name`, `message` and `hint` come from the original error.
 *
 * @example
 * ```ts
 * import { PoolTaskError } from "@normbench/normbench";
 * const err = new PoolTaskError({ name: "UsageError", message: "bad", hint: "fix it" });
 * console.assert(err.originalName === "UsageError" && err.hint === "fix it");
 * ```
 */
export class PoolTaskError extends Error {
  /** The original error's name (e.g. `UsageError`). */
  readonly originalName: string;
  /** The original error's hint, if it had one. */
  readonly hint: string;
  /** The original stack trace, if any. */
  readonly originalStack?: string;

  /** Wraps an error a task raised in its worker. */
  constructor(error: { name: string; message: string; stack?: string; hint?: string }) {
    super(error.message);
    this.name = "PoolTaskError";
    this.originalName = error.name;
    this.hint = error.hint ?? "";
    this.originalStack = error.stack;
  }
}

interface Job {
  id: number;
  task: TaskRef;
  input: unknown;
  options: PoolRunOptions;
  resolve(value: unknown): void;
  reject(error: Error): void;
}

interface Slot {
  worker: Worker | null;
  job: Job | null;
  timer: ReturnType<typeof setTimeout> | null;
}

let nextId = 1;

/**
 * Runs tasks on a pool of workers.
 *
 * @example
 * ```ts ignore
 * import { WorkerPool } from "@normbench/normbench";
 * const pool = new WorkerPool({ size: 2, backend: "wasm" });
 * const task = { module: import.meta.resolve("../train/my_task.ts"), export: "run" };
 * const results = await Promise.all([1, 2, 3].map((seed) => pool.run(task, { seed })));
 * await pool.close();
 * ```
 */
export class WorkerPool {
  /** Number of workers. */
  readonly size: number;
  readonly #backend: BackendChoice;
  readonly #slots: Slot[] = [];
  readonly #queue: Job[] = [];
  #closed = false;

  /** Starts `size` workers, each initialising `backend`. */
  constructor(options: WorkerPoolOptions = {}) {
    const size = options.size ?? navigator.hardwareConcurrency ?? 1;
    if (!Number.isInteger(size) || size < 1) {
      throw new UsageError(`pool size must be a positive integer, got ${size}`);
    }
    this.size = size;
    this.#backend = options.backend ?? "auto";
    for (let i = 0; i < size; i++) {
      const slot: Slot = { worker: null, job: null, timer: null };
      this.#start(slot);
      this.#slots.push(slot);
    }
  }

  /** Runs `task` on `input` in a free worker; resolves to the task's result. */
  run<T = unknown>(task: TaskRef, input: unknown, options: PoolRunOptions = {}): Promise<T> {
    if (this.#closed) return Promise.reject(new UsageError("the worker pool is closed"));
    return new Promise<T>((resolve, reject) => {
      this.#queue.push({
        id: nextId++,
        task,
        input,
        options,
        resolve: resolve as (v: unknown) => void,
        reject,
      });
      this.#dispatch();
    });
  }

  /** Terminates every worker; queued and running tasks are rejected. */
  close(): Promise<void> {
    this.#closed = true;
    for (const job of this.#queue.splice(0)) {
      job.reject(new UsageError("the worker pool was closed"));
    }
    for (const slot of this.#slots) {
      if (slot.timer !== null) clearTimeout(slot.timer);
      slot.job?.reject(new UsageError("the worker pool was closed"));
      slot.job = null;
      slot.worker?.terminate();
      slot.worker = null;
    }
    return Promise.resolve();
  }

  /** Starts a (new) worker for `slot`. */
  #start(slot: Slot): void {
    const worker = new Worker(new URL("./pool_worker.ts", import.meta.url).href, {
      type: "module",
    });
    worker.onmessage = (event: MessageEvent<FromWorker>) => this.#receive(slot, event.data);
    worker.onerror = (event: ErrorEvent) => {
      event.preventDefault();
      this.#fail(slot, new Error(`worker crashed: ${event.message}`), true);
    };
    worker.onmessageerror = () =>
      this.#fail(slot, new Error("worker sent an unreadable message"), true);
    worker.postMessage({ type: "init", backend: this.#backend } satisfies ToWorker);
    slot.worker = worker;
  }

  #receive(slot: Slot, msg: FromWorker): void {
    if (msg.type === "ready") return;
    const job = slot.job;
    if (msg.type === "error" && msg.id === null) {
      // The backend failed to start: the worker cannot run anything.
      this.#fail(slot, new PoolTaskError(msg.error), true);
      return;
    }
    if (!job || msg.id !== job.id) return;
    if (msg.type === "progress") {
      job.options.onProgress?.(msg.done, msg.total);
      return;
    }
    this.#finish(slot);
    if (msg.type === "result") job.resolve(msg.output);
    else job.reject(new PoolTaskError(msg.error));
    this.#dispatch();
  }

  #finish(slot: Slot): void {
    if (slot.timer !== null) clearTimeout(slot.timer);
    slot.timer = null;
    slot.job = null;
  }

  /** Rejects the slot's job; with `replace`, the worker is terminated and a new one started. */
  #fail(slot: Slot, error: Error, replace: boolean): void {
    const job = slot.job;
    this.#finish(slot);
    if (replace && !this.#closed) {
      slot.worker?.terminate();
      this.#start(slot);
    }
    job?.reject(error);
    this.#dispatch();
  }

  #dispatch(): void {
    for (const slot of this.#slots) {
      if (this.#queue.length === 0) return;
      if (slot.job) continue;
      const job = this.#queue.shift()!;
      slot.job = job;
      if (job.options.timeoutMs !== undefined) {
        slot.timer = setTimeout(() => {
          this.#fail(slot, new Error(`task timed out after ${job.options.timeoutMs} ms`), true);
        }, job.options.timeoutMs);
      }
      slot.worker!.postMessage(
        {
          type: "run",
          id: job.id,
          module: job.task.module,
          export: job.task.export,
          input: job.input,
        } satisfies ToWorker,
      );
    }
  }
}
