/**
 * CRMSNorm (Jiang et al. 2023, "Pre-RMSNorm and Pre-CRMSNorm Transformers"): RMSNorm of a
 * zero-mean vector kept in compressed form. A zero-mean vector of C+1 coordinates is stored as
 * its first C; the missing last one is −Σx, so its mean square is (Σx² + (Σx)²)/(C+1).
 *
 * @module
 */
import * as tf from "../tf.ts";
import { AffineNorm } from "./affine_norm.ts";
import type { OptionSpecs } from "./options.ts";
import type { NormEntry } from "./entry.ts";
import type { InferenceSplit } from "./types.ts";

/**
 * Options of `crms`. ε = 1e-5 is the value of the golden vectors and the zoo's other token
 * norms (`ln`, `rms`).
 *
 * @example
 * ```ts
 * import { CRMS_NORM_OPTIONS } from "@normbench/normbench";
 * console.assert(CRMS_NORM_OPTIONS.eps.default === 1e-5);
 * ```
 */
export const CRMS_NORM_OPTIONS: OptionSpecs = {
  eps: {
    default: 1e-5,
    rule: "positive",
    doc: "added to the mean square of the C+1 decompressed coordinates",
  },
};

/**
 * x / sqrt((Σx² + (Σx)²)/(C+1) + eps) per token over the last axis: the RMS normalization of the
 * zero-mean (C+1)-vector whose first C coordinates `x` holds (its last one is −Σx).
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs-core";
 * import { compressedRmsScale } from "@normbench/normbench";
 * // [1, 1] stands for the zero-mean vector [1, 1, −2]: mean square (1 + 1 + 4)/3 = 2
 * const y = compressedRmsScale(tf.tensor2d([[1, 1]]), 0);
 * console.assert(Math.abs(y.dataSync()[0] - 1 / Math.SQRT2) < 1e-6);
 * ```
 */
export function compressedRmsScale(x: tf.Tensor, eps: number): tf.Tensor {
  return tf.tidy(() => {
    const full = x.shape[x.rank - 1] + 1;
    const sumSquares = tf.sum(tf.square(x), -1, true);
    const squaredSum = tf.square(tf.sum(x, -1, true));
    const meanSquare = tf.div(tf.add(sumSquares, squaredSum), full);
    return tf.mul(x, tf.rsqrt(tf.add(meanSquare, eps)));
  });
}

/**
 * `crms`: γ·x/sqrt((Σx² + (Σx)²)/(C+1) + ε) + β over the C stored channels, the same in training
 * and inference. Per token: pad masks do not change it.
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs-core";
 * import { createNorm } from "@normbench/normbench";
 * const crms = createNorm("crms", 3);
 * // [1, 2, 3] stands for [1, 2, 3, −6]: mean square 50/4
 * const y = crms.apply(tf.tensor2d([[1, 2, 3]]));
 * console.assert(Math.abs(y.dataSync()[2] - 3 / Math.sqrt(12.5)) < 1e-4);
 * ```
 */
export class CrmsNorm extends AffineNorm {
  /** Registry name of CRMSNorm. */
  readonly name = "crms" as const;
  /** Whether training normalizes with statistics over the batch. */
  readonly batchStatistics = false;

  /** The compressed-RMS scaling, the same in training and inference. */
  protected statistic(x: tf.Tensor): tf.Tensor {
    return compressedRmsScale(x, this.options.eps as number);
  }

  /**
   * The inference map as statistic · scale + shift (see {@linkcode Norm.inferenceSplit}), with
   * a statistic of 7 kernels instead of `apply`'s 9: Σx² + (Σx)² = Σᵢ xᵢ(xᵢ + Σx), and the
   * division by C+1 moved out as √(C+1) into the scale —
   * x·rsqrt(Σᵢ xᵢ(xᵢ + Σx) + (C+1)ε) · √(C+1)γ + β, which folds like RMSNorm's.
   */
  override inferenceSplit(): InferenceSplit {
    const full = this.channels + 1;
    const eps = this.options.eps as number;
    return {
      statistic: (x) =>
        tf.tidy(() => {
          const q = tf.sum(tf.mul(x, tf.add(x, tf.sum(x, -1, true))), -1, true);
          return tf.mul(x, tf.rsqrt(tf.add(q, full * eps)));
        }),
      scale: tf.mul(this.weight, Math.sqrt(full)) as tf.Tensor1D,
      shift: tf.clone(this.bias) as tf.Tensor1D,
    };
  }
}

/**
 * The registry entry of `crms`: CRMSNorm (Jiang et al. 2023); γ and β fold into the next linear
 * layer, the per-token scaling stays an op (as RMSNorm's).
 *
 * @example
 * ```ts
 * import { CRMS_NORM } from "@normbench/normbench";
 * const norm = CRMS_NORM.build(4, { eps: 1e-5 });
 * console.assert(norm.name === "crms" && CRMS_NORM.folds === "partial");
 * ```
 */
export const CRMS_NORM: NormEntry = {
  title: "CRMSNorm on the compressed representation (Jiang et al. 2023)",
  options: CRMS_NORM_OPTIONS,
  build: (c, o, k) => new CrmsNorm(c, o, k),
  folds: "partial",
  note: "reads [..., C] as C of the C+1 coordinates of a zero-mean vector (the last is −Σx): " +
    "RMSNorm of that vector, not of x itself; per token, so pad masks do not change it",
};
