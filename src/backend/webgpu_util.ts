/**
 * Helpers shared by normbench's WGSL programs for tfjs-backend-webgpu: exact float constants,
 * a binding-use line for the pipeline's automatic layout, and flat views of tensors.
 *
 * @module
 */
import * as tf from "../tf.ts";
import type { WebGPUProgram } from "@tensorflow/tfjs-backend-webgpu";

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
  const byProgram = await traceWebGpuDispatches(fn);
  return byProgram && Object.values(byProgram).reduce((a, b) => a + b, 0);
}

/**
 * GPU dispatches `fn` records on WebGPU by WGSL program (its class name: `MatMulPackedProgram`,
 * `BinaryOpProgram`, normbench's own…), most first; null on other backends (where `fn` still
 * runs). What `bench train --profile` prints.
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs-core";
 * import { initBackend } from "./backend.ts";
 * import { traceWebGpuDispatches } from "./webgpu_util.ts";
 * const info = await initBackend("auto");
 * const x = tf.ones([4]);
 * await x.data();
 * const trace = await traceWebGpuDispatches(async () => tf.dispose(tf.add(x, 1)));
 * console.assert(info.name === "webgpu" ? Object.keys(trace!).length === 1 : trace === null);
 * ```
 */
export async function traceWebGpuDispatches(
  fn: () => Promise<void>,
): Promise<Record<string, number> | null> {
  if (tf.getBackend() !== "webgpu") {
    await fn();
    return null;
  }
  type Run = (program: object, ...a: unknown[]) => unknown;
  const backend = tf.backend() as unknown as { runWebGPUProgram: Run };
  const own = Object.hasOwn(backend, "runWebGPUProgram");
  const original = backend.runWebGPUProgram;
  const counts: Record<string, number> = {};
  backend.runWebGPUProgram = function (this: unknown, program: object, ...a: unknown[]) {
    const name = program.constructor.name;
    counts[name] = (counts[name] ?? 0) + 1;
    return original.call(this, program, ...a);
  };
  try {
    await fn();
  } finally {
    if (own) backend.runWebGPUProgram = original;
    else delete (backend as Partial<typeof backend>).runWebGPUProgram;
  }
  return Object.fromEntries(Object.entries(counts).sort((a, b) => b[1] - a[1]));
}

/**
 * A tfjs WebGPU program over flat buffers: a 1-D output of `size` values, `workgroups`
 * workgroups of `threads` (x, y) threads. Subclasses give the inputs and the WGSL.
 *
 * @example
 * ```ts
 * import { FlatProgram } from "./webgpu_util.ts";
 * class Copy extends FlatProgram {
 *   variableNames = ["x"];
 *   getUserCode() {
 *     return "fn main(index : i32) { if (index < uniforms.size) { result[index] = x[index]; } }";
 *   }
 * }
 * const p = new Copy(10, 1, [64, 1], "copy");
 * p.size = true;
 * console.assert(p.outputShape[0] === 10 && p.workgroupSize[0] === 64);
 * ```
 */
export abstract class FlatProgram implements WebGPUProgram {
  abstract variableNames: string[];
  outputShape: number[];
  shaderKey: string;
  dispatchLayout: { x: number[] } = { x: [0] };
  dispatch: [number, number, number];
  workgroupSize: [number, number, number];
  /** Whether tfjs adds `uniforms.size` (the output's size). */
  size?: boolean;

  /** `size` outputs, `workgroups` workgroups of `threads`, cached under `key`. */
  constructor(size: number, workgroups: number, threads: [number, number], key: string) {
    this.outputShape = [size];
    this.dispatch = [workgroups, 1, 1];
    this.workgroupSize = [threads[0], threads[1], 1];
    this.shaderKey = key;
  }

  /** The program's WGSL (tfjs adds the bindings and `_start`). */
  abstract getUserCode(): string;
}

/** What a column reduction sums and writes (see {@linkcode columnReductionWgsl}). */
export interface ColumnReduction {
  /** Columns C. */
  cols: number;
  /** The program's inputs, in binding order. */
  variables: readonly string[];
  /** WGSL for the number of rows (e.g. from an input's shape uniform). */
  rows: string;
  /** WGSL summed per column, in `i = row·C + col`, `row`, `col`. */
  term: string;
  /** WGSL summed beside it (e.g. kept rows), default 1 per row. */
  count?: string;
  /** WGSL written for a column from its sum and count, default the sum. */
  finish?: (sum: string, count: string) => string;
}

/**
 * The WGSL `main` of a column reduction over the rows of a flat `[rows, C]` buffer (workgroups of
 * 16 columns × 16 row lanes): each thread sums `term` over every 16th row of its column, and
 * `count` the same way; the 16 row lanes meet in shared memory and lane 0 writes
 * `finish(sum, count)`.
 *
 * @example
 * ```ts
 * import { columnReductionWgsl } from "./webgpu_util.ts";
 * const wgsl = columnReductionWgsl({ cols: 8, variables: ["x"], rows: "uniforms.xShape / C", term: "x[i]" });
 * console.assert(wgsl.includes("acc += x[i];"));
 * ```
 */
export function columnReductionWgsl(o: ColumnReduction): string {
  const finish = o.finish ?? ((sum) => sum);
  return `
    var<workgroup> part : array<f32, 256>;
    var<workgroup> kept : array<f32, 256>;
    const C = ${o.cols};
    fn main(index : i32) {
      ${touchBindings(o.variables)}
      let lx = i32(localId.x);
      let ly = i32(localId.y);
      let col = i32(workgroupId.x) * 16 + lx;
      let rows = ${o.rows};
      var acc = 0.0;
      var n = 0.0;
      if (col < C) {
        for (var row = ly; row < rows; row += 16) {
          let i = row * C + col;
          acc += ${o.term};
          n += ${o.count ?? "1.0"};
        }
      }
      part[ly * 16 + lx] = acc;
      kept[ly * 16 + lx] = n;
      workgroupBarrier();
      for (var half = 8; half > 0; half = half >> 1u) {
        if (ly < half) {
          part[ly * 16 + lx] = part[ly * 16 + lx] + part[(ly + half) * 16 + lx];
          kept[ly * 16 + lx] = kept[ly * 16 + lx] + kept[(ly + half) * 16 + lx];
        }
        workgroupBarrier();
      }
      if (ly == 0 && col < C) {
        result[col] = ${finish("part[lx]", "kept[lx]")};
      }
    }`;
}

/**
 * A column reduction as a program: `key` names what it computes (the shader cache key adds the
 * columns). Its output is `[C]`.
 *
 * @example
 * ```ts
 * import { ColumnReductionProgram } from "./webgpu_util.ts";
 * const p = new ColumnReductionProgram("sum", {
 *   cols: 33, variables: ["x"], rows: "uniforms.xShape / C", term: "x[i]",
 * });
 * console.assert(p.dispatch[0] === 3 && p.outputShape[0] === 33);
 * ```
 */
export class ColumnReductionProgram extends FlatProgram {
  variableNames: string[];
  #o: ColumnReduction;

  /** The reduction `o`, cached under `key`. */
  constructor(key: string, o: ColumnReduction) {
    super(o.cols, Math.ceil(o.cols / 16), [16, 16], `normbenchColumns_${key}_${o.cols}`);
    this.variableNames = [...o.variables];
    this.#o = o;
  }

  getUserCode(): string {
    return columnReductionWgsl(this.#o);
  }
}
