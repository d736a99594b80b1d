/**
 * Softmax cross-entropy with label smoothing and ignored positions, with a fused backward
 * (`softmax − target`), the loss of every model.
 *
 * @module
 */
import * as tf from "../tf.ts";

/** Options of {@linkcode crossEntropy}. */
export interface CrossEntropyOptions {
  /**
   * Label smoothing ε: the target is `(1−ε)·onehot + ε/V` (fairseq's label-smoothed loss).
   * Default 0.
   */
  smoothing?: number;
  /** Targets equal to this id are ignored (e.g. padding, or −1 for unmasked MLM tokens). */
  ignoreIndex?: number;
}

type GradInputs = (tf.Tensor | ((t: tf.Tensor[]) => void))[];

/**
 * Mean cross-entropy of `logits` `[…, V]` against integer `targets` `[…]` over the positions
 * whose target is not `ignoreIndex` (0 when every position is ignored). Differentiable in
 * `logits`, with the fused gradient `(softmax(logits) − target)/count`.
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs-core";
 * import { crossEntropy } from "@normbench/normbench";
 * const loss = crossEntropy(tf.zeros([2, 4]), tf.tensor1d([1, 3], "int32"));
 * console.assert(Math.abs((await loss.data())[0] - Math.log(4)) < 1e-6);
 * ```
 */
export function crossEntropy(
  logits: tf.Tensor,
  targets: tf.Tensor,
  options: CrossEntropyOptions = {},
): tf.Scalar {
  const eps = options.smoothing ?? 0;
  const vocab = logits.shape[logits.rank - 1];
  const rows = logits.size / vocab;
  return tf.tidy(() => {
    const y = tf.cast(tf.reshape(targets, [rows]), "int32");
    const weight = options.ignoreIndex === undefined
      ? tf.ones([rows])
      : tf.cast(tf.notEqual(y, options.ignoreIndex), "float32");
    const count = tf.maximum(tf.sum(weight), 1);
    const safeY = tf.mul(y, tf.cast(weight, "int32")); // ignored rows point at class 0
    const flatIndex = tf.add(
      tf.mul(tf.range(0, rows, 1, "int32"), tf.scalar(vocab, "int32")),
      safeY,
    );
    const fn = tf.customGrad((...args: GradInputs) => {
      const input = tf.reshape(args[0] as tf.Tensor, [rows, vocab]);
      const save = args[1] as (t: tf.Tensor[]) => void;
      const z = tf.sub(input, tf.max(input, -1, true));
      const lse = tf.log(tf.sum(tf.exp(z), -1, true));
      const picked = tf.reshape(tf.gather(tf.reshape(z, [-1]), flatIndex), [rows, 1]);
      let perRow = tf.sub(lse, picked); // nll
      if (eps > 0) {
        const smooth = tf.sub(tf.mul(lse, vocab), tf.sum(z, -1, true));
        perRow = tf.add(tf.mul(perRow, 1 - eps), tf.mul(smooth, eps / vocab));
      }
      const rowWeight = tf.reshape(tf.div(weight, count), [rows, 1]);
      const loss = tf.sum(tf.mul(perRow, rowWeight));
      // Tensors the backward needs must be saved: the enclosing tidy frees the rest.
      save([z, lse, rowWeight, safeY]);
      return {
        value: loss as tf.Scalar,
        gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
          const [sz, slse, sw, sy] = saved;
          const g = tf.mul(sw, dy as tf.Tensor);
          let probs = tf.exp(tf.sub(sz, slse));
          if (eps > 0) probs = tf.sub(probs, eps / vocab);
          const hit = tf.scatterND(
            tf.stack([tf.range(0, rows, 1, "int32"), sy], 1),
            tf.reshape(tf.mul(g, 1 - eps), [rows]),
            [rows, vocab],
          );
          const grad = tf.sub(tf.mul(probs, g), hit);
          return [tf.reshape(grad, logits.shape)];
        },
      };
    });
    return fn(logits) as tf.Scalar;
  });
}
