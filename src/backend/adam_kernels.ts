/**
 * The optimizer's packing and update as kernels where a backend has them: WebGPU
 * (`src/backend/adam_webgpu.ts`), where packing and unpacking are buffer copies and the update is
 * three programs — instead of a concat program per few parameters, ~15 elementwise programs and a
 * slice program per parameter. wasm and cpu keep the composite ops (training bit-identical).
 *
 * @module
 */
import * as tf from "../tf.ts";
import { adamStepWebGpu, packWebGpu, unpackWebGpu } from "./adam_webgpu.ts";
import type { AdamProgramSettings } from "./adam_webgpu.ts";

/** The packing kernel's registered name. */
export const PACK = "NormbenchPack";
/** The unpacking kernel's registered name. */
export const UNPACK = "NormbenchUnpack";
/** The update kernel's registered name. */
export const ADAM_STEP = "NormbenchAdamStep";

const KERNELS: Record<string, [string, tf.KernelFunc][]> = {
  webgpu: [
    [PACK, packWebGpu as unknown as tf.KernelFunc],
    [UNPACK, unpackWebGpu as unknown as tf.KernelFunc],
    [ADAM_STEP, adamStepWebGpu as unknown as tf.KernelFunc],
  ],
};
let enabled = true;

/**
 * Registers the three kernels for `backend` when it has them (WebGPU; idempotent); false
 * otherwise.
 *
 * @example
 * ```ts
 * import { registerAdamKernels } from "@normbench/normbench";
 * console.assert(!registerAdamKernels("wasm"));
 * ```
 */
export function registerAdamKernels(backend: string): boolean {
  const kernels = KERNELS[backend];
  if (!kernels) return false;
  for (const [kernelName, kernelFunc] of kernels) {
    if (!tf.getKernel(kernelName, backend)) {
      tf.registerKernel({ kernelName, backendName: backend, kernelFunc });
    }
  }
  return true;
}

/**
 * Whether the optimizer packs and updates through these kernels on the current backend
 * (WebGPU), unless turned off with {@linkcode setAdamKernels}.
 *
 * @example
 * ```ts
 * import { adamKernelsActive, initBackend } from "@normbench/normbench";
 * await initBackend("cpu");
 * console.assert(!adamKernelsActive()); // cpu keeps the composite ops
 * ```
 */
export function adamKernelsActive(): boolean {
  return enabled && registerAdamKernels(tf.getBackend());
}

/**
 * Turns the kernels on or off for every optimizer (default on); returns the previous setting.
 * Off, the optimizer runs its composite ops everywhere — the reference the kernels are tested
 * against.
 *
 * @example
 * ```ts
 * import { setAdamKernels } from "@normbench/normbench";
 * const before = setAdamKernels(false);
 * setAdamKernels(before);
 * ```
 */
export function setAdamKernels(on: boolean): boolean {
  const before = enabled;
  enabled = on;
  return before;
}

/**
 * The float32 tensors' values one after the other in one flat vector (a `tf.concat` of their
 * flattened forms). Needs {@linkcode adamKernelsActive}.
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs-core";
 * import { adamKernelsActive, initBackend, packTensors } from "@normbench/normbench";
 * await initBackend("auto");
 * if (adamKernelsActive()) {
 *   console.assert(packTensors([tf.ones([2, 3]), tf.zeros([4])]).shape[0] === 10);
 * }
 * ```
 */
export function packTensors(tensors: tf.Tensor[]): tf.Tensor1D {
  const inputs: tf.NamedTensorMap = {};
  tensors.forEach((t, i) => (inputs[`t${i}`] = t));
  return tf.engine().runKernel(PACK, inputs, {}) as tf.Tensor1D;
}

/**
 * A flat vector's consecutive pieces of `sizes` values, one flat tensor each (a `tf.split`).
 * Needs {@linkcode adamKernelsActive}.
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs-core";
 * import { adamKernelsActive, initBackend, unpackTensor } from "@normbench/normbench";
 * await initBackend("auto");
 * if (adamKernelsActive()) {
 *   const [a, b] = unpackTensor(tf.range(0, 5), [2, 3]);
 *   console.assert(a.size === 2 && b.size === 3);
 * }
 * ```
 */
export function unpackTensor(flat: tf.Tensor1D, sizes: number[]): tf.Tensor1D[] {
  return tf.engine().runKernel(UNPACK, { x: flat }, { sizes }) as unknown as tf.Tensor1D[];
}

/** The settings and the step's factors of {@linkcode adamStep}. */
export interface AdamStepAttrs extends Omit<AdamProgramSettings, "masked"> {
  /** lr/(1−β1ᵗ). */
  lrc: number;
  /** 1/√(1−β2ᵗ). */
  vc: number;
  /** lr·wd (adamw's decoupled decay). */
  lrwd: number;
}

/**
 * One Adam/AdamW update of flat parameters `p`, gradients `g` and moments `m`, `v` (decay only
 * where `mask` is 1, when given): the new `[p, m, v]`. Needs {@linkcode adamKernelsActive}.
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs-core";
 * import { adamKernelsActive, adamStep, initBackend } from "@normbench/normbench";
 * await initBackend("auto");
 * if (adamKernelsActive()) {
 *   const [one, zero] = [tf.tensor1d([1, 1, 1]), tf.tensor1d([0, 0, 0])];
 *   const [p] = adamStep(one, one, zero, zero, null, {
 *     kind: "adamw", beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0,
 *     lrc: 0.1 / 0.1, vc: 1 / Math.sqrt(0.001), lrwd: 0,
 *   });
 *   console.assert(Math.abs((await p.data())[0] - 0.9) < 1e-4);
 * }
 * ```
 */
export function adamStep(
  p: tf.Tensor1D,
  g: tf.Tensor1D,
  m: tf.Tensor1D,
  v: tf.Tensor1D,
  mask: tf.Tensor1D | null,
  attrs: AdamStepAttrs,
): [tf.Tensor1D, tf.Tensor1D, tf.Tensor1D] {
  const inputs: tf.NamedTensorMap = mask ? { p, g, m, v, mask } : { p, g, m, v };
  return tf.engine().runKernel(ADAM_STEP, inputs, attrs as unknown as tf.NamedAttrMap) as [
    tf.Tensor1D,
    tf.Tensor1D,
    tf.Tensor1D,
  ];
}
