/**
 * GroupNorm (Wu & He 2018): each sample normalised over its positions and the channels of each
 * group, then a per-channel affine map. Batch-independent: it trains at batch 1.
 *
 * @module
 */
import * as tf from "../tf.ts";
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
 * Options of `gn`.
 *
 * @example
 * ```ts
 * import { GROUP_NORM_OPTIONS } from "@normbench/normbench";
 * console.assert(GROUP_NORM_OPTIONS.groups.default === 8);
 * ```
 */
export const GROUP_NORM_OPTIONS: OptionSpecs = {
  groups: groupsOption("the statistics (G)"),
  eps: { default: 1e-5, rule: "positive", doc: "added to the group variance" },
};

/**
 * Standardises `x` per sample over its positions and each group of `groups` contiguous channel
 * groups, leaving out padded positions: (x − μ_group) / sqrt(σ²_group + eps).
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs-core";
 * import { groupStandardize } from "@normbench/normbench";
 * const z = groupStandardize(tf.tensor3d([[[1, 5], [3, 7]]]), 2, 0);
 * console.assert(Math.abs(z.dataSync()[0] + 1) < 1e-6); // channel 0: (1 − 2) / 1
 * ```
 */
export function groupStandardize(
  x: tf.Tensor,
  groups: number,
  eps: number,
  mask?: tf.Tensor,
): tf.Tensor {
  // The exact gradient written out (autodiff of the moments records ~30 ops a layer).
  const fn = tf.customGrad((...args: (tf.Tensor | ((t: tf.Tensor[]) => void))[]) => {
    const input = args[0] as tf.Tensor;
    const save = args[1] as (t: tf.Tensor[]) => void;
    const { grouped, mean, variance } = groupMoments(input, groups, mask);
    const rstd = tf.rsqrt(tf.add(variance, eps));
    const z = tf.mul(tf.sub(grouped, mean), rstd);
    // the keep mask is saved, not captured: the caller may dispose its mask before backward
    const [b, positions] = z.shape;
    const saved = [z, rstd];
    if (mask) saved.push(groupKeep(mask, b, positions));
    save(saved);
    return {
      value: tf.reshape(z, input.shape),
      gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => [
        standardizeBackward(dy as tf.Tensor, saved),
      ],
    };
  });
  return fn(x);
}

/**
 * The gradient of the group standardisation z = (x − μ)·r from the saved grouped `z`
 * `[B, P, G, C/G]` and `r`: with the statistics over each sample's kept positions (keep k, count
 * N) and every position's output depending on them, `dx = r·(dz − k·(Σdz + z·Σdz·z)/N)`, the
 * sums over every position and channel of the group.
 */
function standardizeBackward(
  dy: tf.Tensor,
  [z, rstd, keep]: tf.Tensor[],
): tf.Tensor {
  const [, positions, , width] = z.shape;
  const dz = tf.reshape(dy, z.shape);
  const sums = tf.add(tf.sum(dz, [1, 3], true), tf.mul(z, tf.sum(tf.mul(dz, z), [1, 3], true)));
  let correction = tf.div(sums, groupCount(keep, positions, width));
  if (keep) correction = tf.mul(correction, keep); // saved only with pad masks
  return tf.reshape(tf.mul(tf.sub(dz, correction), rstd), dy.shape);
}

/**
 * `gn`: γ·groupStandardize(x) + β. On `[B, H, W, C]` images the statistics run over H, W and the
 * group's channels, as torch's `GroupNorm` on NCHW; on `[B, T, C]` token sequences over the
 * sample's tokens (pad mask honoured) — so a sample's positions share statistics and causal
 * models refuse it.
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs-core";
 * import { createNorm } from "@normbench/normbench";
 * const gn = createNorm("gn", 16, { groups: 4 });
 * const y = gn.apply(tf.randomNormal([1, 7, 7, 16]), { training: true }); // batch 1 is fine
 * console.assert(y.shape.join() === "1,7,7,16");
 * ```
 */
export class GroupNorm extends AffineNorm {
  /** Registry name of GroupNorm. */
  readonly name = "gn" as const;
  /** Whether training normalizes with statistics over the batch. */
  readonly batchStatistics = false;

  /** Prefer {@linkcode createNorm}, which validates and resolves `options`. */
  constructor(channels: number, options: ResolvedOptions, construction?: NormConstruction) {
    checkGroups("gn", options.groups as number, channels);
    super(channels, options, construction);
  }

  /** The group standardisation (see {@linkcode groupStandardize}). */
  protected statistic(x: tf.Tensor, options: NormCallOptions): tf.Tensor {
    const { groups, eps } = this.options as { groups: number; eps: number };
    return groupStandardize(x, groups, eps, options.mask);
  }
}

/**
 * The registry entry of `gn`: GroupNorm; per-sample statistics over positions, so it leaves
 * its standardisation at inference and mixes a sample's positions.
 *
 * @example
 * ```ts
 * import { GROUP_NORM } from "@normbench/normbench";
 * console.assert(GROUP_NORM.folds === "partial" && GROUP_NORM.mixesPositions === true);
 * ```
 */
export const GROUP_NORM: NormEntry = {
  ...PER_SAMPLE,
  title: "GroupNorm (Wu & He 2018)",
  options: GROUP_NORM_OPTIONS,
  build: (c, o, k) => new GroupNorm(c, o, k),
  note: sampleNote("Mean and variance of the group's channels"),
};
