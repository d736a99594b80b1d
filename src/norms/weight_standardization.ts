/**
 * Weight Standardization (Qiao et al., "Micro-Batch Training with Batch-Channel Normalization
 * and Weight Standardization"): a convolution's or linear layer's weights standardised per
 * output channel before every use. It is a weight option, not a norm slot: it pairs with a norm
 * as `gn+ws` or `bcn+ws`.
 *
 * @module
 */
import * as tf from "../tf.ts";

/** ε added to the weights' variance (the BCN authors' constant). */
export const WS_EPS = 1e-5;

/**
 * Standardises `kernel` per output channel (its last axis: tfjs's conv2d filter
 * `[kh, kw, in, out]`, a dense kernel `[in, out]`): subtract the mean over every other axis and
 * divide by sqrt(unbiased variance + ε). Differentiable: gradients reach the raw kernel.
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs-core";
 * import { standardizeWeight } from "@normbench/normbench";
 * const w = standardizeWeight(tf.tensor2d([[1, 10], [3, 30]])); // two output channels
 * const [a, b] = [w.dataSync()[0], w.dataSync()[1]];
 * console.assert(Math.abs(a + 0.7071) < 1e-3 && Math.abs(b + 0.7071) < 1e-3);
 * ```
 */
export function standardizeWeight(kernel: tf.Tensor, eps = WS_EPS): tf.Tensor {
  return tf.tidy(() => {
    const out = kernel.shape[kernel.rank - 1];
    const flat = tf.reshape(kernel, [-1, out]);
    const n = flat.shape[0];
    const mean = tf.mean(flat, 0, true);
    const centred = tf.sub(flat, mean);
    const variance = tf.div(tf.sum(tf.square(centred), 0, true), Math.max(n - 1, 1));
    return tf.reshape(tf.mul(centred, tf.rsqrt(tf.add(variance, eps))), kernel.shape);
  });
}
