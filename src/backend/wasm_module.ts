/**
 * Three kernels for the wasm backend, written as a small WebAssembly (SIMD) module that works
 * directly on tfjs-wasm's heap. The module is assembled here from its instructions (with
 * `wasm_assembler.ts`: no build step, no binary blob) and imports tfjs-wasm's own memory.
 *
 * - `bmm`: batched matrix product. tfjs-wasm sends every batched product (`[G, M, K]·[G, K, N]`
 *   with G > 1, as in attention) to a scalar triple loop at ~2 GFLOP/s; only 2-D products reach
 *   XNNPACK. This kernel vectorises along N with f32x4 (16 columns per pass, then 4, then
 *   scalar) and is several times faster at attention's small shapes.
 * - `colsum`: sums over the rows of a `[R, C]` matrix (the per-channel token sums of the norms
 *   and bias gradients), vectorised along C; tfjs-wasm reduces axis 0 through a slow transpose.
 * - `transpose`: batched 2-D transpose in 64×8 tiles of 4×4 SIMD blocks. tfjs-wasm's 2-D
 *   transpose writes with a stride of a whole column and slows to a few ns per element on tall
 *   matrices (the `xᵀ` of a weight gradient).
 *
 * @module
 */
import * as tf from "../tf.ts";
import type { WasmHeapBackend } from "./segment_sum.ts";
import {
  F32,
  I32,
  inc,
  less,
  op,
  section,
  str,
  uleb,
  V128,
  vec,
  whileLoop,
} from "./wasm_assembler.ts";

/** The batched product's registered name. */
export const SIMD_BATCH_MATMUL = "NormbenchBatchMatMul";

/** The column sum's registered name. */
export const SIMD_COLUMN_SUM = "NormbenchColumnSum";

// Params: a, b, c (byte offsets), G, M, K, N, and A's byte steps between rows i and along k
// (K·4 and 4 for a row-major A; 4 and M·4 for a transposed one).
const A = 0, B = 1, C = 2, G = 3, M = 4, K = 5, N = 6, aStepI = 7, aStepK = 8;
// i32 locals
const g = 9, i = 10, j = 11, kk = 12, aRow = 13, cRow = 14, bG = 15, aPtr = 16, bPtr = 17;
const rowB = 18, aG = 19;
// v128 locals
const acc0 = 20, acc1 = 21, acc2 = 22, acc3 = 23, av = 24;
// f32 local
const s = 25;

/** The inner product over k for `width` vectors (1 or 4) starting at column j. */
function vectorPass(width: number): number[] {
  const accs = [acc0, acc1, acc2, acc3].slice(0, width);
  const zero = accs.flatMap((a) => [...op.vZero, ...op.set(a)]);
  const kLoop = whileLoop(
    [...op.get(kk), ...op.i32(0), ...op.gtS],
    [
      ...op.get(aPtr),
      ...op.f32Load(),
      ...op.splat,
      ...op.set(av),
      ...accs.flatMap((a, v) => [
        ...op.get(a),
        ...op.get(av),
        ...op.get(bPtr),
        ...op.vLoad(16 * v),
        ...op.vMul,
        ...op.vAdd,
        ...op.set(a),
      ]),
      ...inc(aPtr, op.get(aStepK)),
      ...inc(bPtr, op.get(rowB)),
      ...inc(kk, op.i32(-1)),
    ],
  );
  const store = accs.flatMap((a, v) => [
    ...op.get(cRow),
    ...op.get(j),
    ...op.i32(4),
    ...op.mul,
    ...op.add,
    ...op.get(a),
    ...op.vStore(16 * v),
  ]);
  // while (j + 4·width <= N) { zero; aPtr = aRow; bPtr = bG + 4j; kk = K; kLoop; store; j += 4·width }
  return whileLoop(
    [...op.get(j), ...op.i32(4 * width), ...op.add, ...op.get(N), ...op.leS],
    [
      ...zero,
      ...op.get(aRow),
      ...op.set(aPtr),
      ...op.get(bG),
      ...op.get(j),
      ...op.i32(4),
      ...op.mul,
      ...op.add,
      ...op.set(bPtr),
      ...op.get(K),
      ...op.set(kk),
      ...kLoop,
      ...store,
      ...inc(j, op.i32(4 * width)),
    ],
  );
}

