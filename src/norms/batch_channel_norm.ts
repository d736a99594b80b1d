/**
 * Batch-Channel Normalization (Qiao et al., "Micro-Batch Training with Batch-Channel
 * Normalization and Weight Standardization"): BatchNorm, then a per-sample normalization over
 * each group of channels and positions with a per-group affine map — the batch part keeps the
 * estimates of the whole data set, the channel part keeps each sample well scaled.
 *
 * @module
 */
import * as tf from "../tf.ts";
import { NormBase, type NormConstruction } from "./base.ts";
import { TokenBatchNorm } from "./batch_norm.ts";
import type { NormEntry } from "./entry.ts";
import type { OptionSpecs, ResolvedOptions } from "./options.ts";
import { checkGroups, groupsOption, PER_SAMPLE, sampleNote } from "./sample_stats.ts";
import { groupStandardize } from "./group_norm.ts";
import type { InferenceSplit, NormCallOptions } from "./types.ts";

/**
 * Options of `bcn`.
 *
 * @example
 * ```ts
 * import { BATCH_CHANNEL_NORM_OPTIONS } from "@normbench/normbench";
 * console.assert(BATCH_CHANNEL_NORM_OPTIONS.momentum.default === 0.1);
 * ```
 */
export const BATCH_CHANNEL_NORM_OPTIONS: OptionSpecs = {
  groups: groupsOption("the per-sample step"),
  eps: { default: 1e-5, rule: "positive", doc: "added to the variances of both steps" },
  momentum: { default: 0.1, rule: "unit-open", doc: "BatchNorm running-statistics momentum" },
};

/**
 * `bcn`: z = BN(x) (per-channel affine `bnWeight`, `bnBias`; batch statistics and running
 * estimates as torch), then per sample and group of channels ẑ = (z − μ)/sqrt(σ² + ε) over the
 * group's channels and positions, then y = weight_g·ẑ + bias_g with one weight and bias per
 * group — the authors' `BCNorm`. It trains at batch 1 (the BatchNorm part then sees one
 * sample's positions).
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs-core";
 * import { createNorm } from "@normbench/normbench";
 * const bcn = createNorm("bcn", 8, { groups: 2 });
 * const y = bcn.apply(tf.randomNormal([2, 4, 4, 8]), { training: true });
 * console.assert(y.shape.join() === "2,4,4,8" && bcn.variables().weight.shape[0] === 2);
 * ```
 */
export class BatchChannelNorm extends NormBase {
  /** Registry name of Batch-Channel Normalization. */
  readonly name = "bcn" as const;
  /** Whether training normalizes with statistics over the batch. */
  readonly batchStatistics = true;
  /** Per-group weight of the channel step, init 1. */
  readonly weight: tf.Variable;
  /** Per-group bias of the channel step, init 0. */
  readonly bias: tf.Variable;
  readonly #bn: TokenBatchNorm;

  /** Prefer {@linkcode createNorm}, which validates and resolves `options`. */
  constructor(channels: number, options: ResolvedOptions, construction?: NormConstruction) {
    const groups = options.groups as number;
    checkGroups("bcn", groups, channels);
    super(channels, options, construction);
    this.weight = this.addVariable("weight", () => tf.ones([groups]), true);
    this.bias = this.addVariable("bias", () => tf.zeros([groups]), true);
    this.#bn = TokenBatchNorm.create((n, i, t) => this.addVariable(n, i, t), channels, options, {
      weight: "bnWeight",
      bias: "bnBias",
    });
  }

  /** The per-sample group standardisation of the BatchNorm output (no affine). */
  #channelStep(z: tf.Tensor, mask?: tf.Tensor): tf.Tensor4D {
    const { groups, eps } = this.options as { groups: number; eps: number };
    const b = z.shape[0];
    const c = z.shape[z.rank - 1];
    const grouped: [number, number, number, number] = [b, z.size / (b * c), groups, c / groups];
    return tf.reshape(groupStandardize(z, groups, eps, mask), grouped) as tf.Tensor4D;
  }

  /** Per-group weight and bias as per-channel vectors. */
  #perChannel(v: tf.Tensor): tf.Tensor1D {
    const groups = this.options.groups as number;
    return tf.tidy(() =>
      tf.reshape(tf.tile(tf.reshape(v, [groups, 1]), [1, this.channels / groups]), [
        this.channels,
      ])
    );
  }

  /** Normalizes `x` (see {@linkcode Norm.apply}). */
  apply(x: tf.Tensor, options: NormCallOptions = {}): tf.Tensor {
    this.checkInput(x);
    const groups = this.options.groups as number;
    return tf.tidy(() => {
      const z = options.training
        ? this.#bn.train(x, options.mask, options.commit ?? true)
        : this.#bn.infer(x);
      const zhat = this.#channelStep(z, options.training ? options.mask : undefined);
      const w = tf.reshape(this.weight, [1, 1, groups, 1]);
      const b = tf.reshape(this.bias, [1, 1, groups, 1]);
      return tf.reshape(tf.add(tf.mul(zhat, w), b), x.shape);
    });
  }

  /** The inference map as statistic · scale + shift (see {@linkcode Norm.inferenceSplit}). */
  inferenceSplit(): InferenceSplit {
    return {
      statistic: (x) => tf.tidy(() => tf.reshape(this.#channelStep(this.#bn.infer(x)), x.shape)),
      scale: this.#perChannel(this.weight),
      shift: this.#perChannel(this.bias),
    };
  }
}

/**
 * The registry entry of `bcn`: Batch-Channel Normalization; its channel step stays at
 * inference (the BatchNorm step before it is affine) and mixes a sample's positions.
 *
 * @example
 * ```ts
 * import { BATCH_CHANNEL_NORM } from "@normbench/normbench";
 * console.assert(BATCH_CHANNEL_NORM.folds === "partial");
 * ```
 */
export const BATCH_CHANNEL_NORM: NormEntry = {
  ...PER_SAMPLE,
  title: "Batch-Channel Normalization (Qiao et al. 2020)",
  options: BATCH_CHANNEL_NORM_OPTIONS,
  build: (c, o, k) => new BatchChannelNorm(c, o, k),
  note: sampleNote("BatchNorm (over batch and positions), then each group of channels"),
};
