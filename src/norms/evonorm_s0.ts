/**
 * EvoNorm-S0 (Liu et al. 2020, "Evolving Normalization-Activation Layers"): a sample-based
 * normalization-activation layer, `x·σ(v·x) / group_std(x) · γ + β`. Batch-independent: it
 * trains at batch 1.
 *
 * @module
 */
import * as tf from "../tf.ts";
import { AffineNorm } from "./affine_norm.ts";
import type { NormConstruction } from "./base.ts";
import type { NormEntry } from "./entry.ts";
import type { OptionSpecs, ResolvedOptions } from "./options.ts";
import { checkGroups, groupMoments, groupsOption, PER_SAMPLE, sampleNote } from "./sample_stats.ts";
import type { NormCallOptions } from "./types.ts";

/**
 * Options of `evonorm-s0`.
 *
 * @example
 * ```ts
 * import { EVONORM_S0_OPTIONS } from "@normbench/normbench";
 * console.assert(EVONORM_S0_OPTIONS.eps.default === 1e-5);
 * ```
 */
export const EVONORM_S0_OPTIONS: OptionSpecs = {
  groups: groupsOption("the group std"),
  eps: { default: 1e-5, rule: "positive", doc: "added to the group variance" },
};

/**
 * The group standard deviation of `x`, broadcast back to `x`'s shape: per sample over its
 * positions and the channels of each group, sqrt(σ²_group + eps) (biased variance).
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs-core";
 * import { groupStd } from "@normbench/normbench";
 * const s = groupStd(tf.tensor3d([[[1, 3], [3, 5]]]), 1, 0); // one group: variance 2
 * console.assert(Math.abs(s.dataSync()[0] - Math.SQRT2) < 1e-6);
 * ```
 */
export function groupStd(x: tf.Tensor, groups: number, eps: number, mask?: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    const { grouped, variance } = groupMoments(x, groups, mask);
    return tf.reshape(tf.mul(tf.onesLike(grouped), tf.sqrt(tf.add(variance, eps))), x.shape);
  });
}

/**
 * `evonorm-s0`: x·σ(v·x) / group_std(x) · γ + β, with per-channel γ (init 1), β (0) and v (1),
 * as timm's `EvoNorm2dS0` port of the authors' reference. On `[B, H, W, C]` the group std runs
 * over H, W and the group's channels; on `[B, T, C]` over the sample's tokens (pad mask
 * honoured), so causal models refuse it.
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs-core";
 * import { createNorm } from "@normbench/normbench";
 * const s0 = createNorm("evonorm-s0", 8, { groups: 2 });
 * const y = s0.apply(tf.randomNormal([1, 5, 5, 8]), { training: true });
 * console.assert(y.shape.join() === "1,5,5,8");
 * ```
 */
export class EvoNormS0 extends AffineNorm {
  /** Registry name of EvoNorm-S0. */
  readonly name = "evonorm-s0" as const;
  /** Whether training normalizes with statistics over the batch. */
  readonly batchStatistics = false;
  /** v of the swish-like numerator, init 1. */
  readonly v: tf.Variable;

  /** Prefer {@linkcode createNorm}, which validates and resolves `options`. */
  constructor(channels: number, options: ResolvedOptions, construction?: NormConstruction) {
    checkGroups("evonorm-s0", options.groups as number, channels);
    super(channels, options, construction);
    this.v = this.addVariable("v", () => tf.ones([channels]), true);
  }

  /** x·σ(v·x) / group_std(x), the same in training and inference. */
  protected statistic(x: tf.Tensor, options: NormCallOptions): tf.Tensor {
    const { groups, eps } = this.options as { groups: number; eps: number };
    return tf.tidy(() =>
      tf.div(tf.mul(x, tf.sigmoid(tf.mul(x, this.v))), groupStd(x, groups, eps, options.mask))
    );
  }
}

/**
 * The registry entry of `evonorm-s0`: EvoNorm-S0; its statistic (swish numerator over the group
 * std) stays at inference and mixes a sample's positions.
 *
 * @example
 * ```ts
 * import { EVONORM_S0 } from "@normbench/normbench";
 * console.assert(EVONORM_S0.folds === "partial" && EVONORM_S0.mixesPositions === true);
 * ```
 */
export const EVONORM_S0: NormEntry = {
  ...PER_SAMPLE,
  title: "EvoNorm-S0 (Liu et al. 2020)",
  options: EVONORM_S0_OPTIONS,
  build: (c, o, k) => new EvoNormS0(c, o, k),
  activation: true,
  note: sampleNote("Standard deviation of the group's channels"),
};
