/**
 * Per-layer statistics of a forward pass, as small tensors (nothing is read back here): the
 * variance and RMS of a hidden state over its real tokens, the entropy of attention
 * probabilities per head, and the cosine similarity of a block's input and output per token.
 *
 * @module
 */
import * as tf from "../tf.ts";

/**
 * The floor under p in `p·log p`: a masked key's p is exactly 0 and contributes 0, not NaN.
 *
 * @example
 * ```ts
 * import { ENTROPY_FLOOR } from "@normbench/normbench";
 * console.assert(0 * Math.log(ENTROPY_FLOOR) === 0);
 * ```
 */
export const ENTROPY_FLOOR = 1e-30;

/**
 * The floor under a product of norms in a cosine similarity (an all-zero token has cosine 0).
 *
 * @example
 * ```ts
 * import { COSINE_FLOOR } from "@normbench/normbench";
 * console.assert(COSINE_FLOOR > 0);
 * ```
 */
export const COSINE_FLOOR = 1e-12;

/** `[B, N]` token weights (1 = real token) as `[B, N, 1]`, or null for all tokens. */
function tokenWeights(valid: tf.Tensor | null | undefined): tf.Tensor | null {
  return valid ? tf.expandDims(tf.cast(valid, "float32"), -1) : null;
}

/**
 * `[variance, rms]` of a hidden state `h` `[B, N, d]` over the elements of its real tokens
 * (`valid` `[B, N]`, 1 = real; absent: every token): the population variance of all those
 * elements around their common mean, and √(mean of their squares).
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs-core";
 * import { hiddenStats } from "@normbench/normbench";
 * const h = tf.tensor3d([[[1, 3], [100, 100]]]); // the second token is padding
 * const [variance, rms] = await hiddenStats(h, tf.tensor2d([[1, 0]])).data();
 * console.assert(variance === 1 && Math.abs(rms - Math.sqrt(5)) < 1e-6);
 * ```
 */
export function hiddenStats(h: tf.Tensor, valid?: tf.Tensor | null): tf.Tensor1D {
  return tf.tidy(() => {
    const w = tokenWeights(valid);
    const d = h.shape[h.rank - 1];
    const count = w ? tf.mul(tf.sum(w), d) : tf.scalar(h.size);
    const masked = (t: tf.Tensor) => (w ? tf.mul(t, w) : t);
    const mean = tf.div(tf.sum(masked(h)), count);
    const variance = tf.div(tf.sum(masked(tf.square(tf.sub(h, mean)))), count);
    const rms = tf.sqrt(tf.div(tf.sum(masked(tf.square(h))), count));
    return tf.stack([variance, rms]) as tf.Tensor1D;
  });
}

/**
 * Attention entropy per head `[H]` in nats: for attention probabilities `probs` `[H, B, N, M]`,
 * the mean over the real query positions (`valid` `[B, N]`, 1 = real; absent: every query) of
 * −Σⱼ p log p. Masked keys (p = 0) contribute nothing.
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs-core";
 * import { attentionEntropy } from "@normbench/normbench";
 * const uniform = tf.fill([1, 1, 2, 4], 0.25); // one head, two queries, four keys
 * const [e] = await attentionEntropy(uniform).data();
 * console.assert(Math.abs(e - Math.log(4)) < 1e-6);
 * ```
 */
export function attentionEntropy(probs: tf.Tensor, valid?: tf.Tensor | null): tf.Tensor1D {
  return tf.tidy(() => {
    const plogp = tf.mul(probs, tf.log(tf.maximum(probs, ENTROPY_FLOOR)));
    const perQuery = tf.neg(tf.sum(plogp, -1)); // [H, B, N]
    if (!valid) return tf.mean(perQuery, [1, 2]) as tf.Tensor1D;
    const w = tf.cast(valid, "float32");
    return tf.div(tf.sum(tf.mul(perQuery, w), [1, 2]), tf.sum(w)) as tf.Tensor1D;
  });
}

/**
 * The mean over real tokens (`valid` `[B, N]`, 1 = real; absent: every token) of the cosine
 * similarity of `a` and `b` (`[B, N, d]` each), token by token, as a scalar.
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs-core";
 * import { meanCosine } from "@normbench/normbench";
 * const a = tf.tensor3d([[[1, 0], [1, 0]]]);
 * const b = tf.tensor3d([[[0, 2], [3, 0]]]);
 * console.assert((await meanCosine(a, b).data())[0] === 0.5);
 * ```
 */
export function meanCosine(a: tf.Tensor, b: tf.Tensor, valid?: tf.Tensor | null): tf.Scalar {
  return tf.tidy(() => {
    const dot = tf.sum(tf.mul(a, b), -1);
    const norms = tf.mul(tf.norm(a, "euclidean", -1), tf.norm(b, "euclidean", -1));
    const cos = tf.div(dot, tf.maximum(norms, COSINE_FLOOR)); // [B, N]
    if (!valid) return tf.mean(cos);
    const w = tf.cast(valid, "float32");
    return tf.div(tf.sum(tf.mul(cos, w)), tf.sum(w));
  });
}
