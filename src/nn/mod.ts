/**
 * Fast tfjs layers for Transformers (correct on cpu, wasm and WebGPU; fast on wasm): dense with a
 * flag-free backward, fused multi-head attention, embeddings, positions, dropout, activations,
 * cross-entropy, the Transformer block and stack, seeded initialisers and named variables.
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs-core";
 * import { resolveNorm, SeededRng, Scope, TransformerStack } from "@normbench/normbench";
 * const stack = new TransformerStack(new Scope({ seed: 1 }), {
 *   layers: 2, dim: 16, heads: 2, ffnDim: 32, activation: "gelu",
 *   norm: resolveNorm("un", { warmup: 10 }, { heads: 2 }), placement: "pre",
 * });
 * const y = stack.apply(tf.randomNormal([2, 5, 16]), {}, { training: true, rng: new SeededRng(1) });
 * console.log(y.shape);
 * ```
 *
 * @module
 */
export * from "./init.ts";
export * from "./scope.ts";
export * from "./context.ts";
export * from "./recorder.ts";
export * from "./layer_stats.ts";
export * from "./layer_recorder.ts";
export * from "./shape_trace.ts";
export * from "./linear.ts";
export * from "./conv.ts";
export * from "./dense.ts";
export * from "./batch_matmul.ts";
export * from "./attention_core.ts";
export * from "./attention.ts";
export * from "./masks.ts";
export * from "./embedding.ts";
export * from "./positions.ts";
export * from "./dropout.ts";
export * from "./activations.ts";
export * from "./feed_forward.ts";
export * from "./cross_entropy.ts";
export * from "./block.ts";
export * from "./stack.ts";
export * from "./zero_mean.ts";
