/**
 * The fused LayerNorm kernel for the wasm backend: one WebAssembly SIMD function that reads each
 * row of `x` from tfjs-wasm's heap and writes `γ·(x − μ)/sqrt(σ² + ε) + β` in one call — three
 * sweeps over a row that stays in L1 (sum, centred sum of squares, output), f32x4 along the
 * channels with a scalar tail. The composite tfjs version runs ~9 kernels, each a full pass over
 * memory, plus their JavaScript dispatch.
 *
 * @module
 */
import type * as tf from "../tf.ts";
import {
  F32,
  I32,
  inc,
  less,
  MODULE_HEADER,
  op,
  section,
  str,
  uleb,
  V128,
  vec,
  whileLoop,
} from "./wasm_assembler.ts";
import { offsetOf, type WasmBackendInternals } from "./wasm_module.ts";

// Params: x 0, gamma 1, beta 2, out 3 (byte offsets), R 4, C 5 (counts), eps 6 (f32).
const X = 0, GAMMA = 1, BETA = 2, OUT = 3, R = 4, C = 5, EPS = 6;
// i32 locals
const r = 7, p = 8, end4 = 9, end = 10, q = 11, gp = 12, bp = 13, rowBytes = 14, row = 15;
// v128 locals
const acc = 16, mv = 17, sv = 18, t = 19;
// f32 locals
const sum = 20, mean = 21, rstd = 22, d = 23, n = 24;

/** Sum of the four lanes of a v128 local. */
function laneSum(v: number): number[] {
  return [
    ...op.get(v),
    ...op.lane(0),
    ...op.get(v),
    ...op.lane(1),
    ...op.f32Add,
    ...op.get(v),
    ...op.lane(2),
    ...op.f32Add,
    ...op.get(v),
    ...op.lane(3),
    ...op.f32Add,
  ];
}

/** `p = row; end4 = row + 16·⌊C/4⌋; end = row + 4·C`. */
function rowPointers(): number[] {
  return [
    ...op.get(row),
    ...op.set(p),
    ...op.get(row),
    ...op.get(C),
    ...op.i32(-4),
    0x71, // i32.and
    ...op.i32(4),
    ...op.mul,
    ...op.add,
    ...op.set(end4),
    ...op.get(row),
    ...op.get(rowBytes),
    ...op.add,
    ...op.set(end),
  ];
}

/** One row's sum into `sum`: `f(x)` for each element, vectorised then scalar. */
function rowSum(vectorTerm: number[], scalarTerm: number[]): number[] {
  return [
    ...rowPointers(),
    ...op.vZero,
    ...op.set(acc),
    ...whileLoop(less(p, end4), [
      ...op.get(acc),
      ...vectorTerm,
      ...op.vAdd,
      ...op.set(acc),
      ...inc(p, op.i32(16)),
    ]),
    ...laneSum(acc),
    ...op.set(sum),
    ...whileLoop(less(p, end), [
      ...op.get(sum),
      ...scalarTerm,
      ...op.f32Add,
      ...op.set(sum),
      ...inc(p, op.i32(4)),
    ]),
  ];
}

