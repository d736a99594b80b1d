/**
 * Inference efficiency: Pre-norm models of the zoo prepared for inference under every norm
 * variant — LayerNorm as composite ops or as one fused kernel, UN/BN/RepBN folded into the next
 * linear layers or kept as an affine op, RMSNorm, DyT, PowerNorm, the LN model converted exactly
 * to Pre-RMSNorm and Pre-CRMSNorm, no norm — checked against their
 * unfolded twins, timed interleaved, and profiled for peak memory and the norm ops' share of
 * kernel time. The `efficiency` suite and `normbench bench infer` run it.
 *
 * @example
 * ```ts
 * import { benchInfer, initBackend } from "@normbench/normbench";
 * await initBackend("wasm");
 * const cell = await benchInfer({
 *   model: "vit", preset: "tiny", batch: 4, variants: ["un-folded"],
 *   measure: { warmup: 1, minRounds: 3, maxRounds: 3 },
 * });
 * for (const v of cell.variants) console.log(v.variant, v.ms.toFixed(2), v.speedupVsLn.toFixed(2));
 * ```
 *
 * @module
 */
export * from "./variants.ts";
export * from "./norm_state.ts";
export * from "./norm_ops.ts";
export * from "./norm_slots.ts";
export * from "./inference_model.ts";
export * from "./centered_writers.ts";
export * from "./converted_model.ts";
