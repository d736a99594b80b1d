/**
 * The zero-mean residual stream of Pre-RMSNorm and Pre-CRMSNorm Transformers (Jiang et al. 2023):
 * centering over channels, and the compressed form that drops the last of d zero-mean
 * coordinates (it is minus the sum of the others).
 *
 * @module
 */
import * as tf from "../tf.ts";

/**
 * `x − mean(x)` over the last axis: every vector along it then sums to zero.
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs-core";
 * import { centerChannels } from "@normbench/normbench";
 * const y = centerChannels(tf.tensor2d([[1, 2, 6]]));
 * console.assert(y.dataSync().join() === "-2,-1,3");
 * ```
 */
export function centerChannels(x: tf.Tensor): tf.Tensor {
  return tf.tidy(() => tf.sub(x, tf.mean(x, -1, true)));
}

/** How a model's residual stream is kept (see {@linkcode residualInput}). */
export interface ResidualForm {
  /** Zero-mean over its d channels (Pre-RMSNorm's centered writers; default false). */
  centered?: boolean;
  /** Zero-mean and stored as its first d−1 channels (Pre-CRMSNorm; default false). */
  compressed?: boolean;
}

/**
 * The residual stream's first value from a model's embedding sum `[…, d]`: as it is (the normal
 * path, the same tensor), centered over channels (`centered`), or centered with its last channel
 * dropped, `[…, d−1]` (`compressed`).
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs-core";
 * import { residualInput } from "@normbench/normbench";
 * const x = tf.tensor2d([[1, 2, 6]]);
 * console.assert(residualInput(x, {}) === x);
 * console.assert(residualInput(x, { compressed: true }).dataSync().join() === "-2,-1");
 * ```
 */
export function residualInput(x: tf.Tensor, form: ResidualForm): tf.Tensor {
  if (!form.centered && !form.compressed) return x;
  return tf.tidy(() => {
    const centered = centerChannels(x);
    if (!form.compressed) return centered;
    const d = x.shape[x.rank - 1];
    return tf.slice(centered, new Array(x.rank).fill(0), [...x.shape.slice(0, -1), d - 1]);
  });
}

/**
 * The residual width of a model of width `dim`: d−1 when the stream is compressed, else d.
 *
 * @example
 * ```ts
 * import { residualWidth } from "@normbench/normbench";
 * console.assert(residualWidth(16, { compressed: true }) === 15 && residualWidth(16, {}) === 16);
 * ```
 */
export function residualWidth(dim: number, form: ResidualForm): number {
  return form.compressed ? dim - 1 : dim;
}
