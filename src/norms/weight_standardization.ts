/**
 * Weight Standardization (Qiao et al., "Micro-Batch Training with Batch-Channel Normalization
 * and Weight Standardization"): a convolution's or linear layer's weights standardised per
 * output channel before every use. It is a weight option, not a norm slot: it pairs with a norm
 * as `gn+ws` or `bcn+ws`.
 *
 * @module
 */
import * as tf from "../tf.ts";
import { columnSum } from "../backend/kernels.ts";

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
  // The exact gradient written out: autodiff of the moments records ~20 ops per weight per step.
  const fn = tf.customGrad((...args: (tf.Tensor | ((t: tf.Tensor[]) => void))[]) => {
    const k = args[0] as tf.Tensor;
    const save = args[1] as (t: tf.Tensor[]) => void;
    const flat = tf.reshape(k, [-1, k.shape[k.rank - 1]]) as tf.Tensor2D;
    const n = flat.shape[0];
    const centred = tf.sub(flat, tf.div(columnSum(flat), n)) as tf.Tensor2D;
    const variance = tf.div(columnSum(tf.square(centred) as tf.Tensor2D), Math.max(n - 1, 1));
    const rstd = tf.rsqrt(tf.add(variance, eps));
    save([centred, rstd]);
    return {
      value: tf.reshape(tf.mul(centred, rstd), k.shape),
      // dw = r·(dz − mean(dz) − r²·c·Σ(dz·c)/(n − 1)), c = w − μ, per output channel
      gradFunc: (dy: tf.Tensor | tf.Tensor[], [c, r]: tf.Tensor[]) => {
        const dz = tf.reshape(dy as tf.Tensor, [-1, c.shape[1]!]) as tf.Tensor2D;
        const meanDz = tf.div(columnSum(dz), n);
        const sumDzC = columnSum(tf.mul(dz, c) as tf.Tensor2D);
        const slope = tf.div(tf.mul(tf.square(r), sumDzC), Math.max(n - 1, 1));
        const dc = tf.sub(tf.sub(dz, meanDz), tf.mul(c, slope));
        return [tf.reshape(tf.mul(dc, r), (dy as tf.Tensor).shape)];
      },
    };
  });
  return fn(kernel);
}
