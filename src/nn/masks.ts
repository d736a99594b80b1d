/**
 * Attention masks as additive biases (0 where attending is allowed, a large negative number
 * where it is not), broadcastable to scores of shape `[H, B, Nq, Nk]` (normbench keeps heads as
 * the leading axis, see `attention_core.ts`).
 *
 * @module
 */
import * as tf from "../tf.ts";

/**
 * The bias given to masked scores: large enough to vanish after softmax, finite to avoid NaN.
 *
 * @example
 * ```ts
 * import { MASKED_SCORE } from "@normbench/normbench";
 * console.assert(Math.exp(MASKED_SCORE) === 0);
 * ```
 */
export const MASKED_SCORE: number = -1e9;

/**
 * `[1, B, 1, Nk]` bias from a pad mask `[B, Nk]` (1 = padding).
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs-core";
 * import { padBias } from "@normbench/normbench";
 * console.assert(padBias(tf.tensor2d([[0, 1]])).shape.join() === "1,1,1,2");
 * ```
 */
export function padBias(padMask: tf.Tensor): tf.Tensor4D {
  return tf.tidy(() => {
    const [b, n] = padMask.shape;
    return tf.reshape(tf.mul(tf.cast(padMask, "float32"), MASKED_SCORE), [1, b, 1, n]);
  });
}

/**
 * `[1, 1, n, n]` causal bias: query i may attend to keys j ≤ i (plus `offset` earlier keys).
 *
 * @example
 * ```ts
 * import { causalBias } from "@normbench/normbench";
 * const b = await causalBias(2).data();
 * console.assert(b[0] === 0 && b[1] < -1e8 && b[3] === 0);
 * ```
 */
export function causalBias(n: number): tf.Tensor4D {
  const values = new Float32Array(n * n);
  for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) values[i * n + j] = MASKED_SCORE;
  return tf.tensor4d(values, [1, 1, n, n]);
}

/**
 * The combined bias for self-attention over `n` tokens: pad bias (if a mask is given) plus
 * causal bias (if `causal`); `null` when there is nothing to mask.
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs-core";
 * import { attentionBias } from "@normbench/normbench";
 * const bias = attentionBias({ padMask: tf.zeros([2, 3]), causal: true });
 * console.assert(bias!.shape.join() === "1,2,3,3");
 * ```
 */
export function attentionBias(
  options: { padMask?: tf.Tensor | null; causal?: boolean; n?: number },
): tf.Tensor4D | null {
  const { padMask, causal } = options;
  const n = options.n ?? padMask?.shape[1];
  if (!padMask && !causal) return null;
  return tf.tidy(() => {
    const pad = padMask ? padBias(padMask) : null;
    if (!causal) return pad!;
    if (n === undefined) throw new Error("attentionBias: causal needs n or a pad mask");
    const c = causalBias(n);
    return pad ? tf.add(pad, c) as tf.Tensor4D : c;
  });
}

/**
 * The pad mask `[B, N]` (1 = padding) of plain-data token ids, built on the CPU (the ids are at
 * hand): tfjs-webgpu 4.22 in Deno mishandles `cast(equal(ids, pad), "float32")` masks in some
 * graphs (an encoder's mean pooling read back zeros on fresh weights).
 *
 * @example
 * ```ts
 * import { padMaskOf } from "@normbench/normbench";
 * const m = padMaskOf(Int32Array.of(5, 7, 0, 0), [2, 2], 0);
 * console.assert(m.dataSync().join() === "0,0,1,1");
 * ```
 */
export function padMaskOf(
  ids: ArrayLike<number>,
  shape: [number, number],
  padId: number,
): tf.Tensor2D {
  return tf.tensor2d(Float32Array.from(ids, (t) => (t === padId ? 1 : 0)), shape);
}