/** The remaining columns one at a time. */
function scalarPass(): number[] {
  const kLoop = whileLoop(
    [...op.get(kk), ...op.i32(0), ...op.gtS],
    [
      ...op.get(s),
      ...op.get(aPtr),
      ...op.f32Load(),
      ...op.get(bPtr),
      ...op.f32Load(),
      ...op.f32Mul,
      ...op.f32Add,
      ...op.set(s),
      ...inc(aPtr, op.get(aStepK)),
      ...inc(bPtr, op.get(rowB)),
      ...inc(kk, op.i32(-1)),
    ],
  );
  return whileLoop(
    less(j, N),
    [
      ...op.f32Zero,
      ...op.set(s),
      ...op.get(aRow),
      ...op.set(aPtr),
      ...op.get(bG),
      ...op.get(j),
      ...op.i32(4),
      ...op.mul,
      ...op.add,
      ...op.set(bPtr),
      ...op.get(K),
      ...op.set(kk),
      ...kLoop,
      ...op.get(cRow),
      ...op.get(j),
      ...op.i32(4),
      ...op.mul,
      ...op.add,
      ...op.get(s),
      ...op.f32Store(),
      ...inc(j, op.i32(1)),
    ],
  );
}

function kernelBody(): number[] {
  const rows = whileLoop(
    less(i, M),
    [
      ...op.i32(0),
      ...op.set(j),
      ...vectorPass(4),
      ...vectorPass(1),
      ...scalarPass(),
      ...inc(aRow, op.get(aStepI)),
      ...inc(cRow, op.get(rowB)),
      ...inc(i, op.i32(1)),
    ],
  );
  return [
    ...op.get(N),
    ...op.i32(4),
    ...op.mul,
    ...op.set(rowB),
    ...op.get(A),
    ...op.set(aG),
    ...op.get(C),
    ...op.set(cRow),
    ...op.get(B),
    ...op.set(bG),
    ...whileLoop(
      less(g, G),
      [
        ...op.i32(0),
        ...op.set(i),
        ...op.get(aG),
        ...op.set(aRow),
        ...rows,
        ...inc(aG, [...op.get(M), ...op.get(K), ...op.mul, ...op.i32(4), ...op.mul]),
        ...inc(bG, [...op.get(K), ...op.get(rowB), ...op.mul]),
        ...inc(g, op.i32(1)),
      ],
    ),
  ];
}

/** Tile of the transpose: 64 source rows by 8 columns (chosen by measurement on tall matrices). */
const TILE_R = 64;
const TILE_C = 8;

const LO = [0, 1, 2, 3, 16, 17, 18, 19, 4, 5, 6, 7, 20, 21, 22, 23];
const HI = [8, 9, 10, 11, 24, 25, 26, 27, 12, 13, 14, 15, 28, 29, 30, 31];
const LO64 = [0, 1, 2, 3, 4, 5, 6, 7, 16, 17, 18, 19, 20, 21, 22, 23];
const HI64 = [8, 9, 10, 11, 12, 13, 14, 15, 24, 25, 26, 27, 28, 29, 30, 31];

/**
 * `transpose(src, dst, G, R, C)`: `dst[g][c][r] = src[g][r][c]` for 4-byte elements. The part
 * of each matrix made of whole 4×4 blocks moves with f32x4 loads, shuffles and stores, tile by
 * tile; the right and bottom strips (C mod 4 columns, R mod 4 rows) move one element at a time.
 */
