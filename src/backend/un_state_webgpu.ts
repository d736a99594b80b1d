/**
 * UN's per-channel state steps on WebGPU: the rules of `src/backend/un_state.ts` as WGSL
 * programs, so that a UN layer's bookkeeping (~50 tiny composite ops a step, each a dispatch)
 * costs one single-workgroup dispatch per output and nothing is read back to the CPU.
 *
 * A tfjs WebGPU program writes one tensor, so each output of a step is one program that
 * recomputes the step's shared quantities (the step counter, the outlier test's reductions —
 * a few thousand values at most) and writes its own part. Inputs and outputs travel flat and
 * are reshaped by metadata only.
 *
 * @module
 */
import type * as tf from "../tf.ts";
import type { WebGPUBackend, WebGPUProgram } from "@tensorflow/tfjs-backend-webgpu";
import type { UNBackwardAttrs, UNForwardAttrs } from "./un_state_attrs.ts";
import { f32Literal, FlatProgram, flatView, floatLiteral, touchBindings } from "./webgpu_util.ts";

/** Threads of the one workgroup each program runs. */
const THREADS = 256;

/** WGSL shared by both steps: a sum over the workgroup that every thread calls. */
const REDUCE = `
    var<workgroup> red : array<f32, ${THREADS}>;
    fn workgroupSum(v : f32) -> f32 {
      let tid = i32(localIndex);
      red[tid] = v;
      workgroupBarrier();
      for (var half = ${THREADS / 2}; half > 0; half = half >> 1u) {
        if (tid < half) {
          red[tid] = red[tid] + red[tid + half];
        }
        workgroupBarrier();
      }
      let total = red[0];
      workgroupBarrier();
      return total;
    }`;

/** A single-workgroup program writing `size` values of one output of a state step. */
abstract class StateProgram extends FlatProgram {
  constructor(size: number, key: string) {
    super(size, 1, [THREADS, 1], key);
  }
}

/** Output parts of the forward step, in `unForwardState`'s order. */
const FORWARD_PARTS = ["denom", "ratio", "buffer", "runningVar", "iters", "skipCount", "flags"];

/** One output of the forward state step (inputs q, runningVar, bufX2, iters, skipCount). */
export class UNForwardStateProgram extends StateProgram {
  variableNames: string[] = ["q", "runningVar", "bufX2", "iters", "skipCount"];
  #part: number;
  #channels: number;
  #a: UNForwardAttrs;

  /** The program writing output `part` (0–6) for `channels` channels. */
  constructor(part: number, channels: number, a: UNForwardAttrs) {
    const size = [channels, channels, a.window * channels, channels, 1, 1, 4][part];
    super(
      size,
      `normbenchUNForward_${FORWARD_PARTS[part]}_${channels}_${a.window}_${a.warmup}_` +
        `${a.momentum}_${a.eps}_${a.start}_${a.outlierFiltration}`,
    );
    this.#part = part;
    this.#channels = channels;
    this.#a = a;
  }

