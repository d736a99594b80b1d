/**
 * EvoNorm-B0 (Liu et al. 2020, "Evolving Normalization-Activation Layers"): a batch-based
 * normalization-activation layer, `x / max(sqrt(σ²_batch + ε), v·x + sqrt(σ²_instance + ε)) · γ
 * + β`, with a running variance for inference.
 *
 * @module
 */
import * as tf from "../tf.ts";
import { AffineNorm } from "./affine_norm.ts";
import { type NormConstruction, tokenSum } from "./base.ts";
import { batchMoments, runningUpdate } from "./batch_norm.ts";
import type { NormEntry } from "./entry.ts";
import type { OptionSpecs, ResolvedOptions } from "./options.ts";
import { groupStd } from "./evonorm_s0.ts";
import { groupMoments, PER_SAMPLE, sampleNote } from "./sample_stats.ts";
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
    if (options.training) return this.#train(x, options.mask, options.commit ?? true);
    return tf.tidy(() => {
      const right = tf.add(tf.mul(x, this.v), groupStd(x, this.channels, eps));
      // broadcast before the max: tfjs's Maximum gradient does not reduce broadcast axes
      const left = tf.add(tf.zerosLike(right), tf.sqrt(tf.add(this.runningVar, eps)));
      return tf.div(x, tf.maximum(left, right));
    });
  }

  /**
   * The training statistic with the batch variance, its exact gradient written out
   * (`evoNormB0Backward`): autodiff of the two variances and the max runs ~90 more kernels a
   * layer (forward and backward).
   */
  #train(x: tf.Tensor, mask: tf.Tensor | undefined, commit: boolean): tf.Tensor {
    const eps = this.options.eps as number;
    const fn = tf.customGrad((...args: (tf.Tensor | ((t: tf.Tensor[]) => void))[]) => {
      const [input, v] = args as tf.Tensor[];
      const save = args[2] as (t: tf.Tensor[]) => void;
      const { mean, variance, count } = batchMoments(input, mask);
      if (commit) {
        const m = this.options.momentum as number;
        this.runningVar.assign(runningUpdate(this.runningVar, variance, m, count));
      }
      // the instance statistics per sample and channel, as [B, 1, C] against x as [B, P, C]
      const instance = groupMoments(input, this.channels, mask);
      const [b, positions, c] = instance.grouped.shape;
      const flat = tf.reshape(input, [b, positions, c]);
      const instanceMean = tf.reshape(instance.mean, [b, 1, c]);
      const instanceStd = tf.reshape(tf.sqrt(tf.add(instance.variance, eps)), [b, 1, c]);
      const right = tf.add(tf.mul(flat, v), instanceStd);
      const left = tf.sqrt(tf.add(variance, eps));
      const denominator = tf.maximum(left, right);
      // the keep mask is saved, not captured: the caller may dispose its mask before backward
      const saved = [flat, denominator, left, mean, count, instanceMean, instanceStd];
      if (mask) saved.push(tf.sub(1, tf.reshape(tf.cast(mask, "float32"), [b, positions, 1])));
      save(saved);
      return {
        value: tf.reshape(tf.div(flat, denominator), input.shape),
        gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) =>
          evoNormB0Backward(dy as tf.Tensor, saved, v),
      };
    });
    return fn(x, this.v);
  }
}

/**
 * The gradient of y = x/m, m = max(L, R), L = sqrt(σ²_batch + ε) per channel, R = v·x + S,
 * S = sqrt(σ²_instance + ε) per sample and channel, from the saved x `[B, P, C]`, m, L, the
 * batch mean μ_b and token count N, the instance mean μ_i and S. As tfjs's Maximum gradient, dm
 * = −dy·x/m² goes to L where L ≥ R (dL), else to R (dR). Every token's output depends on both
 * variances, these only on the kept tokens (keep k; n the sample's kept count): `dx = dy/m +
 * v·dR + k·(x − μ_b)·ΣdL/(N·L) + k·(x − μ_i)·Σ_P dR/(n·S)` (ΣdL over every token, Σ_P dR over
 * the sample's positions) and `dv = Σ dR·x`.
 */
function evoNormB0Backward(
  dy: tf.Tensor,
  [x, denominator, left, mean, count, instanceMean, instanceStd, keep]: tf.Tensor[],
  v: tf.Tensor,
): tf.Tensor[] {
  const direct = tf.div(tf.reshape(dy, x.shape), denominator); // dy/m
  const dm = tf.neg(tf.div(tf.mul(direct, x), denominator)); // −dy·x/m²
  // m = max(L, R) is L itself exactly where L ≥ R: tfjs's Maximum gradient sends ties to L too
  const dLeft = tf.mul(dm, tf.cast(tf.equal(denominator, left), "float32"));
  const dRight = tf.sub(dm, dLeft);
  const n = tf.maximum(count, 1); // as the statistics: a batch of pad tokens only counts one
  const batchSlope = tf.div(tokenSum(dLeft), tf.mul(n, left));
  const instanceCount = keep ? tf.maximum(tf.sum(keep, 1, true), 1) : x.shape[1] as number;
  const instanceSlope = tf.div(tf.sum(dRight, 1, true), tf.mul(instanceStd, instanceCount));
  let correction = tf.add(
    tf.mul(tf.sub(x, mean), batchSlope),
    tf.mul(tf.sub(x, instanceMean), instanceSlope),
  );
  if (keep) correction = tf.mul(correction, keep); // saved only with pad masks
  const dx = tf.add(tf.add(direct, tf.mul(dRight, v)), correction);
  return [tf.reshape(dx, dy.shape), tokenSum(tf.mul(dRight, x))];
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
