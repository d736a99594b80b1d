/**
 * LayerNorm's training step on WebGPU as five WGSL programs instead of ~20 composite kernels:
 * forward, the row statistics (mean, 1/σ; one workgroup per row, two-pass) and the output from
 * them; backward, dx in one workgroup per row (Σ g and Σ g·x̂ reduced in shared memory, g = dy·γ)
 * and γ's and β's gradients as column sums (16 columns × 16 row lanes per workgroup). The
 * formulas are those of the composite `layerNorm` in `src/norms/layer_norm.ts`.
 *
 * @module
 */
import type * as tf from "../tf.ts";
import type { WebGPUBackend, WebGPUProgram } from "@tensorflow/tfjs-backend-webgpu";
import { f32Literal, flatView, touchBindings } from "./webgpu_util.ts";

/** Threads per workgroup of a per-row program for rows of `cols` values. */
function rowThreads(cols: number): number {
  return cols >= 512 ? 256 : 64;
}

/** A workgroup tree sum over `buf` (size `n`, a power of two) that every thread reaches. */
function treeSum(buffers: string[], n: number): string {
  return `
      workgroupBarrier();
      for (var half = ${n / 2}; half > 0; half = half >> 1u) {
        if (tid < half) {
          ${buffers.map((b) => `${b}[tid] = ${b}[tid] + ${b}[tid + half];`).join("\n          ")}
        }
        workgroupBarrier();
      }`;
}

abstract class Program implements WebGPUProgram {
  abstract variableNames: string[];
  outputShape: number[];
  shaderKey: string;
  dispatchLayout: { x: number[] } = { x: [0] };
  dispatch: [number, number, number];
  workgroupSize: [number, number, number];

  constructor(size: number, workgroups: number, threads: [number, number], key: string) {
    this.outputShape = [size];
    this.dispatch = [workgroups, 1, 1];
    this.workgroupSize = [threads[0], threads[1], 1];
    this.shaderKey = key;
  }

  abstract getUserCode(): string;
}

/** Row statistics [rows, 2]: mean and 1/sqrt(var + ε) (biased variance), two-pass. */
export class LayerNormStatsProgram extends Program {
  variableNames: string[] = ["x"];
  #cols: number;
  #eps: number;

  /** For `rows` rows of `cols` values. */
  constructor(rows: number, cols: number, eps: number) {
    const n = rowThreads(cols);
    super(rows * 2, rows, [n, 1], `normbenchLnStats_${cols}_${eps}_${n}`);
    this.#cols = cols;
    this.#eps = eps;
  }

  getUserCode(): string {
    const n = this.workgroupSize[0];
    return `
    var<workgroup> buf : array<f32, ${n}>;
    const C = ${this.#cols};
    fn main(index : i32) {
      ${touchBindings(this.variableNames)}
      let tid = i32(localIndex);
      let row = i32(workgroupId.x);
      let base = row * C;
      var s = 0.0;
      for (var c = tid; c < C; c += ${n}) {
        s += x[base + c];
      }
      buf[tid] = s;
      ${treeSum(["buf"], n)}
      let mean = buf[0] / f32(C);
      workgroupBarrier();
      var ss = 0.0;
      for (var c = tid; c < C; c += ${n}) {
        let d = x[base + c] - mean;
        ss += d * d;
      }
      buf[tid] = ss;
      ${treeSum(["buf"], n)}
      if (tid == 0) {
        result[row * 2] = mean;
        result[row * 2 + 1] = inverseSqrt(buf[0] / f32(C) + ${f32Literal(this.#eps)});
      }
    }
    `;
  }
}

/** Elementwise output γ·(x − μ)·r + β from the row statistics. */
export class LayerNormOutputProgram extends Program {
  variableNames: string[] = ["x", "stats", "gamma", "beta"];
  size = true;
  #cols: number;

  /** For `rows` rows of `cols` values. */
  constructor(rows: number, cols: number) {
    super(rows * cols, Math.ceil((rows * cols) / 256), [256, 1], `normbenchLnOut_${cols}`);
    this.#cols = cols;
  }

  getUserCode(): string {
    return `
    const C = ${this.#cols};
    fn main(index : i32) {
      ${touchBindings(this.variableNames)}
      if (index < uniforms.size) {
        let row = index / C;
        let c = index - row * C;
        result[index] = (x[index] - stats[row * 2]) * stats[row * 2 + 1] * gamma[c] + beta[c];
      }
    }
    `;
  }
}

/** dx = r·(g − mean(g) − x̂·mean(g·x̂)), g = dy·γ, x̂ = (x − μ)·r; one workgroup per row. */
export class LayerNormDxProgram extends Program {
  variableNames: string[] = ["dy", "x", "stats", "gamma"];
  #cols: number;

  /** For `rows` rows of `cols` values. */
  constructor(rows: number, cols: number) {
    const n = rowThreads(cols);
    super(rows * cols, rows, [n, 1], `normbenchLnDx_${cols}_${n}`);
    this.#cols = cols;
  }

