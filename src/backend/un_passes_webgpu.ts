/**
 * UN's passes over the activations on WebGPU, one WGSL program each: the batch's quadratic mean
 * per channel (a column reduction of x², pad rows left out), the output `(x / σ)·γ + β`, the
 * gradient statistic `Σ dy·x/σ` (a column reduction) and `dx = dy·scale − (x/σ)·shift`. The
 * composite ops take 3, 3, 2 and 3 dispatches (and save `z = x/σ` for the backward; here it is
 * recomputed from `x`, which the backward holds anyway).
 *
 * @module
 */
import * as tf from "../tf.ts";
import type { WebGPUBackend } from "@tensorflow/tfjs-backend-webgpu";
import { ColumnReductionProgram, FlatProgram, flatView, touchBindings } from "./webgpu_util.ts";

/** The quadratic mean per channel: Σ x²·keep / max(Σ keep, 1) over rows (keep: 1 − pad). */
function quadraticMeanProgram(cols: number, masked: boolean): ColumnReductionProgram {
  return new ColumnReductionProgram(masked ? "unQMasked" : "unQ", {
    cols,
    variables: masked ? ["x", "keep"] : ["x"],
    rows: "uniforms.xShape / C",
    term: masked ? "x[i] * x[i] * keep[row]" : "x[i] * x[i]",
    count: masked ? "keep[row]" : undefined,
    finish: masked ? (sum, count) => `${sum} / max(${count}, 1.0)` : (sum) => `${sum} / f32(rows)`,
  });
}

/** Σ over rows of dy·(x / σ) per channel. */
function gradientStatisticProgram(cols: number): ColumnReductionProgram {
  return new ColumnReductionProgram("unDyz", {
    cols,
    variables: ["x", "dy", "denom"],
    rows: "uniforms.xShape / C",
    term: "dy[i] * (x[i] / denom[col])",
  });
}

/** Elementwise over `[rows, C]`: `(x / σ)·γ + β`, or `dy·scale − (x / σ)·shift` with `dx`. */
export class UNElementwiseProgram extends FlatProgram {
  variableNames: string[];
  override size = true;
  #cols: number;
  #dx: boolean;

  /** For `n` values of `cols` channels; the backward's dx when `dx`. */
  constructor(n: number, cols: number, dx: boolean) {
    super(n, Math.ceil(n / 256), [256, 1], `normbenchUN${dx ? "Dx" : "Out"}_${cols}`);
    this.variableNames = dx
      ? ["x", "dy", "denom", "scale", "shift"]
      : ["x", "denom", "gamma", "beta"];
    this.#cols = cols;
    this.#dx = dx;
  }

  getUserCode(): string {
    const value = this.#dx
      ? "dy[index] * scale[c] - (x[index] / denom[c]) * shift[c]"
      : "(x[index] / denom[c]) * gamma[c] + beta[c]";
    return `
    const C = ${this.#cols};
    fn main(index : i32) {
      ${touchBindings(this.variableNames)}
      if (index < uniforms.size) {
        let c = index % C;
        result[index] = ${value};
      }
    }`;
  }
}

interface KernelArgs {
  inputs: tf.NamedTensorInfoMap;
  backend: unknown;
}

function channelsOf(x: tf.TensorInfo): number {
  return x.shape[x.shape.length - 1];
}

/** Kernel: inputs x [..., C] and optionally keep [rows] → q [C]. */
export function unQuadraticMeanWebGpu(args: KernelArgs): tf.TensorInfo {
  const { x, keep } = args.inputs as Record<string, tf.TensorInfo>;
  const program = quadraticMeanProgram(channelsOf(x), keep !== undefined);
  const inputs = keep ? [flatView(x), flatView(keep)] : [flatView(x)];
  return (args.backend as WebGPUBackend).runWebGPUProgram(program, inputs, "float32");
}

/** Kernel: inputs x, dy [..., C], denom [C] → Σ dy·x/σ [C]. */
export function unGradientStatisticWebGpu(args: KernelArgs): tf.TensorInfo {
  const { x, dy, denom } = args.inputs as Record<string, tf.TensorInfo>;
  return (args.backend as WebGPUBackend).runWebGPUProgram(
    gradientStatisticProgram(channelsOf(x)),
    [flatView(x), flatView(dy), denom],
    "float32",
  );
}

/** Kernel: inputs x, denom, gamma, beta → y (x's shape). */
export function unOutputWebGpu(args: KernelArgs): tf.TensorInfo {
  const { x, denom, gamma, beta } = args.inputs as Record<string, tf.TensorInfo>;
  const n = x.shape.reduce((p, d) => p * d, 1);
  const out = (args.backend as WebGPUBackend).runWebGPUProgram(
    new UNElementwiseProgram(n, channelsOf(x), false),
    [flatView(x), denom, gamma, beta],
    "float32",
  );
  return { dataId: out.dataId, shape: x.shape, dtype: "float32" };
}

/** Kernel: inputs x, dy, denom, scale, shift → dx (x's shape). */
export function unDxWebGpu(args: KernelArgs): tf.TensorInfo {
  const { x, dy, denom, scale, shift } = args.inputs as Record<string, tf.TensorInfo>;
  const n = x.shape.reduce((p, d) => p * d, 1);
  const out = (args.backend as WebGPUBackend).runWebGPUProgram(
    new UNElementwiseProgram(n, channelsOf(x), true),
    [flatView(x), flatView(dy), denom, scale, shift],
    "float32",
  );
  return { dataId: out.dataId, shape: x.shape, dtype: "float32" };
}

/** The registered names of UN's pass kernels. */
export const UN_PASS_KERNELS = {
  quadraticMean: "NormbenchUNQuadraticMean",
  gradientStatistic: "NormbenchUNGradientStatistic",
  output: "NormbenchUNOutput",
  dx: "NormbenchUNDx",
} as const;

const FUNCS: Record<keyof typeof UN_PASS_KERNELS, unknown> = {
  quadraticMean: unQuadraticMeanWebGpu,
  gradientStatistic: unGradientStatisticWebGpu,
  output: unOutputWebGpu,
  dx: unDxWebGpu,
};

/**
 * Registers UN's pass kernels for `backend` when it is webgpu (idempotent); false otherwise.
 *
 * @example
 * ```ts
 * import { registerUNPassKernels } from "./un_passes_webgpu.ts";
 * console.assert(!registerUNPassKernels("wasm"));
 * ```
 */
export function registerUNPassKernels(backend: string): boolean {
  if (backend !== "webgpu") return false;
  for (const [key, kernelName] of Object.entries(UN_PASS_KERNELS)) {
    if (!tf.getKernel(kernelName, backend)) {
      tf.registerKernel({
        kernelName,
        backendName: backend,
        kernelFunc: FUNCS[key as keyof typeof UN_PASS_KERNELS] as tf.KernelFunc,
      });
    }
  }
  return true;
}