function transposeBody(): number[] {
  // Params: src 0, dst 1, G 2, R 3, C 4. Locals (i32): g 5, r0 6, c0 7, r 8, c 9, rEnd 10,
  // cEnd 11, sp 12, dp 13, rowD 14, srcG 15, dstG 16, plane 17, rowS 18, r4 19, c4 20;
  // (v128): v0..v3 21–24, t0..t3 25–28.
  const [src, dst, gN, rN, cN] = [0, 1, 2, 3, 4];
  const [gg, r0, c0, r, c, rEnd, cEnd, sp, dp, rowD, srcG, dstG, plane, rowS, r4, c4] = [
    5,
    6,
    7,
    8,
    9,
    10,
    11,
    12,
    13,
    14,
    15,
    16,
    17,
    18,
    19,
    20,
  ];
  const v = [21, 22, 23, 24];
  const t = [25, 26, 27, 28];
  const min = (a: number[], b: number[]) => [...a, ...b, ...a, ...b, ...op.ltS, ...op.select];
  const shuffle = (x: number, y: number, lanes: number[]) => [
    ...op.get(x),
    ...op.get(y),
    0xfd,
    ...uleb(0x0d),
    ...lanes,
  ];
  // sp = srcG + (r·C + c)·4; dp = dstG + (c·R + r)·4
  const pointers = [
    ...op.get(srcG),
    ...op.get(r),
    ...op.get(cN),
    ...op.mul,
    ...op.get(c),
    ...op.add,
    ...op.i32(4),
    ...op.mul,
    ...op.add,
    ...op.set(sp),
    ...op.get(dstG),
    ...op.get(c),
    ...op.get(rN),
    ...op.mul,
    ...op.get(r),
    ...op.add,
    ...op.i32(4),
    ...op.mul,
    ...op.add,
    ...op.set(dp),
  ];
  const block = [
    ...pointers,
    ...v.flatMap((vi, k) => [
      ...op.get(sp),
      ...(k ? [...op.get(rowS), ...op.i32(k), ...op.mul, ...op.add] : []),
      ...op.vLoad(),
      ...op.set(vi),
    ]),
    ...shuffle(v[0], v[1], LO),
    ...op.set(t[0]),
    ...shuffle(v[0], v[1], HI),
    ...op.set(t[1]),
    ...shuffle(v[2], v[3], LO),
    ...op.set(t[2]),
    ...shuffle(v[2], v[3], HI),
    ...op.set(t[3]),
    ...[[t[0], t[2], LO64], [t[0], t[2], HI64], [t[1], t[3], LO64], [t[1], t[3], HI64]].flatMap(
      ([x, y, lanes], k) => [
        ...op.get(dp),
        ...(k ? [...op.get(rowD), ...op.i32(k), ...op.mul, ...op.add] : []),
        ...shuffle(x as number, y as number, lanes as number[]),
        ...op.vStore(),
      ],
    ),
  ];
  const blocks = whileLoop(less(r, rEnd), [
    ...op.get(c0),
    ...op.set(c),
    ...whileLoop(less(c, cEnd), [...block, ...inc(c, op.i32(4))]),
    ...inc(r, op.i32(4)),
  ]);
  const simd = whileLoop(less(r0, r4), [
    ...min([...op.get(r0), ...op.i32(TILE_R), ...op.add], op.get(r4)),
    ...op.set(rEnd),
    ...op.i32(0),
    ...op.set(c0),
    ...whileLoop(less(c0, c4), [
      ...min([...op.get(c0), ...op.i32(TILE_C), ...op.add], op.get(c4)),
      ...op.set(cEnd),
      ...op.get(r0),
      ...op.set(r),
      ...blocks,
      ...inc(c0, op.i32(TILE_C)),
    ]),
    ...inc(r0, op.i32(TILE_R)),
  ]);
  /** Element by element over rows [rFrom, R) × columns [cFrom, cTo). */
  const scalar = (rFrom: number[], cFrom: number[], cTo: number[]) => [
    ...rFrom,
    ...op.set(r),
    ...whileLoop(less(r, rN), [
      ...cFrom,
      ...op.set(c),
      ...cTo,
      ...op.set(cEnd),
      ...pointers,
      ...whileLoop(less(c, cEnd), [
        ...op.get(dp),
        ...op.get(sp),
        ...op.i32Load(),
        ...op.i32Store(),
        ...inc(sp, op.i32(4)),
        ...inc(dp, op.get(rowD)),
        ...inc(c, op.i32(1)),
      ]),
      ...inc(r, op.i32(1)),
    ]),
  ];
  const roundDown4 = (x: number) => [...op.get(x), ...op.i32(-4), 0x71 /* i32.and */];
  return [
    ...op.get(rN),
    ...op.i32(4),
    ...op.mul,
    ...op.set(rowD),
    ...op.get(cN),
    ...op.i32(4),
    ...op.mul,
    ...op.set(rowS),
    ...op.get(rN),
    ...op.get(cN),
    ...op.mul,
    ...op.i32(4),
    ...op.mul,
    ...op.set(plane),
    ...roundDown4(rN),
    ...op.set(r4),
    ...roundDown4(cN),
    ...op.set(c4),
    ...op.get(src),
    ...op.set(srcG),
    ...op.get(dst),
    ...op.set(dstG),
    ...whileLoop(less(gg, gN), [
      ...op.i32(0),
      ...op.set(r0),
      ...simd,
      // right strip: all rows, columns [c4, C)
      ...scalar(op.i32(0), op.get(c4), op.get(cN)),
      // bottom strip: rows [r4, R), columns [0, c4)
      ...scalar(op.get(r4), op.i32(0), op.get(c4)),
      ...inc(srcG, op.get(plane)),
      ...inc(dstG, op.get(plane)),
      ...inc(gg, op.i32(1)),
    ]),
  ];
}