function layerNormBody(): number[] {
  // (x − μ)² as a vector term on the stack
  const centredSquareV = [
    ...op.get(p),
    ...op.vLoad(),
    ...op.get(mv),
    ...op.vSub,
    ...op.set(t),
    ...op.get(t),
    ...op.get(t),
    ...op.vMul,
  ];
  const centredSquareS = [
    ...op.get(p),
    ...op.f32Load(),
    ...op.get(mean),
    ...op.f32Sub,
    ...op.set(d),
    ...op.get(d),
    ...op.get(d),
    ...op.f32Mul,
  ];
  // out = (x − μ)·rstd·γ + β, pointers p (x), q (out), gp (γ), bp (β) advance together
  const outputV = [
    ...op.get(q),
    ...op.get(p),
    ...op.vLoad(),
    ...op.get(mv),
    ...op.vSub,
    ...op.get(sv),
    ...op.vMul,
    ...op.get(gp),
    ...op.vLoad(),
    ...op.vMul,
    ...op.get(bp),
    ...op.vLoad(),
    ...op.vAdd,
    ...op.vStore(),
    ...[p, q, gp, bp].flatMap((ptr) => inc(ptr, op.i32(16))),
  ];
  const outputS = [
    ...op.get(q),
    ...op.get(p),
    ...op.f32Load(),
    ...op.get(mean),
    ...op.f32Sub,
    ...op.get(rstd),
    ...op.f32Mul,
    ...op.get(gp),
    ...op.f32Load(),
    ...op.f32Mul,
    ...op.get(bp),
    ...op.f32Load(),
    ...op.f32Add,
    ...op.f32Store(),
    ...[p, q, gp, bp].flatMap((ptr) => inc(ptr, op.i32(4))),
  ];
  const perRow = [
    // mean
    ...rowSum([...op.get(p), ...op.vLoad()], [...op.get(p), ...op.f32Load()]),
    ...op.get(sum),
    ...op.get(n),
    ...op.f32Div,
    ...op.tee(mean),
    ...op.splat,
    ...op.set(mv),
    // rstd = 1 / sqrt(mean((x − μ)²) + eps)
    ...rowSum(centredSquareV, centredSquareS),
    ...op.f32One,
    ...op.get(sum),
    ...op.get(n),
    ...op.f32Div,
    ...op.get(EPS),
    ...op.f32Add,
    ...op.f32Sqrt,
    ...op.f32Div,
    ...op.tee(rstd),
    ...op.splat,
    ...op.set(sv),
    // output
    ...rowPointers(),
    ...op.get(OUT),
    ...op.get(row),
    ...op.get(X),
    ...op.sub,
    ...op.add,
    ...op.set(q),
    ...op.get(GAMMA),
    ...op.set(gp),
    ...op.get(BETA),
    ...op.set(bp),
    ...whileLoop(less(p, end4), outputV),
    ...whileLoop(less(p, end), outputS),
    ...inc(row, op.get(rowBytes)),
    ...inc(r, op.i32(1)),
  ];
  return [
    ...op.get(C),
    ...op.i32(4),
    ...op.mul,
    ...op.set(rowBytes),
    ...op.get(C),
    ...op.f32FromI32,
    ...op.set(n),
    ...op.get(X),
    ...op.set(row),
    ...whileLoop(less(r, R), perRow),
  ];
}

/**
 * The module's bytes: imports `env.memory` and exports
 * `layernorm(x, gamma, beta, out, R, C, eps)` (byte offsets, counts, and ε as f32).
 */
export function layerNormModule(): Uint8Array {
  const type = [0x60, ...vec([...new Array(6).fill([I32]), [F32]]), ...vec([])];
  const body = [
    ...vec([[...uleb(9), I32], [...uleb(4), V128], [...uleb(5), F32]]),
    ...layerNormBody(),
    ...op.end,
  ];
  return new Uint8Array([
    ...MODULE_HEADER,
    ...section(1, vec([type])),
    ...section(2, vec([[...str("env"), ...str("memory"), 0x02, 0x00, 0x00]])),
    ...section(3, vec([[0]])),
    ...section(7, vec([[...str("layernorm"), 0x00, 0x00]])),
    ...section(10, vec([[...uleb(body.length), ...body]])),
  ]);
}

type LayerNormFn = (
  x: number,
  gamma: number,
  beta: number,
  out: number,
  rows: number,
  cols: number,
  eps: number,
) => void;

const instances = new WeakMap<WebAssembly.Memory, LayerNormFn>();

function layerNormFor(backend: WasmBackendInternals): LayerNormFn {
  const memory = backend.wasm.asm.memory;
  let fn = instances.get(memory);
  if (!fn) {
    const module = new WebAssembly.Module(layerNormModule() as BufferSource);
    const instance = new WebAssembly.Instance(module, { env: { memory } });
    fn = instance.exports.layernorm as LayerNormFn;
    instances.set(memory, fn);
  }
  return fn;
}

/** The kernel function: inputs `x` `[…, C]`, `gamma`, `beta` `[C]` (float32), attribute `eps`. */
export function layerNormWasm(
  args: { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: tf.NamedAttrMap },
): tf.TensorInfo {
  const backend = args.backend as WasmBackendInternals;
  const { x, gamma, beta } = args.inputs as Record<string, tf.TensorInfo>;
  const eps = (args.attrs as unknown as { eps: number }).eps;
  const cols = x.shape[x.shape.length - 1];
  const size = x.shape.reduce((a, b) => a * b, 1);
  const out = backend.makeOutput(x.shape, "float32");
  if (size === 0) return out;
  layerNormFor(backend)(
    offsetOf(backend, x),
    offsetOf(backend, gamma),
    offsetOf(backend, beta),
    offsetOf(backend, out),
    size / cols,
    cols,
    eps,
  );
  return out;
}
