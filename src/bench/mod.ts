/**
 * Benchmarks, in one place: training-step throughput against the backend's plain matmul
 * (`benchTrain`), the worker pool's scaling (`benchPool`), and inference cells — every norm
 * variant of a model timed interleaved, profiled and checked against its twin (`benchInfer`,
 * the efficiency suite's task and its analysis).
 *
 * @example
 * ```ts
 * import { benchTrain } from "@normbench/normbench";
 * const row = await benchTrain({ model: "vit", preset: "tiny", norm: "ln", warmup: 1, repeats: 2 });
 * console.assert(row.msPerStep > 0);
 * ```
 *
 * @module
 */
export * from "./train.ts";
export * from "./pool.ts";
export * from "./pool_task.ts";
export * from "./measure.ts";
export * from "./infer.ts";
export * from "./infer_task.ts";
export * from "./infer_checks.ts";
