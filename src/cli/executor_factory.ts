/**
 * Where the CLI keeps its run cache and how it runs tasks in parallel.
 *
 * @module
 */
import type { BackendName } from "../backend/backend.ts";
import type { Executor, TaskResult, WrappedTask } from "../suite/executor.ts";
import { WorkerPool } from "../train/pool.ts";

/** `$NORMBENCH_CACHE/runs`, or `.cache/normbench/runs` under the working directory. */
export function defaultCacheDir(): string {
  const root = Deno.env.get("NORMBENCH_CACHE") ?? `${Deno.cwd()}/.cache/normbench`;
  return `${root}/runs`;
}

/** An executor with `jobs` workers, each on `backend`. */
export function makePoolExecutor(backend: BackendName, jobs: number): Promise<Executor> {
  const pool = new WorkerPool({ size: jobs, backend });
  const wrapper = {
    module: new URL("../suite/executor.ts", import.meta.url).href,
    export: "runWrappedTask",
  };
  return Promise.resolve({
    slots: jobs,
    run: (task, input, onProgress) =>
      pool.run<TaskResult>(wrapper, { task, input, backend } satisfies WrappedTask, { onProgress }),
    close: () => pool.close(),
  });
}
