/**
 * Kernels some backends lack or run slowly, registered on demand (see `registerMissingKernels`):
 * on wasm, `UnsortedSegmentSum` (the gradient of `gather`), `Conv2DBackpropFilter` (the filter
 * gradient of `conv2d`), copy-free `Slice`/`SplitV`/`Identity`, run-copying `GatherV2`/`Reverse`,
 * a tiled 2-D `Transpose` and a SIMD batched product (`src/backend/wasm_module.ts`); on WebGPU,
 * a one-dispatch column sum (`src/backend/column_sum_webgpu.ts`); on every
 * backend, the fused LayerNorm of `src/backend/fused_layer_norm.ts`; on wasm, cpu and webgpu, UN's
 * state kernels (`src/backend/un_state.ts`).
 *
 * @module
 */
import * as tf from "../tf.ts";
import type { BackendName } from "./names.ts";
import { registerFusedLayerNorm } from "./fused_layer_norm.ts";
import { registerUNStateKernels } from "./un_state.ts";
import { columnSumWebGpu } from "./column_sum_webgpu.ts";
import { unsortedSegmentSumWasm } from "./segment_sum.ts";
import { conv2dBackpropFilterWasm } from "./conv_filter_grad_wasm.ts";
import { gatherV2Wasm, identityWasm, reverseWasm, sliceWasm, splitVWasm } from "./slice_wasm.ts";
import {
  registerSimdMatMul,
  SIMD_BATCH_MATMUL,
  SIMD_COLUMN_SUM,
  tiledTranspose,
} from "./wasm_module.ts";

const done = new Set<BackendName>();

/**
 * Registers the kernels normbench needs that `backend` does not ship. Idempotent.
 *
 * @example
 * ```ts
 * import { registerMissingKernels } from "./kernels.ts";
 * registerMissingKernels("wasm");
 * ```
 */
export function registerMissingKernels(backend: BackendName): void {
  if (done.has(backend)) return;
  done.add(backend);
  registerFusedLayerNorm(backend);
  registerUNStateKernels(backend);
  if (backend === "webgpu" && !tf.getKernel(SIMD_COLUMN_SUM, "webgpu")) {
    // Σ over rows in one dispatch (tfjs-webgpu transposes first to reduce axis 0).
    tf.registerKernel({
      kernelName: SIMD_COLUMN_SUM,
      backendName: "webgpu",
      kernelFunc: columnSumWebGpu as unknown as tf.KernelFunc,
    });
  }
  if (backend === "wasm" && !tf.getKernel("UnsortedSegmentSum", "wasm")) {
    // The gradient of tf.gather (token embeddings).
    tf.registerKernel({
      kernelName: "UnsortedSegmentSum",
      backendName: "wasm",
      kernelFunc: unsortedSegmentSumWasm as unknown as tf.KernelFunc,
    });
  }
  if (backend === "wasm" && !tf.getKernel("Conv2DBackpropFilter", "wasm")) {
    // The filter gradient of tf.conv2d (convolutions train on wasm).
    tf.registerKernel({
      kernelName: "Conv2DBackpropFilter",
      backendName: "wasm",
      kernelFunc: conv2dBackpropFilterWasm as unknown as tf.KernelFunc,
    });
  }
  if (backend === "wasm") {
    // tfjs-wasm 4.22's Slice/SplitV copy their whole input once per output (readSync).
    replaceKernel("Slice", "wasm", sliceWasm as unknown as tf.KernelFunc);
    replaceKernel("SplitV", "wasm", splitVWasm as unknown as tf.KernelFunc);
    replaceKernel("Identity", "wasm", identityWasm as unknown as tf.KernelFunc);
    // tfjs-wasm 4.22's GatherV2/Reverse index every element (~30–40 ns each).
    replaceKernel("GatherV2", "wasm", gatherV2Wasm as unknown as tf.KernelFunc);
    replaceKernel("Reverse", "wasm", reverseWasm as unknown as tf.KernelFunc);
    simdMatMul = registerSimdMatMul();
    const transpose = tf.getKernel("Transpose", "wasm");
    if (simdMatMul && transpose) {
      replaceKernel("Transpose", "wasm", tiledTranspose(transpose.kernelFunc));
    }
  }
}

/** Replaces a backend's kernel (tfjs would warn on a plain re-registration). */
function replaceKernel(kernelName: string, backendName: string, kernelFunc: tf.KernelFunc): void {
  const old = tf.getKernel(kernelName, backendName);
  if (old) tf.unregisterKernel(kernelName, backendName);
  tf.registerKernel({ ...old, kernelName, backendName, kernelFunc });
}

let simdMatMul = false;

/**
 * A batched product `a·b` (`[…, M, K]·[…, K, N]`, same leading shape; with `transposeA`, `a` is
 * `[…, K, M]` and the product is `aᵀ·b`) on a faster kernel than the backend's own, or `null`
 * when there is none for the current backend.
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs-core";
 * import { initBackend } from "./backend.ts";
 * import { batchMatMulKernel } from "./kernels.ts";
 * await initBackend("wasm");
 * const c = batchMatMulKernel(tf.ones([2, 3, 4]), tf.ones([2, 4, 5])) ?? tf.zeros([2, 3, 5]);
 * console.assert(c.shape.join() === "2,3,5");
 * ```
 */
export function batchMatMulKernel(
  a: tf.Tensor,
  b: tf.Tensor,
  transposeA = false,
): tf.Tensor | null {
  // 2-D products stay on XNNPACK; the SIMD kernel is for batched ones (attention).
  if (!simdMatMul || a.rank < 3 || tf.getBackend() !== "wasm") return null;
  if (a.dtype !== "float32" || b.dtype !== "float32" || a.rank !== b.rank) return null;
  if (a.shape.slice(0, -2).some((d, i) => d !== b.shape[i])) return null;
  if (a.shape[a.rank - (transposeA ? 2 : 1)] !== b.shape[b.rank - 2]) return null;
  return tf.engine().runKernel(SIMD_BATCH_MATMUL, { a, b }, { transposeA }) as tf.Tensor;
}

/**
 * `Σ_rows x` for a 2-D float32 `x` `[R, C]` → `[C]`, on normbench's SIMD kernel on wasm, its
 * one-dispatch WGSL program on WebGPU (`src/backend/column_sum_webgpu.ts`) and on `tf.sum(x, 0)`
 * elsewhere. Not differentiable by itself (see `sumRows` in the norms and
 * `linear`, which give it a gradient).
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs-core";
 * import { initBackend } from "./backend.ts";
 * import { columnSum } from "./kernels.ts";
 * await initBackend("wasm");
 * console.assert(columnSum(tf.ones([3, 2]) as tf.Tensor2D).shape[0] === 2);
 * ```
 */
export function columnSum(x: tf.Tensor2D): tf.Tensor1D {
  const backend = tf.getBackend();
  if (
    x.dtype === "float32" &&
    ((simdMatMul && backend === "wasm") || (backend === "webgpu" && x.shape[0] > 0))
  ) {
    return tf.engine().runKernel(SIMD_COLUMN_SUM, { x }, {}) as tf.Tensor1D;
  }
  return tf.sum(x, 0);
}
