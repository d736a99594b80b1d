/**
 * Where the run cache lives by default and how the runner runs tasks in parallel: an executor
 * on a worker pool it owns.
 *
 * @module
 */
import type { BackendName } from "../backend/backend.ts";
import type { Executor, TaskResult, WrappedTask } from "./executor.ts";
import { WorkerPool } from "./pool.ts";

/**
 * The default run cache: `$NORMBENCH_CACHE/runs`, or `.cache/normbench/runs` under the working
 * directory.
 *
 * @example
 * ```ts
 * import { defaultRunCacheDir } from "@normbench/normbench";
 * console.assert(defaultRunCacheDir().endsWith("/runs"));
 * ```
 */
export function defaultRunCacheDir(): string {
  const root = Deno.env.get("NORMBENCH_CACHE") ?? `${Deno.cwd()}/.cache/normbench`;
  return `${root}/runs`;
}

/**
 * An executor with `jobs` workers, each on `backend` (close it to stop the workers).
 *
 * @example
 * ```ts
 * import { makePoolExecutor } from "@normbench/normbench";
 * const exec = await makePoolExecutor("cpu", 2);
 * console.assert(exec.slots === 2);
 * await exec.close();
 * ```
 */
export function makePoolExecutor(backend: BackendName, jobs: number): Promise<Executor> {
  const pool = new WorkerPool({ size: jobs, backend });
  const wrapper = {
    module: new URL("./executor.ts", import.meta.url).href,
    export: "runWrappedTask",
  };
  return Promise.resolve({
    slots: jobs,
    run: (task, input, onProgress) =>
      pool.run<TaskResult>(wrapper, { task, input, backend } satisfies WrappedTask, { onProgress }),
    close: () => pool.close(),
  });
}
