/**
 * LayerNorm (Ba et al. 2016): token statistics over channels, then a per-channel affine map.
 *
 * @module
 */
import * as tf from "../tf.ts";
import { columnSum } from "../backend/kernels.ts";
import {
  layerNormTrainBackward,
  layerNormTrainForward,
  layerNormTrainKernelsActive,
} from "../backend/layer_norm_train.ts";
import { AffineNorm } from "./affine_norm.ts";
import type { OptionSpecs } from "./options.ts";
import type { NormCallOptions } from "./types.ts";
import type { NormEntry } from "./entry.ts";

/**
 * Options of `ln`.
 *
 * @example
 * ```ts
 * import { LAYER_NORM_OPTIONS } from "@normbench/normbench";
 * console.assert(LAYER_NORM_OPTIONS.eps.default === 1e-5);
 * ```
 */
export const LAYER_NORM_OPTIONS: OptionSpecs = {
  eps: { default: 1e-5, rule: "positive", doc: "added to the token variance" },
};

/**
 * Standardises each token over its channels: (x − μ_tok) / sqrt(σ²_tok + eps).
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs-core";
 * import { standardize } from "@normbench/normbench";
 * const z = standardize(tf.tensor2d([[1, 2, 3]]), 1e-5);
 * console.assert(Math.abs(z.dataSync()[1]) < 1e-6);
 * ```
 */
export function standardize(x: tf.Tensor, eps: number): tf.Tensor {
  return tf.tidy(() => {
    const { mean, variance } = tf.moments(x, -1, true);
    return tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, eps)));
  });
}

/**
 * `γ·(x − μ)/sqrt(σ² + eps) + β` over the last axis as one op with the exact hand-written
 * backward `dx = rstd·(g − mean(g) − x̂·mean(g·x̂))`, `g = dy·γ`, `dγ = Σ dy·x̂`, `dβ = Σ dy`
 * (sums over tokens on the column-sum kernel). Autodiff through `tf.moments` records ~70 kernels
 * per call; this records one and runs ~20 — on WebGPU, 5 (`src/backend/layer_norm_train.ts`).
 */
function layerNorm(x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor, eps: number): tf.Tensor {
  if (layerNormTrainKernelsActive()) return layerNormOnKernels(x, gamma, beta, eps);
  const c = x.shape[x.rank - 1];
  const fn = tf.customGrad((...args: (tf.Tensor | ((t: tf.Tensor[]) => void))[]) => {
    const [input, g, b] = args as tf.Tensor[];
    const save = args[3] as (t: tf.Tensor[]) => void;
    const xc = tf.sub(input, tf.mean(input, -1, true));
    const rstd = tf.rsqrt(tf.add(tf.mean(tf.square(xc), -1, true), eps));
    const xhat = tf.mul(xc, rstd);
    save([xhat, rstd, g]);
    return {
      value: tf.add(tf.mul(xhat, g), b),
      gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
        const [sx, sr, sg] = saved;
        const d = dy as tf.Tensor;
        const gx = tf.mul(d, sg);
        const centred = tf.sub(gx, tf.mean(gx, -1, true));
        const dx = tf.mul(tf.sub(centred, tf.mul(sx, tf.mean(tf.mul(gx, sx), -1, true))), sr);
        const rows = d.size / c;
        const dGamma = columnSum(tf.reshape(tf.mul(d, sx), [rows, c]) as tf.Tensor2D);
        const dBeta = columnSum(tf.reshape(d, [rows, c]) as tf.Tensor2D);
        return [dx, dGamma, dBeta];
      },
    };
  });
  return fn(x, gamma, beta);
}

/** {@linkcode layerNorm} on the backend's training kernels: the same formulas, 5 dispatches. */
function layerNormOnKernels(x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor, eps: number) {
  const fn = tf.customGrad((...args: (tf.Tensor | ((t: tf.Tensor[]) => void))[]) => {
    const [input, g, b] = args as tf.Tensor[];
    const save = args[3] as (t: tf.Tensor[]) => void;
    const { y, stats } = layerNormTrainForward(input, g, b, eps);
    save([input, stats, g]);
    return {
      value: y,
      gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
        const [sx, ss, sg] = saved;
        const { dx, dGamma, dBeta } = layerNormTrainBackward(dy as tf.Tensor, sx, ss, sg);
        return [dx, dGamma, dBeta];
      },
    };
  });
  return fn(x, gamma, beta);
}

/**
 * `ln`: γ(x − μ_tok)/sqrt(σ²_tok + ε) + β, the same in training and inference.
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs-core";
 * import { createNorm } from "@normbench/normbench";
 * const ln = createNorm("ln", 8);
 * const y = ln.apply(tf.randomNormal([2, 3, 8]));
 * console.assert(y.shape.join() === "2,3,8");
 * ```
 */
export class LayerNorm extends AffineNorm {
  /** Registry name of LayerNorm. */
  readonly name = "ln" as const;
  /** Whether training normalizes with statistics over the batch. */
  readonly batchStatistics = false;

  /** Normalizes `x` over its last axis as one fused op (see {@linkcode Norm.apply}). */
  override apply(x: tf.Tensor, _options: NormCallOptions = {}): tf.Tensor {
    this.checkInput(x);
    return layerNorm(x, this.weight, this.bias, this.options.eps as number);
  }

  /** The token standardisation (x − μ)/sqrt(σ² + ε). */
  protected statistic(x: tf.Tensor): tf.Tensor {
    return standardize(x, this.options.eps as number);
  }
}

/**
 * The registry entry of `ln`: LayerNorm (Ba et al. 2016); it leaves a per-token statistic at
 * inference.
 *
 * @example
 * ```ts
 * import { LAYER_NORM } from "@normbench/normbench";
 * const norm = LAYER_NORM.build(4, { eps: 1e-5 });
 * console.assert(norm.name === "ln" && LAYER_NORM.folds === "partial");
 * ```
 */
export const LAYER_NORM: NormEntry = {
  title: "LayerNorm (Ba et al. 2016)",
  options: LAYER_NORM_OPTIONS,
  build: (c, o, k) => new LayerNorm(c, o, k),
  folds: "partial",
};
