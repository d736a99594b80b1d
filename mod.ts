/**
 * normbench: reproduce and measure the claims of Unified Normalization (ACM MM 2022) and its
 * peers — LayerNorm, BatchNorm, PowerNorm, RMSNorm, DyT, RepBN — with TensorFlow.js on Deno.
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs-core";
 * import { createNorm, initBackend } from "@normbench/normbench";
 * await initBackend("wasm");
 * const un = createNorm("un", 64, { window: 4, warmup: 400 });
 * const y = un.apply(tf.randomNormal([8, 16, 64]), { training: true });
 * console.log(y.shape);
 * ```
 *
 * @module
 */
export * from "./src/util/mod.ts";
export * from "./src/backend/mod.ts";
export * from "./src/norms/mod.ts";
export * from "./src/nn/mod.ts";
export * from "./src/models/mod.ts";
export * from "./src/train/mod.ts";
export * from "./src/data/mod.ts";
export * from "./src/metrics/mod.ts";
export * from "./src/experiments/mod.ts";
export * from "./src/inference/mod.ts";
export * from "./src/bench/mod.ts";
export * from "./src/results/mod.ts";
export * from "./src/suite/mod.ts";
export * from "./src/runner/mod.ts";
export * from "./src/report/mod.ts";
export * from "./src/reproduce.ts";
