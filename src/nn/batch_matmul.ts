/**
 * Batched matrix products for attention (`[…, M, K] · […, K, N]`), with a flag-free backward.
 *
 * On wasm the product runs on normbench's SIMD kernel when it is registered (see
 * `src/backend/kernels.ts`); elsewhere on tfjs's `matMul`.
 *
 * @module
 */
import * as tf from "../tf.ts";
import { batchMatMulKernel } from "../backend/kernels.ts";

type GradInputs = (tf.Tensor | ((t: tf.Tensor[]) => void))[];

/**
 * The last two axes swapped.
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs-core";
 * import { swapLast } from "@normbench/normbench";
 * console.assert(swapLast(tf.zeros([2, 3, 4])).shape.join() === "2,4,3");
 * ```
 */
export function swapLast(x: tf.Tensor): tf.Tensor {
  const perm = x.shape.map((_, i) => i);
  perm[x.rank - 1] = x.rank - 2;
  perm[x.rank - 2] = x.rank - 1;
  return tf.transpose(x, perm);
}

/**
 * `a·b` (`aᵀ·b` with `transposeA`, `a·bᵀ` with `transposeB`) over the last two axes without
 * gradient bookkeeping: the fast kernel when there is one (on wasm `aᵀ·b` then needs no
 * transpose), else tfjs's `matMul`. On WebGPU the transposes are `matMul`'s flags (its tiled
 * program reads either layout: no transpose dispatch); on wasm and cpu they are explicit
 * transposes, as before the flags existed (training bit-identical there).
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs-core";
 * import { rawBatchMatMul } from "@normbench/normbench";
 * console.assert(rawBatchMatMul(tf.ones([2, 3, 4]), tf.ones([2, 4, 5])).shape.join() === "2,3,5");
 * console.assert(rawBatchMatMul(tf.ones([2, 3, 4]), tf.ones([2, 5, 4]), false, true).shape.join() === "2,3,5");
 * ```
 */
export function rawBatchMatMul(
  a: tf.Tensor,
  b: tf.Tensor,
  transposeA = false,
  transposeB = false,
): tf.Tensor {
  if (tf.getBackend() === "webgpu") {
    return tf.matMul(a as tf.Tensor3D, b as tf.Tensor3D, transposeA, transposeB);
  }
  const bb = transposeB ? swapLast(b) : b;
  return batchMatMulKernel(a, bb, transposeA) ??
    (transposeA
      ? tf.matMul(swapLast(a) as tf.Tensor3D, bb as tf.Tensor3D)
      : tf.matMul(a as tf.Tensor3D, bb as tf.Tensor3D));
}

/**
 * `a·b` over the last two axes, batched over the leading ones (same leading shape for both).
 * Backward: `da = g·bᵀ`, `db = aᵀ·g` with explicit transposes.
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs-core";
 * import { batchMatMul } from "@normbench/normbench";
 * const c = batchMatMul(tf.ones([2, 4, 3, 5]), tf.ones([2, 4, 5, 6]));
 * console.assert(c.shape.join() === "2,4,3,6");
 * ```
 */
export function batchMatMul(a: tf.Tensor, b: tf.Tensor): tf.Tensor {
  const fn = tf.customGrad((...args: GradInputs) => {
    const [x, y] = args as tf.Tensor[];
    const save = args[2] as (t: tf.Tensor[]) => void;
    save([x, y]);
    return {
      value: rawBatchMatMul(x, y),
      gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
        const [sx, sy] = saved;
        const g = dy as tf.Tensor;
        return [rawBatchMatMul(g, sy, false, true), rawBatchMatMul(sx, g, true)];
      },
    };
  });
  return fn(a, b);
}
