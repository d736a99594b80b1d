/**
 * LayerNorm's training step as two kernels — forward (output and row statistics) and backward
 * (dx, dγ, dβ) — where a backend has them: WebGPU, whose WGSL programs
 * (`src/backend/layer_norm_train_webgpu.ts`) record 2 + 3 dispatches where the composite ops
 * record ~20 per layer and step. wasm and cpu keep the composite ops (their per-kernel cost is
 * JavaScript dispatch of a handful of full passes; measured there, LN is ~10% of an update).
 *
 * @module
 */
import * as tf from "../tf.ts";
import {
  layerNormTrainBackwardWebGpu,
  layerNormTrainForwardWebGpu,
} from "./layer_norm_train_webgpu.ts";

/** The forward kernel's registered name. */
export const LAYER_NORM_TRAIN_FORWARD = "NormbenchLayerNormTrainForward";
/** The backward kernel's registered name. */
export const LAYER_NORM_TRAIN_BACKWARD = "NormbenchLayerNormTrainBackward";

const KERNELS: Record<string, [tf.KernelFunc, tf.KernelFunc]> = {
  webgpu: [
    layerNormTrainForwardWebGpu as unknown as tf.KernelFunc,
    layerNormTrainBackwardWebGpu as unknown as tf.KernelFunc,
  ],
};
let enabled = true;

/**
 * Registers both kernels for `backend` when it has them (WebGPU; idempotent); false otherwise.
 *
 * @example
 * ```ts
 * import { registerLayerNormTrainKernels } from "@normbench/normbench";
 * console.assert(!registerLayerNormTrainKernels("cpu"));
 * ```
 */
export function registerLayerNormTrainKernels(backend: string): boolean {
  const pair = KERNELS[backend];
  if (!pair) return false;
  if (!tf.getKernel(LAYER_NORM_TRAIN_FORWARD, backend)) {
    tf.registerKernel({
      kernelName: LAYER_NORM_TRAIN_FORWARD,
      backendName: backend,
      kernelFunc: pair[0],
    });
    tf.registerKernel({
      kernelName: LAYER_NORM_TRAIN_BACKWARD,
      backendName: backend,
      kernelFunc: pair[1],
    });
  }
  return true;
}

/**
 * Whether LayerNorm trains through these kernels on the current backend (WebGPU), unless turned
 * off with {@linkcode setLayerNormTrainKernels}.
 *
 * @example
 * ```ts
 * import { initBackend, layerNormTrainKernelsActive } from "@normbench/normbench";
 * await initBackend("cpu");
 * console.assert(!layerNormTrainKernelsActive()); // cpu keeps the composite ops
 * ```
 */
export function layerNormTrainKernelsActive(): boolean {
  return enabled && registerLayerNormTrainKernels(tf.getBackend());
}

/**
 * Turns the kernels on or off for every LayerNorm (default on); returns the previous setting.
 * Off, LayerNorm trains through its composite ops everywhere — the reference the kernels are
 * tested against.
 *
 * @example
 * ```ts
 * import { setLayerNormTrainKernels } from "@normbench/normbench";
 * const before = setLayerNormTrainKernels(false);
 * setLayerNormTrainKernels(before);
 * ```
 */
export function setLayerNormTrainKernels(on: boolean): boolean {
  const before = enabled;
  enabled = on;
  return before;
}

/**
 * The forward kernel: `γ·(x − μ)/sqrt(σ² + ε) + β` over the last axis and the row statistics
 * `[rows, 2]` (μ, 1/sqrt(σ² + ε)) the backward reads. Needs {@linkcode layerNormTrainKernelsActive}.
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs-core";
 * import { initBackend, layerNormTrainForward, layerNormTrainKernelsActive } from "@normbench/normbench";
 * await initBackend("auto");
 * if (layerNormTrainKernelsActive()) {
 *   const x = tf.randomNormal([2, 8]);
 *   const { y, stats } = layerNormTrainForward(x, tf.ones([8]), tf.zeros([8]), 1e-5);
 *   console.assert(y.shape.join() === "2,8" && stats.shape.join() === "2,2");
 * }
 * ```
 */
export function layerNormTrainForward(
  x: tf.Tensor,
  gamma: tf.Tensor,
  beta: tf.Tensor,
  eps: number,
): { y: tf.Tensor; stats: tf.Tensor2D } {
  const [y, stats] = tf.engine().runKernel(
    LAYER_NORM_TRAIN_FORWARD,
    { x, gamma, beta },
    { eps },
  ) as [tf.Tensor, tf.Tensor2D];
  return { y, stats };
}

/**
 * The backward kernel: from the upstream gradient `dy`, the input `x`, the forward's `stats`
 * and γ, the gradients of x, γ and β (the composite formula of LayerNorm's written-out backward).
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs-core";
 * import {
 *   initBackend,
 *   layerNormTrainBackward,
 *   layerNormTrainForward,
 *   layerNormTrainKernelsActive,
 * } from "@normbench/normbench";
 * await initBackend("auto");
 * if (layerNormTrainKernelsActive()) {
 *   const x = tf.randomNormal([2, 8]);
 *   const { stats } = layerNormTrainForward(x, tf.ones([8]), tf.zeros([8]), 1e-5);
 *   const { dx, dBeta } = layerNormTrainBackward(tf.onesLike(x), x, stats, tf.ones([8]));
 *   console.assert(dx.shape.join() === "2,8" && (await dBeta.data())[0] === 2);
 * }
 * ```
 */
export function layerNormTrainBackward(
  dy: tf.Tensor,
  x: tf.Tensor,
  stats: tf.Tensor,
  gamma: tf.Tensor,
): { dx: tf.Tensor; dGamma: tf.Tensor1D; dBeta: tf.Tensor1D } {
  const [dx, dGamma, dBeta] = tf.engine().runKernel(
    LAYER_NORM_TRAIN_BACKWARD,
    { dy, x, stats, gamma },
    {},
  ) as [tf.Tensor, tf.Tensor1D, tf.Tensor1D];
  return { dx, dGamma, dBeta };
}
