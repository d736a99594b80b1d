/**
 * The norm zoo: `ln rms crms bn pn un dyt repbn gn evonorm-b0 evonorm-s0 bcn none` (and the
 * weight option `ws`), created by name with `createNorm` or resolved once for a model with `resolveNorm`.
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs-core";
 * import { createNorm, NORM_NAMES } from "@normbench/normbench";
 * for (const name of NORM_NAMES) {
 *   const norm = createNorm(name, 8);
 *   norm.apply(tf.randomNormal([4, 3, 8]), { training: true });
 * }
 * ```
 *
 * @module
 */
export * from "./types.ts";
export * from "./options.ts";
export * from "./entry.ts";
export * from "./registry.ts";
export { NormBase, type NormConstruction, plainVariables, tokenMean, tokenSum } from "./base.ts";
export { LAYER_NORM, LAYER_NORM_OPTIONS, LayerNorm, standardize } from "./layer_norm.ts";
export { RMS_NORM, RMS_NORM_OPTIONS, RmsNorm, rmsScale } from "./rms_norm.ts";
export { compressedRmsScale, CRMS_NORM, CRMS_NORM_OPTIONS, CrmsNorm } from "./crms_norm.ts";
export { BATCH_NORM, BATCH_NORM_OPTIONS, BatchNorm, runningUpdate } from "./batch_norm.ts";
export { groupScaling, POWER_NORM, POWER_NORM_OPTIONS, PowerNorm } from "./power_norm.ts";
export { UNIFIED_NORM, UNIFIED_NORM_OPTIONS, UnifiedNorm } from "./unified_norm.ts";
export { DynamicTanh, DYT, DYT_OPTIONS } from "./dyt.ts";
export { REP_BN, REP_BN_OPTIONS, RepBatchNorm } from "./rep_bn.ts";
export { IDENTITY, Identity, IDENTITY_OPTIONS } from "./identity.ts";
export * from "./affine_norm.ts";
export * from "./sample_stats.ts";
export * from "./group_norm.ts";
export * from "./evonorm_s0.ts";
export * from "./evonorm_b0.ts";
export * from "./batch_channel_norm.ts";
export * from "./weight_standardization.ts";
export * from "./sigma_reparam.ts";
export * from "./golden.ts";
export * from "./golden_compare.ts";
export * from "./golden_seeds.ts";
export * from "./fold.ts";
export * from "./layer.ts";