/** `colsum(src, dst, R, C)`: `dst[c] = Σ_r src[r][c]` (f32), 16, then 4, then 1 column a pass. */
function colsumBody(): number[] {
  // Params: src 0, dst 1, R 2, C 3. Locals: c0 4, r 5, p 6, rowBytes 7 (i32); a0..a3 8–11
  // (v128); t 12 (f32).
  const [src, dst, rN, cN] = [0, 1, 2, 3];
  const [c0, r, ptr, rowBytes] = [4, 5, 6, 7];
  const accs = [8, 9, 10, 11];
  const t = 12;
  const pass = (width: number): number[] => {
    const used = accs.slice(0, width);
    const rows = whileLoop(less(r, rN), [
      ...used.flatMap((a, v) => [
        ...op.get(a),
        ...op.get(ptr),
        ...op.vLoad(16 * v),
        ...op.vAdd,
        ...op.set(a),
      ]),
      ...inc(ptr, op.get(rowBytes)),
      ...inc(r, op.i32(1)),
    ]);
    return whileLoop([...op.get(c0), ...op.i32(4 * width), ...op.add, ...op.get(cN), ...op.leS], [
      ...used.flatMap((a) => [...op.vZero, ...op.set(a)]),
      ...op.get(src),
      ...op.get(c0),
      ...op.i32(4),
      ...op.mul,
      ...op.add,
      ...op.set(ptr),
      ...op.i32(0),
      ...op.set(r),
      ...rows,
      ...used.flatMap((a, v) => [
        ...op.get(dst),
        ...op.get(c0),
        ...op.i32(4),
        ...op.mul,
        ...op.add,
        ...op.get(a),
        ...op.vStore(16 * v),
      ]),
      ...inc(c0, op.i32(4 * width)),
    ]);
  };
  const scalar = whileLoop(less(c0, cN), [
    ...op.f32Zero,
    ...op.set(t),
    ...op.get(src),
    ...op.get(c0),
    ...op.i32(4),
    ...op.mul,
    ...op.add,
    ...op.set(ptr),
    ...op.i32(0),
    ...op.set(r),
    ...whileLoop(less(r, rN), [
      ...op.get(t),
      ...op.get(ptr),
      ...op.f32Load(),
      ...op.f32Add,
      ...op.set(t),
      ...inc(ptr, op.get(rowBytes)),
      ...inc(r, op.i32(1)),
    ]),
    ...op.get(dst),
    ...op.get(c0),
    ...op.i32(4),
    ...op.mul,
    ...op.add,
    ...op.get(t),
    ...op.f32Store(),
    ...inc(c0, op.i32(1)),
  ]);
  return [
    ...op.get(cN),
    ...op.i32(4),
    ...op.mul,
    ...op.set(rowBytes),
    ...op.i32(0),
    ...op.set(c0),
    ...pass(4),
    ...pass(1),
    ...scalar,
  ];
}

/**
 * The module's bytes: imports `env.memory`, exports `bmm(a, b, c, G, M, K, N, aStepI, aStepK)` and
 * `transpose(src, dst, G, R, C)` (all arguments byte offsets or counts).
 */
