/**
 * Folding a norm's inference-time affine map into the linear layer that consumes it.
 *
 * @module
 */
import * as tf from "../tf.ts";
import type { Norm } from "./types.ts";
import { UsageError } from "../util/errors.ts";

/** A linear layer y = x·kernel + bias with `kernel` of shape [in, out]. */
export interface LinearWeights {
  /** [in, out] */
  kernel: tf.Tensor2D;
  /** [out], or omitted for no bias */
  bias?: tf.Tensor1D;
}

/** The result of {@linkcode foldNorm}: new linear weights and what remains of the norm. */
export interface FoldedLinear {
  /** diag(a)·kernel: [in, out] */
  kernel: tf.Tensor2D;
  /** b·kernel + bias: [out] */
  bias: tf.Tensor1D;
  /**
   * The per-token part of the norm that cannot fold (LN's standardisation, RMS scaling, DyT's
   * tanh, PN's group scaling), to apply before the folded linear; null when the norm folds fully.
   */
  statistic: ((x: tf.Tensor) => tf.Tensor) | null;
}

/**
 * Folds the inference-time per-channel affine part of `norm` (`statistic(x)·a + b`) into the
 * linear layer that follows it: `kernel' = diag(a)·kernel`, `bias' = b·kernel + bias`. Then
 * `linear(norm(x)) = statistic(x)·kernel' + bias'` (with `statistic` the identity when null).
 * un, bn and repbn fold fully; pn except its group scaling; ln, rms and dyt only their γ/β.
 * `none` has nothing to fold and throws. The caller owns (and disposes) the returned tensors.
 *
 * Under Post-norm the normalised output is also the residual stream, so folding into the next
 * linear alone does not remove the norm; this function does not know the placement.
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs-core";
 * import { createNorm, foldNorm } from "@normbench/normbench";
 * const norm = createNorm("un", 4);
 * const kernel = tf.randomNormal([4, 3]) as tf.Tensor2D;
 * const bias = tf.zeros([3]) as tf.Tensor1D;
 * const folded = foldNorm(norm, { kernel, bias });
 * const x = tf.randomNormal([2, 4]);
 * const direct = tf.add(tf.matMul(norm.apply(x) as tf.Tensor2D, kernel), bias);
 * const viaFold = tf.add(tf.matMul(x as tf.Tensor2D, folded.kernel), folded.bias);
 * console.assert(tf.max(tf.abs(tf.sub(direct, viaFold))).dataSync()[0] < 1e-4);
 * ```
 */
export function foldNorm(norm: Norm, linear: LinearWeights): FoldedLinear {
  const split = norm.inferenceSplit();
  if (!split) {
    throw new UsageError(
      `norm '${norm.name}' has nothing to fold`,
      "fold un, bn, repbn, pn, ln, rms or dyt",
    );
  }
  const [inDim] = linear.kernel.shape;
  if (inDim !== norm.channels) {
    split.scale.dispose();
    split.shift.dispose();
    throw new UsageError(
      `cannot fold a ${norm.channels}-channel norm into a linear layer with ${inDim} inputs`,
      "fold a norm into the linear layer that consumes its output",
    );
  }
  const { kernel, bias } = tf.tidy(() => {
    const kernel = tf.mul(linear.kernel, tf.reshape(split.scale, [-1, 1])) as tf.Tensor2D;
    const shifted = tf.reshape(tf.matMul(tf.reshape(split.shift, [1, -1]), linear.kernel), [-1]);
    const bias = (linear.bias ? tf.add(shifted, linear.bias) : shifted) as tf.Tensor1D;
    return { kernel, bias };
  });
  split.scale.dispose();
  split.shift.dispose();
  return { kernel, bias, statistic: split.statistic };
}

/**
 * Applies a folded linear layer to `x` (any rank, features last): `statistic(x)·kernel + bias`.
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs-core";
 * import { applyFolded, createNorm, foldNorm } from "@normbench/normbench";
 * const folded = foldNorm(createNorm("ln", 4), { kernel: tf.eye(4) as tf.Tensor2D });
 * console.assert(applyFolded(folded, tf.ones([2, 3, 4])).shape.join() === "2,3,4");
 * ```
 */
export function applyFolded(folded: FoldedLinear, x: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    const input = folded.statistic ? folded.statistic(x) : x;
    const [inDim, outDim] = folded.kernel.shape;
    const flat = tf.reshape(input, [-1, inDim]) as tf.Tensor2D;
    const y = tf.add(tf.matMul(flat, folded.kernel), folded.bias);
    return tf.reshape(y, [...x.shape.slice(0, -1), outDim]);
  });
}
