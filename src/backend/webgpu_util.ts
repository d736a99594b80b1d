/**
 * Helpers shared by normbench's WGSL programs for tfjs-backend-webgpu: exact float constants,
 * a binding-use line for the pipeline's automatic layout, and flat views of tensors.
 *
 * @module
 */
import * as tf from "../tf.ts";

/**
 * `x` as an exact f32 WGSL expression: its float32 bits (a decimal literal might round
 * differently from tfjs's `Float32Array` uniforms). Not a constant expression in every WGSL
 * compiler (naga), so it goes in function bodies.
 *
 * @example
 * ```ts
 * import { f32Literal } from "./webgpu_util.ts";
 * console.assert(f32Literal(1) === "bitcast<f32>(0x3f800000u)");
 * ```
 */
export function f32Literal(x: number): string {
  const bits = new Uint32Array(Float32Array.of(x).buffer)[0];
  return `bitcast<f32>(0x${bits.toString(16)}u)`;
}

/**
 * An integer-valued `x` (exact in f32) as a WGSL float constant.
 *
 * @example
 * ```ts
 * import { floatLiteral } from "./webgpu_util.ts";
 * console.assert(floatLiteral(4000) === "4000.0");
 * ```
 */
export function floatLiteral(x: number): string {
  if (!Number.isInteger(x) || Math.abs(x) > 2 ** 24) {
    throw new RangeError(`${x} is not an integer that float32 holds exactly`);
  }
  return `${x}.0`;
}

/**
 * WGSL statements that use every input binding and the uniforms: a pipeline's automatic layout
 * leaves out the bindings a shader never touches, while tfjs binds every input (and the
 * uniforms) all the same — a program that skips one records nothing.
 *
 * @example
 * ```ts
 * import { touchBindings } from "./webgpu_util.ts";
 * console.assert(touchBindings(["x"]) === "_ = x[0]; _ = uniforms.NAN;");
 * ```
 */
export function touchBindings(variableNames: readonly string[]): string {
  return [...variableNames.map((v) => `_ = ${v}[0];`), "_ = uniforms.NAN;"].join(" ");
}

/**
 * `t` seen as a flat vector (metadata only: the same data).
 *
 * @example
 * ```ts
 * import { flatView } from "./webgpu_util.ts";
 * const v = flatView({ dataId: {}, shape: [2, 3], dtype: "float32" });
 * console.assert(v.shape.join() === "6");
 * ```
 */
export function flatView(t: tf.TensorInfo): tf.TensorInfo {
  return { dataId: t.dataId, shape: [t.shape.reduce((p, d) => p * d, 1)], dtype: t.dtype };
}

/**
 * GPU dispatches `fn` records on the current backend when it is WebGPU (each WGSL program run is
 * one `dispatchWorkgroups`; reshapes and CPU-forwarded kernels record none), else null. Unlike a
 * `tf.profile` kernel count it sees the programs a kernel runs internally (a reduction over a
 * leading axis is a transpose and a reduce).
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs-core";
 * import { initBackend } from "./backend.ts";
 * import { countWebGpuDispatches } from "./webgpu_util.ts";
 * const info = await initBackend("auto");
 * const x = tf.ones([4]);
 * await tf.ones([1]).data();
 * const n = await countWebGpuDispatches(async () => {
 *   tf.dispose(tf.add(x, 1)); // one elementwise program
 * });
 * console.assert(info.name === "webgpu" ? n === 1 : n === null);
 * ```
 */
export async function countWebGpuDispatches(fn: () => Promise<void>): Promise<number | null> {
  if (tf.getBackend() !== "webgpu") {
    await fn();
    return null;
  }
  const backend = tf.backend() as unknown as { runWebGPUProgram: (...a: unknown[]) => unknown };
  const own = Object.hasOwn(backend, "runWebGPUProgram");
  const original = backend.runWebGPUProgram;
  let count = 0;
  backend.runWebGPUProgram = function (this: unknown, ...a: unknown[]) {
    count++;
    return original.apply(this, a);
  };
  try {
    await fn();
  } finally {
    if (own) backend.runWebGPUProgram = original;
    else delete (backend as Partial<typeof backend>).runWebGPUProgram;
  }
  return count;
}