  getUserCode(): string {
    const a = this.#a;
    const c = this.#channels;
    const w = a.window;
    const outlierTest = a.outlierFiltration
      ? `
      var s = 0.0;
      for (var i = tid; i < W * C; i += ${THREADS}) {
        s += sqrt(bufX2[i]);
      }
      let mean = workgroupSum(s) / f32(W * C);
      var ss = 0.0;
      for (var i = tid; i < W * C; i += ${THREADS}) {
        let d = sqrt(bufX2[i]) - mean;
        ss += d * d;
      }
      let variance = workgroupSum(ss) / f32(W * C - 1);
      var hit = 0.0;
      for (var j = tid; j < C; j += ${THREADS}) {
        var am = 0.0;
        var lg = 0.0;
        for (var r = 0; r < W; r++) {
          let b = select(bufX2[r * C + j], q[j], r == slot);
          am += b;
          lg += log(b);
        }
        if (am / f32(W) - exp(lg / f32(W)) > variance * f32(W)) {
          hit = 1.0;
        }
      }
      let hits = workgroupSum(hit);
      let outlier = t >= WARMUP && hits > 0.0;`
      : `
      let outlier = false;`;
    const perChannel = `
      for (var j = tid; j < C; j += ${THREADS}) {
        var sigma2 = q[j];
        if (!exact) {
          var lg = 0.0;
          for (var r = 0; r < W; r++) {
            lg += log(newBuffer(r, j, slot, outlier));
          }
          sigma2 = exp(lg / f32(W));
        }
        let denom = sqrt(sigma2 + EPS);
        let raw = denom / sqrt(runningVar[j] + EPS);
        let ratio = select(clamp(raw, ${f32Literal(0.2)}, 5.0), 1.0, noCompensation);
        WRITE
      }`;
    const write = [
      perChannel.replace("WRITE", "result[j] = denom;"),
      perChannel.replace("WRITE", "result[j] = ratio;"),
      `
      for (var i = tid; i < W * C; i += ${THREADS}) {
        result[i] = newBuffer(i / C, i % C, slot, outlier);
      }`,
      perChannel.replace(
        "WRITE",
        "result[j] = runningVar[j] * MOMENTUM + sigma2 * ONE_MINUS_MOMENTUM;",
      ),
      `
      if (tid == 0) {
        result[0] = t;
      }`,
      `
      if (tid == 0) {
        result[0] = skipCount[0] + select(0.0, 1.0, outlier);
      }`,
      `
      if (tid == 0) {
        result[0] = t;
        result[1] = select(0.0, 1.0, exact);
        result[2] = select(0.0, 1.0, skip);
        result[3] = f32(slot);
      }`,
    ][this.#part];
    return `
    const C = ${c};
    const W = ${w};
    const WARMUP = ${floatLiteral(a.warmup)};
    const START = ${floatLiteral(a.start)};
    ${REDUCE}
    fn newBuffer(r : i32, j : i32, slot : i32, outlier : bool) -> f32 {
      if (r != slot) {
        return bufX2[r * C + j];
      }
      return select(q[j], runningVar[j], outlier);
    }
    fn main(index : i32) {
      let EPS = ${f32Literal(a.eps)};
      let MOMENTUM = ${f32Literal(a.momentum)};
      let ONE_MINUS_MOMENTUM = ${f32Literal(1 - a.momentum)};
      ${touchBindings(this.variableNames)}
      let tid = i32(localIndex);
      let t = iters[0] + 1.0;
      let slot = i32(round(t)) % W;
      ${outlierTest}
      let skip = ${w <= 1 ? "true" : "outlier"};
      let exact = t <= f32(W) || t < WARMUP || skip;
      let noCompensation = t <= START || skip;
      ${write}
    }
    `;
  }
}

/** Output parts of the backward step, in `unBackwardState`'s order. */
const BACKWARD_PARTS = ["scale", "shift", "buffer", "ema", "dGamma"];

/** One output of the backward state step (inputs dyz, ratio, gamma, denom, bufGz, emaGz, flags). */
export class UNBackwardStateProgram extends StateProgram {
  variableNames: string[] = ["dyz", "ratio", "gamma", "denom", "bufGz", "emaGz", "flags"];
  #part: number;
  #channels: number;
  #a: UNBackwardAttrs;

  /** The program writing output `part` (0–4) for `channels` channels. */
  constructor(part: number, channels: number, a: UNBackwardAttrs) {
    const size = part === 2 ? a.windowBackward * channels : channels;
    super(
      size,
      `normbenchUNBackward_${BACKWARD_PARTS[part]}_${channels}_${a.windowBackward}_${a.window}_` +
        `${a.warmup}_${a.momentum}_${a.tokens}`,
    );
    this.#part = part;
    this.#channels = channels;
    this.#a = a;
  }

