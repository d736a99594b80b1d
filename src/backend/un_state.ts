/**
 * UN's per-channel state step as one kernel each way, on wasm, cpu and WebGPU. A UN layer's
 * training step does a few full passes over the activations and ~50 tiny ops on `[C]` and
 * `[W, C]` tensors (the window buffer, the slot, the warm-up and skip flags, the running
 * statistics, the compensation ratio) — and a tiny op costs its dispatch (JavaScript on wasm and
 * cpu, a GPU dispatch on WebGPU), not its arithmetic. These two kernels do that bookkeeping in
 * one loop over the channels: the forward one from the batch's quadratic mean, the backward one
 * from `Σ dy·z`. The rules are those of `UnifiedNorm` (the composite path is the reference; a
 * test holds the two together); WebGPU's WGSL programs are in `src/backend/un_state_webgpu.ts`.
 *
 * @module
 */
import * as tf from "../tf.ts";
import { unBackwardStateWebGpu, unForwardStateWebGpu } from "./un_state_webgpu.ts";
import type { UNBackwardAttrs, UNForwardAttrs } from "./un_state_attrs.ts";

export type { UNBackwardAttrs, UNForwardAttrs } from "./un_state_attrs.ts";

/** The forward state kernel's registered name. */
export const UN_FORWARD_STATE = "NormbenchUNForwardState";
/** The backward state kernel's registered name. */
export const UN_BACKWARD_STATE = "NormbenchUNBackwardState";

/** Layout of the `flags` output: step t, exact statistic (0/1), skip step (0/1), slot. */
const T = 0, EXACT = 1, SKIP = 2, SLOT = 3;

/**
 * The forward state step on plain arrays (see `UnifiedNorm` for each rule): from the batch's
 * quadratic mean `q` and the state, the denominator, the compensation ratio, the new state and
 * the flags the backward needs.
 */
function forwardStep(
  q: Float32Array,
  runningVar: Float32Array,
  bufX2: Float32Array,
  iters: number,
  skipCount: number,
  a: UNForwardAttrs,
) {
  const c = q.length;
  const w = a.window;
  const t = iters + 1;
  const slot = t % w;
  const buffer = Float32Array.from(bufX2);
  buffer.set(q, slot * c);
  let outlier = false;
  if (a.outlierFiltration) {
    // unbiased variance of sqrt(old buffer), all W·C values
    const n = w * c;
    let mean = 0;
    for (let i = 0; i < n; i++) mean += Math.fround(Math.sqrt(bufX2[i]));
    mean /= n;
    let ss = 0;
    for (let i = 0; i < n; i++) {
      const d = Math.fround(Math.sqrt(bufX2[i])) - mean;
      ss += d * d;
    }
    const variance = ss / (n - 1);
    let any = false;
    for (let j = 0; j < c && !any; j++) {
      let am = 0;
      let lg = 0;
      for (let r = 0; r < w; r++) {
        am += buffer[r * c + j];
        lg += Math.log(buffer[r * c + j]);
      }
      any = am / w - Math.exp(lg / w) > variance * w;
    }
    outlier = t >= a.warmup && any;
    if (outlier) buffer.set(runningVar, slot * c);
  }
  const skip = w <= 1 ? true : outlier;
  const exact = t <= w || t < a.warmup || skip;
  const noCompensation = t <= a.start || skip;
  const m = a.momentum;
  const denom = new Float32Array(c);
  const ratio = new Float32Array(c);
  const newRunningVar = new Float32Array(c);
  for (let j = 0; j < c; j++) {
    let sigma2 = q[j];
    if (!exact) {
      let lg = 0;
      for (let r = 0; r < w; r++) lg += Math.log(buffer[r * c + j]);
      sigma2 = Math.fround(Math.exp(lg / w));
    }
    denom[j] = Math.sqrt(sigma2 + a.eps);
    const raw = denom[j] / Math.sqrt(runningVar[j] + a.eps);
    ratio[j] = noCompensation ? 1 : Math.min(5, Math.max(0.2, raw));
    newRunningVar[j] = runningVar[j] * m + sigma2 * (1 - m);
  }
  const flags = Float32Array.of(t, exact ? 1 : 0, skip ? 1 : 0, slot);
  return { denom, ratio, buffer, newRunningVar, skipCount: skipCount + (outlier ? 1 : 0), flags };
}

