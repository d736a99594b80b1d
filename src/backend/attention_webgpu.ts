/**
 * The core of scaled dot-product attention on WebGPU as two WGSL programs, one workgroup per
 * query row, the row's scores held in workgroup memory (so a row of up to
 * {@linkcode ATTENTION_MAX_KEYS} keys, any length — 197 tokens included — stays on this path):
 *
 * - probabilities `P = softmax(q·kᵀ·scale + bias)`: the dot products, the additive mask (any
 *   shape that broadcasts to the scores'), the row maximum, the exponentials and their sum in one
 *   dispatch, where the composite ops record a scale, a transpose, a batched matmul, an add and a
 *   softmax;
 * - the scores' gradient `dS·scale = P ⊙ (dP − Σⱼ dP⊙P)·scale` with `dP = dO·vᵀ` (times the
 *   dropout keep-mask) formed in place, where the composite ops record a transpose, a matmul and
 *   four elementwise and reduction kernels.
 *
 * The products with `v`, `k` and `q` stay tfjs's batched matmuls (its tiled fast path). The
 * formulas are those of the composite `attentionCore` in `src/nn/attention_core.ts`.
 *
 * @module
 */
import type * as tf from "../tf.ts";
import type { WebGPUBackend } from "@tensorflow/tfjs-backend-webgpu";
import { f32Literal, FlatProgram, flatView, touchBindings } from "./webgpu_util.ts";

/** The most keys a row may have on this path (its scores fill 8 KiB of workgroup memory). */
export const ATTENTION_MAX_KEYS = 2048;

/** Threads per workgroup for rows of `m` keys. */
function rowThreads(m: number): number {
  return m > 256 ? 256 : m > 64 ? 128 : 64;
}

/** A workgroup tree reduction (`op`: `max` or `+`) over `red` (size `n`, a power of two). */
function treeReduce(n: number, op: "max" | "+"): string {
  const combine = op === "max" ? "max(red[tid], red[tid + half])" : "red[tid] + red[tid + half]";
  return `
      workgroupBarrier();
      for (var half = ${n / 2}; half > 0; half = half >> 1u) {
        if (tid < half) {
          red[tid] = ${combine};
        }
        workgroupBarrier();
      }`;
}

/**
 * The start of a per-row program's WGSL: the row's scores `sc` (`m` floats) and reduction buffer
 * `red` in workgroup memory, the constants, `tid`, `row` and `g` (the row's head × batch); the
 * body goes after it and closes `main`.
 */
function rowProgramStart(
  variables: string[],
  dims: { n: number; m: number; dh: number },
  t: number,
) {
  return `
    var<workgroup> sc : array<f32, ${dims.m}>;
    var<workgroup> red : array<f32, ${t}>;
    const M = ${dims.m};
    const DH = ${dims.dh};
    fn main(index : i32) {
      ${touchBindings(variables)}
      let tid = i32(localIndex);
      let row = i32(workgroupId.x);
      let g = row / ${dims.n};`;
}

/**
 * Strides of a bias of shape `biasShape` broadcast to the scores `[G1, G2, N, M]` (a size-1 axis
 * gets stride 0), or null when it does not broadcast.
 */
export function broadcastStrides(biasShape: readonly number[], scores: number[]): number[] | null {
  if (biasShape.length > 4) return null;
  const shape = [...Array(4 - biasShape.length).fill(1), ...biasShape];
  const strides = [0, 0, 0, 0];
  let step = 1;
  for (let d = 3; d >= 0; d--) {
    if (shape[d] !== 1 && shape[d] !== scores[d]) return null;
    strides[d] = shape[d] === 1 ? 0 : step;
    step *= shape[d];
  }
  return strides;
}

/** The scores' leading axes `[G1, G2]` of a rank-3 or rank-4 `[…, N, dh]`. */
export function leadingAxes(shape: readonly number[]): [number, number] {
  return shape.length === 4 ? [shape[0], shape[1]] : [1, shape[0]];
}

/** `P = softmax(q·kᵀ·scale + bias)` per row; q `[G, N, DH]`, k `[G, M, DH]`, P `[G, N, M]`. */
export class AttentionProbsProgram extends FlatProgram {
  variableNames: string[];
  #dims: { g2: number; n: number; m: number; dh: number };
  #scale: number;
  #strides: number[] | null;

  /** For `g1·g2` heads × batches of `n` queries and `m` keys of width `dh`; bias strides or null. */
  constructor(
    dims: { g1: number; g2: number; n: number; m: number; dh: number },
    scale: number,
    strides: number[] | null,
  ) {
    const rows = dims.g1 * dims.g2 * dims.n;
    const t = rowThreads(dims.m);
    super(
      rows * dims.m,
      rows,
      [t, 1],
      `normbenchAttnProbs_${dims.g2}_${dims.n}_${dims.m}_${dims.dh}_${scale}_${strides ?? "none"}`,
    );
    this.variableNames = strides ? ["q", "k", "bias"] : ["q", "k"];
    this.#dims = dims;
    this.#scale = scale;
    this.#strides = strides;
  }