  getUserCode(): string {
    const a = this.#a;
    const same = a.windowBackward === a.window;
    const write = [
      "result[j] = ratio[j] * gamma[j] / denom[j];",
      "result[j] = select(ema, gBar, skip) / denom[j];",
      "",
      "result[j] = ema;",
      "result[j] = dyz[j] * ratio[j];",
    ][this.#part];
    const body = this.#part === 2
      ? `
      for (var i = tid; i < WB * C; i += ${THREADS}) {
        result[i] = newBuffer(i / C, i % C, slot, skip);
      }`
      : `
      for (var j = tid; j < C; j += ${THREADS}) {
        var gBar = gz(j);
        if (!exact) {
          var s = 0.0;
          for (var r = 0; r < WB; r++) {
            s += newBuffer(r, j, slot, skip);
          }
          gBar = s / f32(WB);
        }
        let ema = emaGz[j] * MOMENTUM + gBar * ONE_MINUS_MOMENTUM;
        ${write}
      }`;
    return `
    const C = ${this.#channels};
    const WB = ${a.windowBackward};
    const WARMUP = ${floatLiteral(a.warmup)};
    const TOKENS = ${floatLiteral(a.tokens)};
    fn gz(j : i32) -> f32 {
      return ratio[j] * gamma[j] * dyz[j] / TOKENS;
    }
    fn newBuffer(r : i32, j : i32, slot : i32, skip : bool) -> f32 {
      if (r != slot) {
        return bufGz[r * C + j];
      }
      return select(gz(j), emaGz[j], skip);
    }
    fn main(index : i32) {
      let MOMENTUM = ${f32Literal(a.momentum)};
      let ONE_MINUS_MOMENTUM = ${f32Literal(1 - a.momentum)};
      ${touchBindings(this.variableNames)}
      let tid = i32(localIndex);
      let t = flags[0];
      let skip = flags[2] == 1.0;
      let slot = ${same ? "i32(round(flags[3]))" : "i32(round(t)) % WB"};
      let exact = ${same ? "flags[1] == 1.0" : "t <= f32(WB) || t < WARMUP || skip"};
      ${body}
    }
    `;
  }
}

interface KernelArgs {
  inputs: tf.NamedTensorInfoMap;
  backend: unknown;
  attrs?: tf.NamedAttrMap;
}

/** Runs one program per output part and gives each output its shape. */
function runParts(
  backend: WebGPUBackend,
  inputs: tf.TensorInfo[],
  shapes: number[][],
  program: (part: number) => WebGPUProgram,
  unchanged: Record<number, tf.TensorInfo> = {},
): tf.TensorInfo[] {
  const flatInputs = inputs.map(flatView);
  return shapes.map((shape, part) => {
    const same = unchanged[part];
    if (same) {
      // an output equal to an input: shared, as tfjs's Identity does (no dispatch)
      backend.incRef(same.dataId);
      return { dataId: same.dataId, shape, dtype: same.dtype };
    }
    const out = backend.runWebGPUProgram(program(part), flatInputs, "float32");
    return { dataId: out.dataId, shape, dtype: out.dtype };
  });
}

/** The forward state kernel on WebGPU (see `UN_FORWARD_STATE`). */
export function unForwardStateWebGpu(args: KernelArgs): tf.TensorInfo[] {
  const a = args.attrs as unknown as UNForwardAttrs;
  const i = args.inputs as Record<string, tf.TensorInfo>;
  const c = i.q.shape.reduce((p, d) => p * d, 1);
  return runParts(
    args.backend as WebGPUBackend,
    [i.q, i.runningVar, i.bufX2, i.iters, i.skipCount],
    [[c], [c], [a.window, c], [c], [], [], [4]],
    (part) => new UNForwardStateProgram(part, c, a),
    // without outlier filtration no step is skipped: the count stays as it was
    a.outlierFiltration ? {} : { 5: i.skipCount },
  );
}

/** The backward state kernel on WebGPU (see `UN_BACKWARD_STATE`). */
export function unBackwardStateWebGpu(args: KernelArgs): tf.TensorInfo[] {
  const a = args.attrs as unknown as UNBackwardAttrs;
  const i = args.inputs as Record<string, tf.TensorInfo>;
  const c = i.dyz.shape.reduce((p, d) => p * d, 1);
  return runParts(
    args.backend as WebGPUBackend,
    [i.dyz, i.ratio, i.gamma, i.denom, i.bufGz, i.emaGz, i.flags],
    [[c], [c], [a.windowBackward, c], [c], [c]],
    (part) => new UNBackwardStateProgram(part, c, a),
  );
}
