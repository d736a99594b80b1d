/**
 * RMSNorm (Zhang & Sennrich 2019): divide each token by its root mean square over channels.
 *
 * @module
 */
import * as tf from "../tf.ts";
import { columnSum } from "../backend/kernels.ts";
import { NormBase, type NormConstruction } from "./base.ts";
import type { OptionSpecs, ResolvedOptions } from "./options.ts";
import type { InferenceSplit, NormCallOptions } from "./types.ts";
import type { NormEntry } from "./entry.ts";

/**
 * Options of `rms`.
 *
 * @example
 * ```ts
 * import { RMS_NORM_OPTIONS } from "@normbench/normbench";
 * console.assert(RMS_NORM_OPTIONS.eps.default === 1e-5);
 * ```
 */
export const RMS_NORM_OPTIONS: OptionSpecs = {
  eps: { default: 1e-5, rule: "positive", doc: "added to the token mean square" },
  bias: {
    default: false,
    rule: "boolean",
    doc: "a learned shift β as LayerNorm's (a Pre-LN model converted to Pre-RMSNorm keeps its β)",
  },
};

/**
 * x / sqrt(mean_tok(x²) + eps), per token over channels.
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs-core";
 * import { rmsScale } from "@normbench/normbench";
 * const y = rmsScale(tf.tensor2d([[3, 3]]), 0);
 * console.assert(Math.abs(y.dataSync()[0] - 1) < 1e-6);
 * ```
 */
export function rmsScale(x: tf.Tensor, eps: number): tf.Tensor {
  return tf.tidy(() => tf.mul(x, tf.rsqrt(tf.add(tf.mean(tf.square(x), -1, true), eps))));
}

/**
 * `γ·x/sqrt(mean(x²) + eps) (+ β)` over the last axis as one op with the written-out backward
 * `dx = r·(g − x̂·mean(g·x̂))`, `g = dy·γ`, `x̂ = x·r`, `dγ = Σ dy·x̂`, `dβ = Σ dy` (sums over
 * tokens on the column-sum kernel) — autodiff of the formula records ~2× the kernels, which made
 * RMSNorm's update dearer than LayerNorm's.
 */
function rmsNorm(x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor | null, eps: number): tf.Tensor {
  const c = x.shape[x.rank - 1];
  const fn = tf.customGrad((...args: (tf.Tensor | ((t: tf.Tensor[]) => void))[]) => {
    const [input, g] = args as tf.Tensor[];
    const b = beta ? args[2] as tf.Tensor : null;
    const save = args[beta ? 3 : 2] as (t: tf.Tensor[]) => void;
    const r = tf.rsqrt(tf.add(tf.mean(tf.square(input), -1, true), eps));
    const xhat = tf.mul(input, r);
    save([xhat, r, g]);
    const y = tf.mul(xhat, g);
    return {
      value: b ? tf.add(y, b) : y,
      gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
        const [sx, sr, sg] = saved;
        const d = dy as tf.Tensor;
        const gx = tf.mul(d, sg);
        const dx = tf.mul(tf.sub(gx, tf.mul(sx, tf.mean(tf.mul(gx, sx), -1, true))), sr);
        const rows = d.size / c;
        const dGamma = columnSum(tf.reshape(tf.mul(d, sx), [rows, c]) as tf.Tensor2D);
        if (!b) return [dx, dGamma];
        return [dx, dGamma, columnSum(tf.reshape(d, [rows, c]) as tf.Tensor2D)];
      },
    };
  });
  return beta ? fn(x, gamma, beta) : fn(x, gamma);
}

/**
 * `rms`: γ·x/sqrt(mean_tok(x²) + ε) (+ β with option `bias`), the same in training and inference.
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs-core";
 * import { createNorm } from "@normbench/normbench";
 * const rms = createNorm("rms", 4);
 * const y = rms.apply(tf.tensor2d([[2, 2, 2, 2]]));
 * console.assert(Math.abs(y.dataSync()[0] - 1) < 1e-4);
 * ```
 */
export class RmsNorm extends NormBase {
  /** Registry name of RMSNorm. */
  readonly name = "rms" as const;
  /** Whether training normalizes with statistics over the batch. */
  readonly batchStatistics = false;
  /** γ, init 1. */
  readonly weight: tf.Variable;
  /** β, init 0, with option `bias`; else null. */
  readonly bias: tf.Variable | null;

  /** Prefer {@linkcode createNorm}, which validates and resolves `options`. */
  constructor(channels: number, options: ResolvedOptions, construction?: NormConstruction) {
    super(channels, options, construction);
    this.weight = this.addVariable("weight", () => tf.ones([channels]), true);
    this.bias = options.bias ? this.addVariable("bias", () => tf.zeros([channels]), true) : null;
  }

  /** Normalizes `x` over its last axis (see {@linkcode Norm.apply}). */
  apply(x: tf.Tensor, _options: NormCallOptions = {}): tf.Tensor {
    this.checkInput(x);
    return rmsNorm(x, this.weight, this.bias, this.options.eps as number);
  }

  /** The inference map as statistic · scale + shift (see {@linkcode Norm.inferenceSplit}). */
  inferenceSplit(): InferenceSplit {
    const eps = this.options.eps as number;
    return {
      statistic: (x) => rmsScale(x, eps),
      scale: tf.clone(this.weight) as tf.Tensor1D,
      shift: this.bias ? tf.clone(this.bias) as tf.Tensor1D : tf.zeros([this.channels]),
    };
  }
}

/**
 * The registry entry of `rms`: RMSNorm (Zhang & Sennrich 2019); it leaves a per-token statistic at
 * inference.
 *
 * @example
 * ```ts
 * import { RMS_NORM } from "@normbench/normbench";
 * const norm = RMS_NORM.build(4, { eps: 1e-5 });
 * console.assert(norm.name === "rms" && RMS_NORM.folds === "partial");
 * ```
 */
export const RMS_NORM: NormEntry = {
  title: "RMSNorm (Zhang & Sennrich 2019)",
  options: RMS_NORM_OPTIONS,
  build: (c, o, k) => new RmsNorm(c, o, k),
  folds: "partial",
};