export function wasmKernelModule(): Uint8Array {
  const bmmType = [0x60, ...vec(new Array(9).fill([I32])), ...vec([])];
  const transposeType = [0x60, ...vec(new Array(5).fill([I32])), ...vec([])];
  const bmm = [
    ...vec([[...uleb(11), I32], [...uleb(5), V128], [...uleb(1), F32]]),
    ...kernelBody(),
    ...op.end,
  ];
  const transpose = [
    ...vec([[...uleb(16), I32], [...uleb(8), V128]]),
    ...transposeBody(),
    ...op.end,
  ];
  const colsumType = [0x60, ...vec(new Array(4).fill([I32])), ...vec([])];
  const colsum = [
    ...vec([[...uleb(4), I32], [...uleb(4), V128], [...uleb(1), F32]]),
    ...colsumBody(),
    ...op.end,
  ];
  const bytes = [
    0x00,
    0x61,
    0x73,
    0x6d,
    0x01,
    0x00,
    0x00,
    0x00,
    ...section(1, vec([bmmType, transposeType, colsumType])),
    ...section(2, vec([[...str("env"), ...str("memory"), 0x02, 0x00, 0x00]])),
    ...section(3, vec([[0], [1], [2]])),
    ...section(
      7,
      vec([
        [...str("bmm"), 0x00, 0x00],
        [...str("transpose"), 0x00, 0x01],
        [...str("colsum"), 0x00, 0x02],
      ]),
    ),
    ...section(
      10,
      vec([
        [...uleb(bmm.length), ...bmm],
        [...uleb(transpose.length), ...transpose],
        [...uleb(colsum.length), ...colsum],
      ]),
    ),
  ];
  return new Uint8Array(bytes);
}

type Bmm = (
  a: number,
  b: number,
  c: number,
  g: number,
  m: number,
  k: number,
  n: number,
  aStepI: number,
  aStepK: number,
) => void;
type Transpose = (src: number, dst: number, g: number, r: number, c: number) => void;
type ColumnSum = (src: number, dst: number, r: number, c: number) => void;
interface Kernels {
  bmm: Bmm;
  transpose: Transpose;
  colsum: ColumnSum;
}

/** The parts of tfjs-wasm's backend a kernel working on its heap needs. */
export interface WasmBackendInternals extends WasmHeapBackend {
  /** The backend's WebAssembly instance (its memory is the heap). */
  wasm: { asm: { memory: WebAssembly.Memory } };
  /** Where each tensor lives on the heap. */
  dataIdMap: { get(dataId: object): { memoryOffset: number } };
}

const instances = new WeakMap<WebAssembly.Memory, Kernels>();

function kernelsFor(backend: WasmBackendInternals): Kernels {
  const memory = backend.wasm.asm.memory;
  let k = instances.get(memory);
  if (!k) {
    const module = new WebAssembly.Module(wasmKernelModule() as BufferSource);
    const instance = new WebAssembly.Instance(module, { env: { memory } });
    k = {
      bmm: instance.exports.bmm as Bmm,
      transpose: instance.exports.transpose as Transpose,
      colsum: instance.exports.colsum as ColumnSum,
    };
    instances.set(memory, k);
  }
  return k;
}

/** The byte offset of a tensor's data on the wasm heap. */
export function offsetOf(backend: WasmBackendInternals, t: tf.TensorInfo): number {
  return backend.dataIdMap.get(t.dataId).memoryOffset;
}

/**
 * The kernel function: inputs `a` `[G, M, K]` (or `[G, K, M]` with attribute `transposeA`),
 * `b` `[G, K, N]` (float32, any leading shape of equal size), output `[…lead, M, N]`.
 */