/** The backward state step on plain arrays: the coefficients of dx and the new state. */
function backwardStep(
  dyz: Float32Array,
  ratio: Float32Array,
  gamma: Float32Array,
  denom: Float32Array,
  bufGz: Float32Array,
  emaGz: Float32Array,
  flags: Float32Array,
  a: UNBackwardAttrs,
) {
  const c = dyz.length;
  const wb = a.windowBackward;
  const t = flags[T];
  const skip = flags[SKIP] === 1;
  const same = wb === a.window;
  const slot = same ? flags[SLOT] : t % wb;
  const exact = same ? flags[EXACT] === 1 : t <= wb || t < a.warmup || skip;
  const m = a.momentum;
  const buffer = Float32Array.from(bufGz);
  const scale = new Float32Array(c);
  const shift = new Float32Array(c);
  const ema = new Float32Array(c);
  const dGamma = new Float32Array(c);
  // mean over tokens of ĝ·z, ĝ = dy·r·γ: r·γ·Σ(dy·z) / tokens
  const gz = new Float32Array(c);
  for (let j = 0; j < c; j++) {
    gz[j] = (ratio[j] * gamma[j] * dyz[j]) / a.tokens;
    buffer[slot * c + j] = skip ? emaGz[j] : gz[j];
  }
  for (let j = 0; j < c; j++) {
    let gBar = gz[j];
    if (!exact) {
      let s = 0;
      for (let r = 0; r < wb; r++) s += buffer[r * c + j];
      gBar = Math.fround(s / wb);
    }
    ema[j] = emaGz[j] * m + gBar * (1 - m);
    const psi = skip ? gBar : ema[j];
    // dx = (ĝ − Ψ·z) / σ = dy·(r·γ/σ) − z·(Ψ/σ)
    scale[j] = (ratio[j] * gamma[j]) / denom[j];
    shift[j] = psi / denom[j];
    dGamma[j] = dyz[j] * ratio[j];
  }
  return { scale, shift, buffer, ema, dGamma };
}

/** Reads float32 inputs and writes outputs on one backend. */
interface ArrayIO {
  read(t: tf.TensorInfo): Float32Array;
  write(shape: number[], values: Float32Array): tf.TensorInfo;
}

interface KernelArgs {
  inputs: tf.NamedTensorInfoMap;
  backend: unknown;
  attrs?: tf.NamedAttrMap;
}

function arrayIO(backendName: string, backend: unknown): ArrayIO {
  if (backendName === "wasm") {
    const b = backend as {
      makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
      typedArrayFromHeap(t: tf.TensorInfo): Float32Array;
    };
    return {
      // a copy: an allocation can grow (and detach) the heap under a view
      read: (t) => Float32Array.from(b.typedArrayFromHeap(t)),
      write: (shape, values) => {
        const out = b.makeOutput(shape, "float32");
        b.typedArrayFromHeap(out).set(values);
        return out;
      },
    };
  }
  const b = backend as {
    data: { get(dataId: object): { values: unknown } };
    makeTensorInfo(shape: number[], dtype: tf.DataType, values?: Float32Array): tf.TensorInfo;
  };
  return {
    read: (t) => b.data.get(t.dataId).values as Float32Array,
    write: (shape, values) => b.makeTensorInfo(shape, "float32", values),
  };
}

/** A state step: reads its inputs by name, returns its outputs as (shape, values) in order. */
type Step = (read: (input: string) => Float32Array, attrs: tf.NamedAttrMap) => [
  number[],
  Float32Array,
][];

/** The kernel function of `step` on `backendName` (every input is read before any output). */
function kernelOn(backendName: string, step: Step): tf.KernelFunc {
  return ((args: KernelArgs): tf.TensorInfo[] => {
    const io = arrayIO(backendName, args.backend);
    const inputs = args.inputs as Record<string, tf.TensorInfo>;
    const outputs = step((name) => io.read(inputs[name]), args.attrs ?? {});
    return outputs.map(([shape, values]) => io.write(shape, values));
  }) as unknown as tf.KernelFunc;
}

