/**
 * The body of a {@linkcode WorkerPool} worker: starts its own tfjs backend, then runs tasks
 * (a module URL, an export name and plain-data input) one at a time and posts back results,
 * errors and progress as plain data.
 *
 * @module
 */
import { type BackendChoice, initBackend } from "../backend/backend.ts";
import type { Json } from "../results/types.ts";
import { loadTask } from "./executor.ts";
import { explainRuntimeError } from "../util/errors.ts";

/** Messages a worker receives. */
export type ToWorker =
  | { type: "init"; backend: BackendChoice }
  | { type: "run"; id: number; module: string; export: string; input: unknown };

/** Messages a worker sends. */
export type FromWorker =
  | { type: "ready"; backend: string }
  | { type: "progress"; id: number; done: number; total: number }
  | { type: "result"; id: number; output: unknown; wallMs: number }
  | {
    type: "error";
    id: number | null;
    error: { name: string; message: string; stack?: string; hint?: string };
  };

const scope = self as unknown as {
  postMessage(message: FromWorker): void;
  onmessage: ((event: MessageEvent<ToWorker>) => void) | null;
};

function describe(
  thrown: unknown,
): { name: string; message: string; stack?: string; hint?: string } {
  const err = explainRuntimeError(thrown);
  if (err instanceof Error) {
    return {
      name: err.name,
      message: err.message,
      stack: err.stack,
      hint: (err as { hint?: string }).hint,
    };
  }
  return { name: "Error", message: String(err) };
}

let ready: Promise<unknown> = Promise.resolve();

scope.onmessage = (event) => {
  const msg = event.data;
  if (msg.type === "init") {
    ready = initBackend(msg.backend).then(
      (info) => scope.postMessage({ type: "ready", backend: info.name }),
      (err) => scope.postMessage({ type: "error", id: null, error: describe(err) }),
    );
    return;
  }
  ready = ready.then(async () => {
    const start = performance.now();
    try {
      const fn = await loadTask({ module: msg.module, export: msg.export });
      const output = await fn(msg.input as Json, {
        progress: (done, total) => scope.postMessage({ type: "progress", id: msg.id, done, total }),
      });
      scope.postMessage({ type: "result", id: msg.id, output, wallMs: performance.now() - start });
    } catch (err) {
      scope.postMessage({ type: "error", id: msg.id, error: describe(err) });
    }
  });
};
