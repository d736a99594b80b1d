/**
 * Experiments: data → model (+ norm) → training → metrics, as plain-data tasks the suites run.
 *
 * @example
 * ```ts
 * import { scaleNormOptions } from "@normbench/normbench";
 * console.log(scaleNormOptions("un", 1000, 60)); // { warmup: 40, compensationStart: 10 }
 * ```
 *
 * @module
 */
export * from "./common.ts";
export * from "./batching.ts";
export * from "./batches.ts";
export * from "./evaluate.ts";
export * from "./image_classification.ts";
export * from "./translation.ts";
export * from "./language_model.ts";
export * from "./diagnostics_output.ts";
export * from "./sentence_classification.ts";
export * from "./statistics.ts";