const forwardOutputs: Step = (read, attrs) => {
  const a = attrs as unknown as UNForwardAttrs;
  const s = forwardStep(
    read("q"),
    read("runningVar"),
    read("bufX2"),
    read("iters")[0],
    read("skipCount")[0],
    a,
  );
  const c = s.denom.length;
  return [
    [[c], s.denom],
    [[c], s.ratio],
    [[a.window, c], s.buffer],
    [[c], s.newRunningVar],
    [[], Float32Array.of(s.flags[T])],
    [[], Float32Array.of(s.skipCount)],
    [[4], s.flags],
  ];
};

const backwardOutputs: Step = (read, attrs) => {
  const a = attrs as unknown as UNBackwardAttrs;
  const names = ["dyz", "ratio", "gamma", "denom", "bufGz", "emaGz", "flags"] as const;
  const [dyz, ratio, gamma, denom, bufGz, emaGz, flags] = names.map(read);
  const s = backwardStep(dyz, ratio, gamma, denom, bufGz, emaGz, flags, a);
  const c = s.scale.length;
  return [
    [[c], s.scale],
    [[c], s.shift],
    [[a.windowBackward, c], s.buffer],
    [[c], s.ema],
    [[c], s.dGamma],
  ];
};

const BACKENDS = ["wasm", "cpu", "webgpu"];
let enabled = true;

/**
 * Registers both state kernels for `backend` when it is wasm, cpu or webgpu (idempotent); false
 * on any other backend. WebGPU runs the WGSL programs of `src/backend/un_state_webgpu.ts` (no
 * read-back: the step stays on the queue).
 *
 * @example
 * ```ts
 * import { registerUNStateKernels } from "@normbench/normbench";
 * console.assert(registerUNStateKernels("cpu") && !registerUNStateKernels("webgl"));
 * ```
 */
export function registerUNStateKernels(backend: string): boolean {
  if (!BACKENDS.includes(backend)) return false;
  if (!tf.getKernel(UN_FORWARD_STATE, backend)) {
    const webgpu = backend === "webgpu";
    tf.registerKernel({
      kernelName: UN_FORWARD_STATE,
      backendName: backend,
      kernelFunc: webgpu
        ? unForwardStateWebGpu as unknown as tf.KernelFunc
        : kernelOn(backend, forwardOutputs),
    });
    tf.registerKernel({
      kernelName: UN_BACKWARD_STATE,
      backendName: backend,
      kernelFunc: webgpu
        ? unBackwardStateWebGpu as unknown as tf.KernelFunc
        : kernelOn(backend, backwardOutputs),
    });
  }
  return true;
}

/**
 * Whether UN layers use the state kernels on the current backend: wasm, cpu and webgpu, unless
 * turned off with {@linkcode setUNStateKernels} (to compare with the composite ops).
 *
 * @example
 * ```ts
 * import { initBackend, unStateKernelsActive } from "@normbench/normbench";
 * await initBackend("cpu");
 * console.assert(unStateKernelsActive());
 * ```
 */
export function unStateKernelsActive(): boolean {
  return enabled && registerUNStateKernels(tf.getBackend());
}

/**
 * Turns the state kernels on or off for every UN layer (default on); returns the previous
 * setting. Off, UN runs its composite ops everywhere — the reference the kernels are tested
 * against.
 *
 * @example
 * ```ts
 * import { setUNStateKernels } from "@normbench/normbench";
 * const before = setUNStateKernels(false);
 * setUNStateKernels(before);
 * ```
 */
export function setUNStateKernels(on: boolean): boolean {
  const before = enabled;
  enabled = on;
  return before;
}