export function simdBatchMatMul(
  args: { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: tf.NamedAttrMap },
): tf.TensorInfo {
  const backend = args.backend as WasmBackendInternals;
  const { a, b } = args.inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
  const transposeA = Boolean((args.attrs as { transposeA?: boolean } | undefined)?.transposeA);
  const r = a.shape.length;
  const [a0, a1] = a.shape.slice(-2);
  const [m, k] = transposeA ? [a1, a0] : [a0, a1];
  const n = b.shape[b.shape.length - 1];
  const lead = a.shape.slice(0, -2);
  const groups = lead.reduce((x, y) => x * y, 1);
  const out = backend.makeOutput([...lead, m, n], "float32");
  if (r < 2 || groups * m * n === 0) return out;
  if (k === 0) {
    backend.typedArrayFromHeap(out).fill(0);
    return out;
  }
  const [stepI, stepK] = transposeA ? [4, m * 4] : [k * 4, 4];
  kernelsFor(backend).bmm(
    offsetOf(backend, a),
    offsetOf(backend, b),
    offsetOf(backend, out),
    groups,
    m,
    k,
    n,
    stepI,
    stepK,
  );
  return out;
}

/**
 * A `Transpose` kernel: permutations that swap the last two axes (after merging leading axes
 * left in place) of 4-byte tensors run on the tiled `transpose`; every other case goes to
 * `fallback` (tfjs-wasm's own kernel).
 */
export function tiledTranspose(fallback: tf.KernelFunc): tf.KernelFunc {
  return ((args: { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: tf.NamedAttrMap }) => {
    const backend = args.backend as WasmBackendInternals;
    const x = args.inputs.x as tf.TensorInfo;
    const perm = (args.attrs as unknown as { perm: number[] }).perm;
    const r = x.shape.length;
    const swapsLastTwo = r >= 2 && perm[r - 1] === r - 2 && perm[r - 2] === r - 1 &&
      perm.slice(0, -2).every((p, i) => p === i);
    if (!swapsLastTwo || x.dtype === "bool" || x.dtype === "string" || x.dtype === "complex64") {
      return fallback(args as Parameters<tf.KernelFunc>[0]);
    }
    const rows = x.shape[r - 2];
    const cols = x.shape[r - 1];
    const groups = x.shape.slice(0, -2).reduce((p, q) => p * q, 1);
    const out = backend.makeOutput(perm.map((p) => x.shape[p]), x.dtype);
    if (groups * rows * cols > 0) {
      kernelsFor(backend).transpose(
        offsetOf(backend, x),
        offsetOf(backend, out),
        groups,
        rows,
        cols,
      );
    }
    return out;
  }) as unknown as tf.KernelFunc;
}

/** The kernel function: input `x` `[R, C]` (float32), output `[C]` = Σ over rows. */
export function simdColumnSum(
  args: { inputs: tf.NamedTensorInfoMap; backend: unknown },
): tf.TensorInfo {
  const backend = args.backend as WasmBackendInternals;
  const x = args.inputs.x as tf.TensorInfo;
  const [rows, cols] = x.shape;
  const out = backend.makeOutput([cols], "float32");
  if (cols > 0) {
    kernelsFor(backend).colsum(offsetOf(backend, x), offsetOf(backend, out), rows, cols);
  }
  return out;
}

let registered = false;

/**
 * Registers {@linkcode SIMD_BATCH_MATMUL} and {@linkcode SIMD_COLUMN_SUM} on the wasm backend
 * (idempotent; call it with wasm as the current backend); false when this runtime has no
 * WebAssembly SIMD or the module does not link against the backend's memory.
 *
 * @example
 * ```ts
 * import { initBackend } from "./backend.ts";
 * import { registerSimdMatMul } from "./wasm_module.ts";
 * await initBackend("wasm"); // registers the kernels already
 * console.log(registerSimdMatMul() ? "SIMD kernels registered" : "no SIMD");
 * ```
 */
export function registerSimdMatMul(): boolean {
  if (registered) return true;
  if (!WebAssembly.validate(wasmKernelModule() as BufferSource)) return false;
  try {
    // Link against the running backend's memory now (a shared memory, as in tfjs's threaded
    // build, would not link): on failure the backend keeps its own kernels.
    kernelsFor(tf.backend() as unknown as WasmBackendInternals);
  } catch {
    return false;
  }
  tf.registerKernel({
    kernelName: SIMD_BATCH_MATMUL,
    backendName: "wasm",
    kernelFunc: simdBatchMatMul as unknown as tf.KernelFunc,
  });
  tf.registerKernel({
    kernelName: SIMD_COLUMN_SUM,
    backendName: "wasm",
    kernelFunc: simdColumnSum as unknown as tf.KernelFunc,
  });
  registered = true;
  return true;
}
