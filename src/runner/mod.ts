/**
 * The runner: turns a suite's grid into finished, cached run records — scheduling on an executor
 * (in process or a worker pool it owns), the run cache and its keys, sharding, progress, and the
 * provenance of every number.
 *
 * @example
 * ```ts
 * import { parseShard, selectShard } from "@normbench/normbench";
 * const task = { module: "file:///t.ts", export: "run" };
 * const runs = ["a", "b"].map((id) => ({ id, labels: {}, task, input: null, cost: 1 }));
 * console.assert(selectShard(runs, parseShard("1/2")).length === 1);
 * ```
 *
 * @module
 */
export * from "./hash.ts";
export * from "./shard.ts";
export * from "./provenance.ts";
export * from "./executor.ts";
export * from "./progress.ts";
export * from "./runner.ts";
export * from "./slots.ts";
export * from "./pool.ts";
export * from "./pool_executor.ts";
