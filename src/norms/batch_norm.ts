/**
 * BatchNorm over tokens: the PowerNorm paper's "naive BN" for Transformers.
 *
 * @module
 */
import * as tf from "../tf.ts";
import { NormBase, type NormConstruction, tokenMean, tokenSum } from "./base.ts";
import type { OptionSpecs, ResolvedOptions } from "./options.ts";
import type { InferenceSplit, NormCallOptions } from "./types.ts";
import type { NormEntry } from "./entry.ts";

/**
 * Options of `bn` (torch conventions, not tfjs layer defaults).
 *
 * @example
 * ```ts
 * import { BATCH_NORM_OPTIONS } from "@normbench/normbench";
 * console.assert(BATCH_NORM_OPTIONS.momentum.default === 0.1);
 * ```
 */
export const BATCH_NORM_OPTIONS: OptionSpecs = {
  eps: { default: 1e-5, rule: "positive", doc: "added to the variance" },
  momentum: {
    default: 0.1,
    rule: "unit-open",
    doc: "weight of the new batch in the running statistics (torch convention)",
  },
};

/** Batch mean and biased variance per channel over the (unpadded) tokens, and the token count. */
export function batchMoments(
  x: tf.Tensor,
  mask?: tf.Tensor,
): { mean: tf.Tensor1D; variance: tf.Tensor1D; count: tf.Scalar } {
  return tf.tidy(() => {
    const mean = tokenMean(x, mask);
    const variance = tokenMean(tf.square(tf.sub(x, mean)), mask);
    const tokens = x.size / x.shape[x.rank - 1];
    const count = mask ? tf.sub(tokens, tf.sum(tf.cast(mask, "float32"))) : tf.scalar(tokens);
    return { mean, variance, count: count as tf.Scalar };
  });
}

/**
 * The running statistics' update, torch's convention: `running·(1 − m) + batch·m`, the
 * variance made unbiased first (`σ²·N/max(N − 1, 1)`, N the token count).
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs-core";
 * import { runningUpdate } from "@normbench/normbench";
 * const v = runningUpdate(tf.ones([1]), tf.tensor1d([2]), 0.1, tf.scalar(3)); // 0.9 + 0.1·3
 * console.assert(Math.abs(v.dataSync()[0] - 1.2) < 1e-6);
 * ```
 */
export function runningUpdate(
  running: tf.Tensor,
  batch: tf.Tensor,
  momentum: number,
  unbiasedCount?: tf.Scalar,
): tf.Tensor {
  const value = unbiasedCount
    ? tf.mul(batch, tf.div(unbiasedCount, tf.maximum(tf.sub(unbiasedCount, 1), 1)))
    : batch;
  return tf.add(tf.mul(running, 1 - momentum), tf.mul(value, momentum));
}

/**
 * BatchNorm's exact backward from the saved centred input `x − μ`, `1/sqrt(σ² + ε)` and the
 * token count N (pad tokens excluded). Every token's output depends on μ and σ, the statistics
 * only on the kept tokens (keep k ∈ {0, 1}); with g = dy·γ and z the normalized input:
 * `dx = r·(g − k·Σg/N − k·z·Σ(g·z)/N)`, `dγ = Σ dy·z`, `dβ = Σ dy` (sums over every token).
 */
function batchNormBackward(
  dy: tf.Tensor,
  [centred, rstd, count, keep]: tf.Tensor[],
  gamma: tf.Tensor,
): tf.Tensor[] {
  const sumDy = tokenSum(dy);
  const sumDyCentred = tokenSum(tf.mul(dy, centred));
  const n = tf.maximum(count, 1); // as the statistics: a batch of pad tokens only counts one
  const scale = tf.mul(gamma, rstd); // γ·r
  const shift = tf.div(tf.mul(scale, sumDy), n); // γ·r·Σdy/N
  const slope = tf.div(tf.mul(tf.mul(scale, tf.square(rstd)), sumDyCentred), n);
  let correction = tf.add(tf.mul(centred, slope), shift);
  if (keep) correction = tf.mul(correction, keep); // saved only with pad masks
  const dx = tf.sub(tf.mul(dy, scale), correction);
  return [dx, tf.mul(sumDyCentred, rstd), sumDy];
}

/** Shared by `bn` and `repbn`: batch statistics in training, running statistics in inference. */
export class TokenBatchNorm {
  readonly runningMean: tf.Variable;
  readonly runningVar: tf.Variable;
  readonly weight: tf.Variable;
  readonly bias: tf.Variable;
  readonly eps: number;
  readonly momentum: number;

  /**
   * Creates γ, β and the running statistics through `add` (the owning norm's `addVariable`), in
   * this order, with ε and momentum from the norm's `options`; `affineNames` renames γ and β
   * (a norm whose own affine map has those names).
   */
  static create(
    add: (localName: string, initial: () => tf.Tensor, trainable: boolean) => tf.Variable,
    channels: number,
    options: ResolvedOptions,
    affineNames: { weight: string; bias: string } = { weight: "weight", bias: "bias" },
  ): TokenBatchNorm {
    return new TokenBatchNorm(
      {
        weight: add(affineNames.weight, () => tf.ones([channels]), true),
        bias: add(affineNames.bias, () => tf.zeros([channels]), true),
        runningMean: add("runningMean", () => tf.zeros([channels]), false),
        runningVar: add("runningVar", () => tf.ones([channels]), false),
      },
      options.eps as number,
      options.momentum as number,
    );
  }