  getUserCode(): string {
    const { g2, n: rowsN, m, dh } = this.#dims;
    const t = this.workgroupSize[0];
    const s = this.#strides;
    const bias = s ? `s = s + bias[h1 * ${s[0]} + h2 * ${s[1]} + i * ${s[2]} + j * ${s[3]}];` : "";
    return `${rowProgramStart(this.variableNames, { n: rowsN, m, dh }, t)}
      let i = row - g * ${rowsN};
      let h1 = g / ${g2};
      let h2 = g - h1 * ${g2};
      let qb = row * DH;
      var mx = -3.4028235e38;
      for (var j = tid; j < M; j += ${t}) {
        let kb = (g * M + j) * DH;
        var acc = 0.0;
        for (var d = 0; d < DH; d++) {
          acc += q[qb + d] * k[kb + d];
        }
        var s = acc * ${f32Literal(this.#scale)};
        ${bias}
        sc[j] = s;
        mx = max(mx, s);
      }
      red[tid] = mx;
      ${treeReduce(t, "max")}
      let rowMax = red[0];
      workgroupBarrier();
      var sum = 0.0;
      for (var j = tid; j < M; j += ${t}) {
        let e = exp(sc[j] - rowMax);
        sc[j] = e;
        sum += e;
      }
      red[tid] = sum;
      ${treeReduce(t, "+")}
      let total = red[0];
      for (var j = tid; j < M; j += ${t}) {
        result[row * M + j] = sc[j] / total;
      }
    }
    `;
  }
}

/**
 * `dS·scale = P ⊙ (dP − Σⱼ dP⊙P)·scale`, `dP = dO·vᵀ` (⊙ the dropout keep-mask); dO `[G, N, DH]`,
 * v `[G, M, DH]`, P and the mask `[G, N, M]`.
 */
export class AttentionScoreGradProgram extends FlatProgram {
  variableNames: string[];
  #dims: { n: number; m: number; dh: number };
  #scale: number;

  /** For `g` heads × batches of `n` queries and `m` keys of width `dh`; `masked`: a keep-mask. */
  constructor(
    dims: { g: number; n: number; m: number; dh: number },
    scale: number,
    masked: boolean,
  ) {
    const rows = dims.g * dims.n;
    const t = rowThreads(dims.m);
    super(
      rows * dims.m,
      rows,
      [t, 1],
      `normbenchAttnScoreGrad_${dims.n}_${dims.m}_${dims.dh}_${scale}_${masked}`,
    );
    this.variableNames = masked ? ["dO", "v", "p", "mask"] : ["dO", "v", "p"];
    this.#dims = dims;
    this.#scale = scale;
  }

  getUserCode(): string {
    const { n: rowsN, m, dh } = this.#dims;
    const t = this.workgroupSize[0];
    const masked = this.variableNames.includes("mask");
    return `${rowProgramStart(this.variableNames, { n: rowsN, m, dh }, t)}
      let ob = row * DH;
      var part = 0.0;
      for (var j = tid; j < M; j += ${t}) {
        let vb = (g * M + j) * DH;
        var acc = 0.0;
        for (var d = 0; d < DH; d++) {
          acc += dO[ob + d] * v[vb + d];
        }
        ${masked ? "acc = acc * mask[row * M + j];" : ""}
        sc[j] = acc;
        part += acc * p[row * M + j];
      }
      red[tid] = part;
      ${treeReduce(t, "+")}
      let dot = red[0];
      for (var j = tid; j < M; j += ${t}) {
        result[row * M + j] = p[row * M + j] * (sc[j] - dot) * ${f32Literal(this.#scale)};
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

/** Probabilities on WebGPU: inputs q, k (rank 3 or 4), bias (optional); attr scale. */
export function attentionProbsWebGpu(args: KernelArgs): tf.TensorInfo {
  const backend = args.backend as WebGPUBackend;
  const { q, k, bias } = args.inputs as Record<string, tf.TensorInfo | undefined>;
  const { scale } = args.attrs as unknown as { scale: number };
  const [g1, g2] = leadingAxes(q!.shape);
  const n = q!.shape[q!.shape.length - 2];
  const dh = q!.shape[q!.shape.length - 1];
  const m = k!.shape[k!.shape.length - 2];
  const strides = bias ? broadcastStrides(bias.shape, [g1, g2, n, m]) : null;
  const inputs = [q!, k!, ...(bias ? [bias] : [])].map(flatView);
  const p = backend.runWebGPUProgram(
    new AttentionProbsProgram({ g1, g2, n, m, dh }, scale, strides),
    inputs,
    "float32",
  );
  return { dataId: p.dataId, shape: [...q!.shape.slice(0, -1), m], dtype: "float32" };
}

/** The scores' gradient (times scale) on WebGPU: inputs dO, v, p, mask (optional); attr scale. */
export function attentionScoreGradWebGpu(args: KernelArgs): tf.TensorInfo {
  const backend = args.backend as WebGPUBackend;
  const { dO, v, p, mask } = args.inputs as Record<string, tf.TensorInfo | undefined>;
  const { scale } = args.attrs as unknown as { scale: number };
  const shape = p!.shape;
  const [n, m] = [shape[shape.length - 2], shape[shape.length - 1]];
  const dh = dO!.shape[dO!.shape.length - 1];
  const g = shape.reduce((a, d) => a * d, 1) / (n * m);
  const inputs = [dO!, v!, p!, ...(mask ? [mask] : [])].map(flatView);
  const ds = backend.runWebGPUProgram(
    new AttentionScoreGradProgram({ g, n, m, dh }, scale, mask !== undefined),
    inputs,
    "float32",
  );
  return { dataId: ds.dataId, shape, dtype: "float32" };
}
