/**
 * Training: Adam/AdamW, schedules, collapse detection, checkpoints, the training loop and its
 * plain-data entry point, throughput measurement, the training benchmark and a worker pool.
 *
 * @example
 * ```ts
 * import { createModel, syntheticBatch, train } from "@normbench/normbench";
 * const model = createModel({ model: "encoder", preset: "tiny", norm: "ln" });
 * const batch = syntheticBatch(model, { batch: 8, seq: 6 });
 * const result = await train(model, {
 *   steps: 3, optimizer: { kind: "adamw", lr: 1e-3, weightDecay: 0.01 },
 *   schedule: { kind: "cosine", warmup: 1 }, quiet: true,
 * }, { batch: () => batch as never });
 * console.log(result.losses);
 * ```
 *
 * @module
 */
export * from "./optimizer.ts";
export * from "./schedule.ts";
export * from "./collapse.ts";
export * from "./checkpoint.ts";
export * from "./throughput.ts";
export * from "./grad_spikes.ts";
export * from "./diagnostics.ts";
export * from "./layer_importance.ts";
export * from "./train.ts";
export * from "./run.ts";