  constructor(
    vars: {
      runningMean: tf.Variable;
      runningVar: tf.Variable;
      weight: tf.Variable;
      bias: tf.Variable;
    },
    eps: number,
    momentum: number,
  ) {
    this.runningMean = vars.runningMean;
    this.runningVar = vars.runningVar;
    this.weight = vars.weight;
    this.bias = vars.bias;
    this.eps = eps;
    this.momentum = momentum;
  }

  /**
   * Training forward; when `commit`, updates the running statistics (unbiased variance, as torch
   * does), or only where the boolean scalar `gate` is true when one is given.
   */
  train(x: tf.Tensor, mask: tf.Tensor | undefined, commit: boolean, gate?: tf.Tensor): tf.Tensor {
    // The exact gradient written out (`batchNormBackward`): autodiff of the same formula records ~40
    // tiny ops per layer (mean, variance, broadcasts, casts), which dominate a small-batch step.
    const fn = tf.customGrad((...args: (tf.Tensor | ((t: tf.Tensor[]) => void))[]) => {
      const [input, gamma, beta] = args as tf.Tensor[];
      const save = args[3] as (t: tf.Tensor[]) => void;
      const { mean, variance, count } = batchMoments(input, mask);
      if (commit) {
        const rm = runningUpdate(this.runningMean, mean, this.momentum);
        const rv = runningUpdate(this.runningVar, variance, this.momentum, count);
        this.runningMean.assign(gate ? tf.where(gate, rm, this.runningMean) : rm);
        this.runningVar.assign(gate ? tf.where(gate, rv, this.runningVar) : rv);
      }
      const centred = tf.sub(input, mean);
      const rstd = tf.rsqrt(tf.add(variance, this.eps));
      // the keep mask is saved, not captured: the caller may dispose its mask before backward
      const saved = [centred, rstd, count];
      if (mask) {
        saved.push(
          tf.reshape(tf.sub(1, tf.cast(mask, "float32")), [...input.shape.slice(0, -1), 1]),
        );
      }
      save(saved);
      return {
        value: tf.add(tf.mul(centred, tf.mul(rstd, gamma)), beta),
        gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) =>
          batchNormBackward(dy as tf.Tensor, saved, gamma),
      };
    });
    return fn(x, this.weight, this.bias);
  }

  /** The inference affine map: scale γ/sqrt(σ²+ε), shift β − γμ/sqrt(σ²+ε). */
  affine(): { scale: tf.Tensor1D; shift: tf.Tensor1D } {
    return tf.tidy(() => {
      const scale = tf.mul(this.weight, tf.rsqrt(tf.add(this.runningVar, this.eps))) as tf.Tensor1D;
      const shift = tf.sub(this.bias, tf.mul(scale, this.runningMean)) as tf.Tensor1D;
      return { scale, shift };
    });
  }

  /** Inference forward with running statistics. */
  infer(x: tf.Tensor): tf.Tensor {
    return tf.tidy(() => {
      const { scale, shift } = this.affine();
      return tf.add(tf.mul(x, scale), shift);
    });
  }
}

/**
 * `bn`: per-channel batch mean and biased variance over all (unpadded) tokens in training,
 * running statistics (momentum 0.1, torch convention) in inference; folds fully.
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs-core";
 * import { createNorm } from "@normbench/normbench";
 * const bn = createNorm("bn", 4);
 * const y = bn.apply(tf.randomNormal([8, 5, 4]), { training: true });
 * console.assert(Math.abs(tf.mean(y).dataSync()[0]) < 1e-5);
 * ```
 */
export class BatchNorm extends NormBase {
  /** Registry name of BatchNorm. */
  readonly name = "bn" as const;
  /** Whether training normalizes with statistics over the batch. */
  readonly batchStatistics = true;
  readonly #bn: TokenBatchNorm;

  /** Prefer {@linkcode createNorm}, which validates and resolves `options`. */
  constructor(channels: number, options: ResolvedOptions, construction?: NormConstruction) {
    super(channels, options, construction);
    this.#bn = TokenBatchNorm.create((n, i, t) => this.addVariable(n, i, t), channels, options);
  }

  /** Normalizes `x` over its last axis (see {@linkcode Norm.apply}). */
  apply(x: tf.Tensor, options: NormCallOptions = {}): tf.Tensor {
    this.checkInput(x);
    if (!options.training) return this.#bn.infer(x);
    return this.#bn.train(x, options.mask, options.commit ?? true);
  }

  /** The inference map as statistic · scale + shift (see {@linkcode Norm.inferenceSplit}). */
  inferenceSplit(): InferenceSplit {
    return { statistic: null, ...this.#bn.affine() };
  }
}

/**
 * The registry entry of `bn`: BatchNorm over tokens (naive BN of the PowerNorm paper); it folds
 * fully into the next linear layer.
 *
 * @example
 * ```ts
 * import { BATCH_NORM } from "@normbench/normbench";
 * console.assert(BATCH_NORM.folds === "full" && BATCH_NORM.options.momentum.default === 0.1);
 * ```
 */
export const BATCH_NORM: NormEntry = {
  title: "BatchNorm over tokens (naive BN of the PowerNorm paper)",
  options: BATCH_NORM_OPTIONS,
  build: (c, o, k) => new BatchNorm(c, o, k),
  folds: "full",
  minTrainingBatch: 2,
};