  getUserCode(): string {
    const n = this.workgroupSize[0];
    return `
    var<workgroup> sg : array<f32, ${n}>;
    var<workgroup> sgx : array<f32, ${n}>;
    const C = ${this.#cols};
    fn main(index : i32) {
      ${touchBindings(this.variableNames)}
      let tid = i32(localIndex);
      let row = i32(workgroupId.x);
      let base = row * C;
      let mean = stats[row * 2];
      let r = stats[row * 2 + 1];
      var a = 0.0;
      var b = 0.0;
      for (var c = tid; c < C; c += ${n}) {
        let g = dy[base + c] * gamma[c];
        a += g;
        b += g * (x[base + c] - mean) * r;
      }
      sg[tid] = a;
      sgx[tid] = b;
      ${treeSum(["sg", "sgx"], n)}
      let mg = sg[0] / f32(C);
      let mgx = sgx[0] / f32(C);
      for (var c = tid; c < C; c += ${n}) {
        let g = dy[base + c] * gamma[c];
        let xh = (x[base + c] - mean) * r;
        result[base + c] = (g - mg - xh * mgx) * r;
      }
    }
    `;
  }
}

/** Σ over rows of dy·x̂ (γ's gradient, `withXhat`) or of dy (β's), per column. */
export class LayerNormColumnSumProgram extends Program {
  variableNames: string[] = ["dy", "x", "stats"];
  #cols: number;
  #withXhat: boolean;

  /** For `cols` columns. */
  constructor(cols: number, withXhat: boolean) {
    super(cols, Math.ceil(cols / 16), [16, 16], `normbenchLnColSum_${cols}_${withXhat}`);
    this.#cols = cols;
    this.#withXhat = withXhat;
  }

  getUserCode(): string {
    const term = this.#withXhat ? "dy[i] * (x[i] - stats[row * 2]) * stats[row * 2 + 1]" : "dy[i]";
    return `
    var<workgroup> part : array<f32, 256>;
    const C = ${this.#cols};
    fn main(index : i32) {
      ${touchBindings(this.variableNames)}
      let lx = i32(localId.x);
      let ly = i32(localId.y);
      let col = i32(workgroupId.x) * 16 + lx;
      let rows = uniforms.dyShape / C;
      var acc = 0.0;
      if (col < C) {
        for (var row = ly; row < rows; row += 16) {
          let i = row * C + col;
          acc += ${term};
        }
      }
      part[ly * 16 + lx] = acc;
      workgroupBarrier();
      for (var half = 8; half > 0; half = half >> 1u) {
        if (ly < half) {
          part[ly * 16 + lx] = part[ly * 16 + lx] + part[(ly + half) * 16 + lx];
        }
        workgroupBarrier();
      }
      if (ly == 0 && col < C) {
        result[col] = part[lx];
      }
    }
    `;
  }
}

interface KernelArgs {
  inputs: tf.NamedTensorInfoMap;
  backend: unknown;
  attrs?: tf.NamedAttrMap;
}

/** Forward on WebGPU: inputs x [..., C], gamma, beta; attr eps; outputs y, stats [rows, 2]. */
export function layerNormTrainForwardWebGpu(args: KernelArgs): tf.TensorInfo[] {
  const backend = args.backend as WebGPUBackend;
  const { x, gamma, beta } = args.inputs as Record<string, tf.TensorInfo>;
  const eps = (args.attrs as unknown as { eps: number }).eps;
  const cols = x.shape[x.shape.length - 1];
  const rows = x.shape.reduce((p, d) => p * d, 1) / cols;
  const fx = flatView(x);
  const stats = backend.runWebGPUProgram(
    new LayerNormStatsProgram(rows, cols, eps),
    [fx],
    "float32",
  );
  const y = backend.runWebGPUProgram(
    new LayerNormOutputProgram(rows, cols),
    [fx, stats, gamma, beta],
    "float32",
  );
  return [
    { dataId: y.dataId, shape: x.shape, dtype: "float32" },
    { dataId: stats.dataId, shape: [rows, 2], dtype: "float32" },
  ];
}

/** Backward on WebGPU: inputs dy, x, stats, gamma; outputs dx, dGamma, dBeta. */
export function layerNormTrainBackwardWebGpu(args: KernelArgs): tf.TensorInfo[] {
  const backend = args.backend as WebGPUBackend;
  const { dy, x, stats, gamma } = args.inputs as Record<string, tf.TensorInfo>;
  const cols = x.shape[x.shape.length - 1];
  const rows = x.shape.reduce((p, d) => p * d, 1) / cols;
  const [fdy, fx, fs] = [dy, x, stats].map(flatView);
  const dx = backend.runWebGPUProgram(
    new LayerNormDxProgram(rows, cols),
    [fdy, fx, fs, gamma],
    "float32",
  );
  const sums = [true, false].map((withXhat) =>
    backend.runWebGPUProgram(
      new LayerNormColumnSumProgram(cols, withXhat),
      [fdy, fx, fs],
      "float32",
    )
  );
  return [{ dataId: dx.dataId, shape: x.shape, dtype: "float32" }, ...sums];
}
