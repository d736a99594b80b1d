/**
 * EvoNorm-S0 (Liu et al. 2020, "Evolving Normalization-Activation Layers"): a sample-based
 * normalization-activation layer, `x·σ(v·x) / group_std(x) · γ + β`. Batch-independent: it
 * trains at batch 1.
 *
 * @module
 */
import * as tf from "../tf.ts";
import { columnSum } from "../backend/kernels.ts";
import { AffineNorm } from "./affine_norm.ts";
import type { NormConstruction } from "./base.ts";
import type { NormEntry } from "./entry.ts";
import type { OptionSpecs, ResolvedOptions } from "./options.ts";
import {
  checkGroups,
  groupCount,
  groupKeep,
  groupMoments,
  groupsOption,
  PER_SAMPLE,
  sampleNote,
} from "./sample_stats.ts";
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
    return tf.tidy(() => swishOverGroupStd(x, this.v, groups, eps, options.mask));
  }
}

/**
 * x·σ(v·x) / s with s = sqrt(σ²_group + eps) as `groupStd` computes it, with the exact gradient
 * written out (`swishOverGroupStdBackward`): autodiff of the moments and the swish runs ~45 more
 * kernels a layer (forward and backward).
 */
function swishOverGroupStd(
  x: tf.Tensor,
  v: tf.Tensor,
  groups: number,
  eps: number,
  mask?: tf.Tensor,
): tf.Tensor {
  const fn = tf.customGrad((...args: (tf.Tensor | ((t: tf.Tensor[]) => void))[]) => {
    const [input, scale] = args as tf.Tensor[];
    const save = args[2] as (t: tf.Tensor[]) => void;
    // all of it on the grouped `[B, P, G, C/G]`, v as `[G, C/G]`
    const { grouped, mean, variance } = groupMoments(input, groups, mask);
    const [b, positions, , width] = grouped.shape;
    const v = tf.reshape(scale, [groups, width]);
    const sigmoid = tf.sigmoid(tf.mul(grouped, v));
    const std = tf.sqrt(tf.add(variance, eps));
    // the keep mask is saved, not captured: the caller may dispose its mask before backward
    const saved = [grouped, v, sigmoid, mean, std];
    if (mask) saved.push(groupKeep(mask, b, positions));
    save(saved);
    return {
      value: tf.reshape(tf.div(tf.mul(grouped, sigmoid), std), input.shape),
      gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) =>
        swishOverGroupStdBackward(dy as tf.Tensor, saved),
    };
  });
  return fn(x, v);
}

/**
 * The gradient of y = u/s, u = x·σ(v·x), s = sqrt(σ²_group + eps), from the saved grouped
 * input `[B, P, G, C/G]`, v `[G, C/G]`, σ = σ(v·x), the group mean μ and s (`[B, 1, G, 1]`).
 * Every position's output depends on s, s only on the group's kept positions (keep k, count N):
 * with g = dy/s, `dx = g·(σ + v·x·σ·(1 − σ)) − k·(x − μ)·Σ(g·u)/(N·s²)` (the sum over the
 * group's positions and channels) and `dv = Σ g·x²·σ·(1 − σ)` (over every position of every
 * sample).
 */
function swishOverGroupStdBackward(
  dy: tf.Tensor,
  [x, v, sigmoid, mean, std, keep]: tf.Tensor[],
): tf.Tensor[] {
  const [, positions, groups, width] = x.shape;
  const gSigmoid = tf.mul(tf.div(tf.reshape(dy, x.shape), std), sigmoid); // g·σ
  const gSlope = tf.mul(tf.mul(gSigmoid, tf.sub(1, sigmoid)), x); // g·x·σ·(1 − σ)
  const direct = tf.add(gSigmoid, tf.mul(gSlope, v));
  const sums = tf.div(tf.sum(tf.mul(gSigmoid, x), [1, 3], true), tf.square(std)); // Σ(g·u)/s²
  let correction = tf.mul(tf.sub(x, mean), tf.div(sums, groupCount(keep, positions, width)));
  if (keep) correction = tf.mul(correction, keep); // saved only with pad masks
  const dv = columnSum(tf.reshape(tf.mul(gSlope, x), [-1, groups * width]) as tf.Tensor2D);
  return [tf.reshape(tf.sub(direct, correction), dy.shape), dv];
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