/** The forward state step's outputs as tensors. */
export interface UNForwardState {
  /** sqrt(σ² + ε) per channel. */
  denom: tf.Tensor1D;
  /** The compensation ratio per channel (1 when off). */
  ratio: tf.Tensor1D;
  /** The new window buffer [W, C]. */
  buffer: tf.Tensor2D;
  /** The new running statistic. */
  runningVar: tf.Tensor1D;
  /** The new step counter. */
  iters: tf.Scalar;
  /** The new count of skipped steps. */
  skipCount: tf.Scalar;
  /** [t, exact, skip, slot] for the backward. */
  flags: tf.Tensor1D;
}

/**
 * Runs the forward state step (see {@linkcode UN_FORWARD_STATE}).
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs-core";
 * import { initBackend, unForwardState } from "@normbench/normbench";
 * await initBackend("cpu");
 * const s = unForwardState(
 *   { q: tf.ones([3]), runningVar: tf.ones([3]), bufX2: tf.zeros([4, 3]), iters: tf.scalar(0), skipCount: tf.scalar(0) },
 *   { window: 4, warmup: 10, momentum: 0.9, eps: 1e-5, start: 10, outlierFiltration: false },
 * );
 * console.assert((await s.iters.data())[0] === 1 && s.buffer.shape.join() === "4,3");
 * ```
 */
export function unForwardState(
  inputs: {
    q: tf.Tensor;
    runningVar: tf.Tensor;
    bufX2: tf.Tensor;
    iters: tf.Tensor;
    skipCount: tf.Tensor;
  },
  attrs: UNForwardAttrs,
): UNForwardState {
  const [denom, ratio, buffer, runningVar, iters, skipCount, flags] = tf.engine().runKernel(
    UN_FORWARD_STATE,
    inputs as unknown as tf.NamedTensorMap,
    attrs as unknown as tf.NamedAttrMap,
  ) as [tf.Tensor1D, tf.Tensor1D, tf.Tensor2D, tf.Tensor1D, tf.Scalar, tf.Scalar, tf.Tensor1D];
  return { denom, ratio, buffer, runningVar, iters, skipCount, flags };
}

/** The backward state step's outputs as tensors. */
export interface UNBackwardState {
  /** dx = dy·scale − z·shift: r·γ/σ per channel. */
  scale: tf.Tensor1D;
  /** Ψ/σ per channel. */
  shift: tf.Tensor1D;
  /** The new gradient window [Wb, C]. */
  buffer: tf.Tensor2D;
  /** The new Ψ. */
  ema: tf.Tensor1D;
  /** The gradient of γ. */
  dGamma: tf.Tensor1D;
}

/**
 * Runs the backward state step (see {@linkcode UN_BACKWARD_STATE}) from `dyz` = Σ over tokens
 * of dy·z.
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs-core";
 * import { initBackend, unBackwardState } from "@normbench/normbench";
 * await initBackend("cpu");
 * const s = unBackwardState(
 *   { dyz: tf.ones([3]), ratio: tf.ones([3]), gamma: tf.ones([3]), denom: tf.ones([3]),
 *     bufGz: tf.zeros([4, 3]), emaGz: tf.zeros([3]), flags: tf.tensor1d([1, 1, 0, 1]) },
 *   { windowBackward: 4, window: 4, warmup: 10, momentum: 0.9, tokens: 2 },
 * );
 * console.assert((await s.dGamma.data())[0] === 1 && s.buffer.shape.join() === "4,3");
 * ```
 */
export function unBackwardState(
  inputs: {
    dyz: tf.Tensor;
    ratio: tf.Tensor;
    gamma: tf.Tensor;
    denom: tf.Tensor;
    bufGz: tf.Tensor;
    emaGz: tf.Tensor;
    flags: tf.Tensor;
  },
  attrs: UNBackwardAttrs,
): UNBackwardState {
  const [scale, shift, buffer, ema, dGamma] = tf.engine().runKernel(
    UN_BACKWARD_STATE,
    inputs as unknown as tf.NamedTensorMap,
    attrs as unknown as tf.NamedAttrMap,
  ) as [tf.Tensor1D, tf.Tensor1D, tf.Tensor2D, tf.Tensor1D, tf.Tensor1D];
  return { scale, shift, buffer, ema, dGamma };
}
