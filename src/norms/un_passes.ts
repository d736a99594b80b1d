/**
 * UN's passes over the activations (its state-kernel path, `UnifiedNorm`) as one kernel each
 * where a backend has them (WebGPU; see `src/backend/un_passes_webgpu.ts`): the quadratic mean
 * per channel, the output, the gradient statistic Σ dy·x/σ and dx. Elsewhere each function runs
 * the composite ops UN's state-kernel path used before, so callers need no branch of their own.
 *
 * @module
 */
import * as tf from "../tf.ts";
import { tokenMean, tokenSum } from "./base.ts";
import { registerUNPassKernels, UN_PASS_KERNELS as NAMES } from "../backend/un_passes_webgpu.ts";

/** Whether the current backend runs UN's passes as kernels (registers them on first use). */
function onKernels(): boolean {
  return registerUNPassKernels(tf.getBackend());
}

/** What the forward keeps for the backward: `x` on kernels (z is recomputed), else `z = x/σ`. */
export interface UNSaved {
  /** `x` (kernels) or `z` (composite ops). */
  t: tf.Tensor;
  /** Whether `t` is `x`. */
  isInput: boolean;
}

/**
 * The batch's quadratic mean per channel, `mean over tokens of x²`, pad tokens (mask true) left
 * out.
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs-core";
 * import { initBackend } from "../backend/backend.ts";
 * import { unQuadraticMean } from "./un_passes.ts";
 * await initBackend("auto");
 * const q = unQuadraticMean(tf.tensor3d([[[1, 2], [3, 4]]]), tf.tensor2d([[false, true]]));
 * console.assert((await q.data()).join() === "1,4");
 * ```
 */
export function unQuadraticMean(x: tf.Tensor, mask?: tf.Tensor): tf.Tensor1D {
  if (!onKernels() || x.dtype !== "float32") return tokenMean(tf.square(x), mask);
  return tf.tidy(() => {
    const inputs: tf.NamedTensorMap = { x };
    if (mask) inputs.keep = tf.sub(1, tf.reshape(tf.cast(mask, "float32"), [-1]));
    return tf.engine().runKernel(NAMES.quadraticMean, inputs, {}) as tf.Tensor1D;
  });
}

/**
 * UN's training output `(x / σ)·γ + β` and what its backward keeps.
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs-core";
 * import { initBackend } from "../backend/backend.ts";
 * import { unOutput } from "./un_passes.ts";
 * await initBackend("auto");
 * const { y } = unOutput(tf.ones([2, 2]), tf.tensor1d([2, 4]), tf.ones([2]), tf.zeros([2]));
 * console.assert((await y.data()).join() === "0.5,0.25,0.5,0.25");
 * ```
 */
export function unOutput(
  x: tf.Tensor,
  denom: tf.Tensor,
  gamma: tf.Tensor,
  beta: tf.Tensor,
): { y: tf.Tensor; saved: UNSaved } {
  if (onKernels()) {
    const y = tf.engine().runKernel(NAMES.output, { x, denom, gamma, beta }, {}) as tf.Tensor;
    return { y, saved: { t: x, isInput: true } };
  }
  const z = tf.div(x, denom);
  return { y: tf.add(tf.mul(z, gamma), beta), saved: { t: z, isInput: false } };
}

/**
 * The backward's passes: `Σ dy·z` per channel (the gradient statistic's sum and, times the
 * ratio, γ's gradient) and then `dx = dy·scale − z·shift` from the state step's coefficients.
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs-core";
 * import { initBackend } from "../backend/backend.ts";
 * import { unBackwardPasses, unOutput } from "./un_passes.ts";
 * await initBackend("auto");
 * const { saved } = unOutput(tf.ones([2, 2]), tf.tensor1d([2, 4]), tf.ones([2]), tf.zeros([2]));
 * const { dyz, dx } = unBackwardPasses(tf.ones([2, 2]), saved, tf.tensor1d([2, 4]));
 * const d = dx(tf.ones([2]), tf.zeros([2]));
 * console.assert((await dyz.data()).join() === "1,0.5" && d.shape.join() === "2,2");
 * ```
 */
export function unBackwardPasses(
  dy: tf.Tensor,
  saved: UNSaved,
  denom: tf.Tensor,
): { dyz: tf.Tensor1D; dx: (scale: tf.Tensor, shift: tf.Tensor) => tf.Tensor } {
  if (saved.isInput && onKernels()) {
    const x = saved.t;
    return {
      dyz: tf.engine().runKernel(NAMES.gradientStatistic, { x, dy, denom }, {}) as tf.Tensor1D,
      dx: (scale, shift) =>
        tf.engine().runKernel(NAMES.dx, { x, dy, denom, scale, shift }, {}) as tf.Tensor,
    };
  }
  const z = saved.isInput ? tf.div(saved.t, denom) : saved.t;
  return {
    dyz: tokenSum(tf.mul(dy, z)),
    dx: (scale, shift) => tf.sub(tf.mul(dy, scale), tf.mul(z, shift)),
  };
}
