/**
 * A fused LayerNorm op: `γ·(x − μ)/sqrt(σ² + ε) + β` over the last axis as ONE registered kernel
 * per backend — a WGSL program on WebGPU, a WebAssembly SIMD function on wasm, a plain loop on
 * cpu — instead of the ~9 kernels tfjs records for the same formula written with its ops. It is
 * the strong LayerNorm baseline of the efficiency suite: what a tuned runtime would ship.
 * Inference only (no gradient is registered).
 *
 * @module
 */
import * as tf from "../tf.ts";
import type { BackendName } from "./names.ts";
import { layerNormCpu } from "./layer_norm_cpu.ts";
import { layerNormModule, layerNormWasm } from "./layer_norm_wasm.ts";
import { layerNormWebGpu } from "./layer_norm_webgpu.ts";
import { UsageError } from "../util/errors.ts";

/**
 * The fused LayerNorm's registered kernel name.
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs-core";
 * import { FUSED_LAYER_NORM, initBackend } from "@normbench/normbench";
 * await initBackend("wasm");
 * console.assert(tf.getKernel(FUSED_LAYER_NORM, "wasm") !== undefined);
 * ```
 */
export const FUSED_LAYER_NORM = "NormbenchLayerNorm";

const KERNELS: Record<BackendName, tf.KernelFunc> = {
  cpu: layerNormCpu as unknown as tf.KernelFunc,
  wasm: layerNormWasm as unknown as tf.KernelFunc,
  webgpu: layerNormWebGpu as unknown as tf.KernelFunc,
};

/**
 * Registers the fused LayerNorm kernel for `backend` (idempotent). Returns false when the
 * backend has none (an unknown backend, or wasm without WebAssembly SIMD).
 *
 * @example
 * ```ts
 * import { registerFusedLayerNorm } from "@normbench/normbench";
 * console.assert(registerFusedLayerNorm("cpu"));
 * ```
 */
export function registerFusedLayerNorm(backend: string): boolean {
  if (tf.getKernel(FUSED_LAYER_NORM, backend)) return true;
  if (!Object.hasOwn(KERNELS, backend)) return false;
  if (backend === "wasm" && !WebAssembly.validate(layerNormModule() as BufferSource)) return false;
  tf.registerKernel({
    kernelName: FUSED_LAYER_NORM,
    backendName: backend,
    kernelFunc: KERNELS[backend as BackendName],
  });
  return true;
}

/**
 * LayerNorm over the last axis of `x` as one fused kernel on the current backend:
 * `γ·(x − μ)/sqrt(σ² + eps) + β` with the token mean μ and biased variance σ². `gamma` and
 * `beta` have the length of the last axis. Inference only: it has no gradient.
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs-core";
 * import { fusedLayerNorm, initBackend } from "@normbench/normbench";
 * await initBackend("wasm");
 * const y = fusedLayerNorm(tf.randomNormal([2, 3, 8]), tf.ones([8]), tf.zeros([8]), 1e-5);
 * console.assert(y.shape.join() === "2,3,8");
 * ```
 */
export function fusedLayerNorm(
  x: tf.Tensor,
  gamma: tf.Tensor,
  beta: tf.Tensor,
  eps: number,
): tf.Tensor {
  const c = x.shape[x.rank - 1];
  if (x.rank < 1 || c === 0 || gamma.size !== c || beta.size !== c) {
    throw new UsageError(
      `fused LayerNorm: γ and β need ${c} values (the last axis of [${x.shape.join(", ")}]), ` +
        `got ${gamma.size} and ${beta.size}`,
    );
  }
  if (x.dtype !== "float32" || gamma.dtype !== "float32" || beta.dtype !== "float32") {
    throw new UsageError("fused LayerNorm works on float32 tensors");
  }
  const backend = tf.getBackend();
  if (!registerFusedLayerNorm(backend)) {
    throw new UsageError(
      `fused LayerNorm has no kernel for backend '${backend}'`,
      "use webgpu, wasm (with WebAssembly SIMD) or cpu",
    );
  }
  return tf.engine().runKernel(FUSED_LAYER_NORM, { x, gamma, beta }, { eps }) as tf.Tensor;
}
