/**
 * EvoNorm-B0 (Liu et al. 2020, "Evolving Normalization-Activation Layers"): a batch-based
 * normalization-activation layer, `x / max(sqrt(σ²_batch + ε), v·x + sqrt(σ²_instance + ε)) · γ
 * + β`, with a running variance for inference.
 *
 * @module
 */
import * as tf from "../tf.ts";
import { AffineNorm } from "./affine_norm.ts";
import type { NormConstruction } from "./base.ts";
import { batchMoments } from "./batch_norm.ts";
import type { NormEntry } from "./entry.ts";
import type { OptionSpecs, ResolvedOptions } from "./options.ts";
import { groupStd } from "./evonorm_s0.ts";
import { PER_SAMPLE, sampleNote } from "./sample_stats.ts";
import type { NormCallOptions } from "./types.ts";

/**
 * Options of `evonorm-b0`, with the authors' constants.
 *
 * @example
 * ```ts
 * import { EVONORM_B0_OPTIONS } from "@normbench/normbench";
 * console.assert(EVONORM_B0_OPTIONS.eps.default === 1e-3);
 * ```
 */
export const EVONORM_B0_OPTIONS: OptionSpecs = {
  eps: { default: 1e-3, rule: "positive", doc: "added to both variances (authors: 1e-3)" },
  momentum: { default: 0.1, rule: "unit-open", doc: "running-variance momentum (torch)" },
};

/**
 * `evonorm-b0`: in training the batch variance per channel (over the batch and positions, pad
 * mask honoured) meets the instance variance (per sample and channel over its positions) in
 * `x / max(sqrt(σ²_batch + ε), v·x + sqrt(σ²_instance + ε)) · γ + β`; the running variance (torch
 * momentum 0.1, unbiased) replaces σ²_batch at inference. Per-channel γ (init 1), β (0), v (1),
 * as timm's `EvoNorm2dB0` port of the authors' reference.
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs-core";
 * import { createNorm } from "@normbench/normbench";
 * const b0 = createNorm("evonorm-b0", 8);
 * b0.apply(tf.randomNormal([4, 5, 5, 8]), { training: true }); // updates the running variance
 * const y = b0.apply(tf.randomNormal([1, 5, 5, 8])); // inference: any batch size
 * console.assert(y.shape.join() === "1,5,5,8");
 * ```
 */
export class EvoNormB0 extends AffineNorm {
  /** Registry name of EvoNorm-B0. */
  readonly name = "evonorm-b0" as const;
  /** Whether training normalizes with statistics over the batch. */
  readonly batchStatistics = true;
  /** v of the instance branch, init 1. */
  readonly v: tf.Variable;
  /** Running variance per channel, init 1. */
  readonly runningVar: tf.Variable;

  /** Prefer {@linkcode createNorm}, which validates and resolves `options`. */
  constructor(channels: number, options: ResolvedOptions, construction?: NormConstruction) {
    super(channels, options, construction);
    this.v = this.addVariable("v", () => tf.ones([channels]), true);
    this.runningVar = this.addVariable("runningVar", () => tf.ones([channels]), false);
  }

  /**
   * x / max(sqrt(σ² + ε), v·x + instance std): σ² the batch variance in training (the running
   * variance updated unless `commit` is false), the running variance at inference.
   */
  protected statistic(x: tf.Tensor, options: NormCallOptions): tf.Tensor {
    const eps = this.options.eps as number;
    return tf.tidy(() => {
      let variance: tf.Tensor = this.runningVar;
      const mask = options.training ? options.mask : undefined;
      if (options.training) {
        const moments = batchMoments(x, mask);
        variance = moments.variance;
        if (options.commit ?? true) {
          const { count } = moments;
          const m = this.options.momentum as number;
          const unbiased = tf.mul(variance, tf.div(count, tf.maximum(tf.sub(count, 1), 1)));
          this.runningVar.assign(tf.add(tf.mul(this.runningVar, 1 - m), tf.mul(unbiased, m)));
        }
      }
      const right = tf.add(tf.mul(x, this.v), groupStd(x, this.channels, eps, mask));
      // broadcast before the max: tfjs's Maximum gradient does not reduce broadcast axes
      const left = tf.add(tf.zerosLike(right), tf.sqrt(tf.add(variance, eps)));
      return tf.div(x, tf.maximum(left, right));
    });
  }
}

/**
 * The registry entry of `evonorm-b0`: EvoNorm-B0; its max of two standard deviations stays at
 * inference; its instance branch mixes a sample's positions; it does not train at batch 1.
 *
 * @example
 * ```ts
 * import { EVONORM_B0 } from "@normbench/normbench";
 * console.assert(EVONORM_B0.folds === "partial" && EVONORM_B0.minTrainingBatch === 2);
 * ```
 */
export const EVONORM_B0: NormEntry = {
  ...PER_SAMPLE,
  title: "EvoNorm-B0 (Liu et al. 2020)",
  options: EVONORM_B0_OPTIONS,
  build: (c, o, k) => new EvoNormB0(c, o, k),
  activation: true,
  minTrainingBatch: 2,
  note: sampleNote("Batch variance per channel (over batch and positions); instance variance"),
};
