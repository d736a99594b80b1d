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
import type { WebGPUBackend, WebGPUProgram } from "@tensorflow/tfjs-backend-webgpu";
import { flatView, touchBindings } from "./webgpu_util.ts";

abstract class Program implements WebGPUProgram {
  abstract variableNames: string[];
  outputShape: number[];
  shaderKey: string;
  dispatchLayout: { x: number[] } = { x: [0] };
  dispatch: [number, number, number];
  workgroupSize: [number, number, number];
  size?: boolean;

  constructor(size: number, workgroups: number, threads: [number, number], key: string) {
    this.outputShape = [size];
    this.dispatch = [workgroups, 1, 1];
    this.workgroupSize = [threads[0], threads[1], 1];
    this.shaderKey = key;
  }

  abstract getUserCode(): string;
}

/** A column reduction over the rows of `[rows, C]` of `term` (WGSL in `i`, `row`, `col`). */
function columnReduction(cols: number, term: string, count: string | null): string {
  return `
    var<workgroup> part : array<f32, 256>;
    var<workgroup> kept : array<f32, 256>;
    const C = ${cols};
    fn reduceLanes(lx : i32, ly : i32) {
      workgroupBarrier();
      for (var half = 8; half > 0; half = half >> 1u) {
        if (ly < half) {
          part[ly * 16 + lx] = part[ly * 16 + lx] + part[(ly + half) * 16 + lx];
          kept[ly * 16 + lx] = kept[ly * 16 + lx] + kept[(ly + half) * 16 + lx];
        }
        workgroupBarrier();
      }
    }
    fn main(index : i32) {
      TOUCH
      let lx = i32(localId.x);
      let ly = i32(localId.y);
      let col = i32(workgroupId.x) * 16 + lx;
      let rows = uniforms.xShape / C;
      var acc = 0.0;
      var n = 0.0;
      if (col < C) {
        for (var row = ly; row < rows; row += 16) {
          let i = row * C + col;
          acc += ${term};
          n += ${count ?? "1.0"};
        }
      }
      part[ly * 16 + lx] = acc;
      kept[ly * 16 + lx] = n;
      reduceLanes(lx, ly);
      if (ly == 0 && col < C) {
        result[col] = ${count ? "part[lx] / max(kept[lx], 1.0)" : "part[lx] / f32(rows)"};
      }
    }`;
}

/** The quadratic mean per channel: Σ x²·keep / max(Σ keep, 1) over rows (keep: 1 − pad). */
export class UNQuadraticMeanProgram extends Program {
  variableNames: string[];
  #cols: number;
  #masked: boolean;

  /** For `cols` channels, with a `keep` input when `masked`. */
  constructor(cols: number, masked: boolean) {
    super(cols, Math.ceil(cols / 16), [16, 16], `normbenchUNQ_${cols}_${masked}`);
    this.variableNames = masked ? ["x", "keep"] : ["x"];
    this.#cols = cols;
    this.#masked = masked;
  }

  getUserCode(): string {
    const term = this.#masked ? "x[i] * x[i] * keep[row]" : "x[i] * x[i]";
    return columnReduction(this.#cols, term, this.#masked ? "keep[row]" : null)
      .replace("TOUCH", touchBindings(this.variableNames));
  }
}

/** Σ over rows of dy·(x / σ) per channel. */
export class UNGradientStatisticProgram extends Program {
  variableNames: string[] = ["x", "dy", "denom"];
  #cols: number;

  /** For `cols` channels. */
  constructor(cols: number) {
    super(cols, Math.ceil(cols / 16), [16, 16], `normbenchUNDyz_${cols}`);
    this.#cols = cols;
  }

  getUserCode(): string {
    return columnReduction(this.#cols, "dy[i] * (x[i] / denom[col])", null)
      .replace("TOUCH", touchBindings(this.variableNames))
      .replace("part[lx] / f32(rows)", "part[lx]");
  }
}

/** Elementwise over `[rows, C]`: `(x / σ)·γ + β`, or `dy·scale − (x / σ)·shift` with `dx`. */
export class UNElementwiseProgram extends Program {
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
  const program = new UNQuadraticMeanProgram(channelsOf(x), keep !== undefined);
  const inputs = keep ? [flatView(x), flatView(keep)] : [flatView(x)];
  return (args.backend as WebGPUBackend).runWebGPUProgram(program, inputs, "float32");
}

/** Kernel: inputs x, dy [..., C], denom [C] → Σ dy·x/σ [C]. */
export function unGradientStatisticWebGpu(args: KernelArgs): tf.TensorInfo {
  const { x, dy, denom } = args.inputs as Record<string, tf.TensorInfo>;
  return (args.backend as WebGPUBackend).runWebGPUProgram(
    new UNGradientStatisticProgram(channelsOf(x)),
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
