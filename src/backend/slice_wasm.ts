/**
 * Copy-free data movement for the wasm backend:
 * - `Slice` and `SplitV` without the full-input copy of tfjs-wasm 4.22, whose slice reads its
 *   whole input back (`readSync`, a copy of every element) for every output: a split into k parts
 *   cost k full copies. These kernels read the heap in place.
 * - `Identity` sharing its input's memory (reference-counted, as `Reshape` already does) instead
 *   of copying it: tfjs clones every tensor a custom gradient saves, so the copy cost a full
 *   pass over every saved activation.
 * - `GatherV2` and `Reverse` as copies of contiguous runs: tfjs-wasm 4.22's compute every element's
 *   index (~30–40 ns an element: 22 ms to look up 2048 token embeddings of width 256; a
 *   millisecond to rotate a 3×3×64×64 convolution kernel for its input gradient).
 *
 * @module
 */
import * as tf from "../tf.ts";
import type { WasmHeapBackend } from "./segment_sum.ts";

type TypedArray = Float32Array | Int32Array | Uint8Array;

function strides(shape: number[]): number[] {
  const out = new Array<number>(shape.length).fill(1);
  for (let i = shape.length - 2; i >= 0; i--) out[i] = out[i + 1] * shape[i + 1];
  return out;
}

/** Copies the box `begin + size` of `src` (shape `shape`) into `dst`, row by row. */
function copyBox(
  src: TypedArray,
  shape: number[],
  begin: number[],
  size: number[],
  dst: TypedArray,
): void {
  const rank = shape.length;
  if (rank === 0) {
    dst[0] = src[0];
    return;
  }
  const st = strides(shape);
  // Merge trailing axes that are taken whole into one contiguous run.
  let inner = rank - 1;
  let run = size[rank - 1];
  while (inner > 0 && size[inner] === shape[inner] && begin[inner] === 0) {
    inner -= 1;
    run *= size[inner];
  }
  const outer = size.slice(0, inner);
  const index = new Array<number>(inner).fill(0);
  const total = outer.reduce((a, b) => a * b, 1);
  let at = 0;
  for (let n = 0; n < total; n++) {
    let offset = begin[inner] * st[inner];
    for (let i = 0; i < inner; i++) offset += (begin[i] + index[i]) * st[i];
    dst.set(src.subarray(offset, offset + run), at);
    at += run;
    for (let i = inner - 1; i >= 0; i--) {
      if (++index[i] < outer[i]) break;
      index[i] = 0;
    }
  }
}

function sliceInfo(
  backend: WasmHeapBackend,
  x: tf.TensorInfo,
  begin: number[],
  size: number[],
): tf.TensorInfo {
  const out = backend.makeOutput(size, x.dtype);
  if (size.some((s) => s === 0)) return out;
  // Views after the allocation: an allocation can grow (and detach) the heap.
  copyBox(
    backend.typedArrayFromHeap(x),
    [...x.shape],
    begin,
    size,
    backend.typedArrayFromHeap(out),
  );
  return out;
}

/**
 * The `Slice` kernel (same attributes and semantics as tfjs's), reading the input in place.
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs-core";
 * import { initBackend } from "@normbench/normbench";
 * await initBackend("wasm");
 * const s = tf.slice(tf.tensor2d([[1, 2], [3, 4]]), [1, 0], [1, 2]);
 * console.assert((await s.data()).join() === "3,4");
 * ```
 */
export function sliceWasm(
  args: { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: tf.NamedAttrMap },
): tf.TensorInfo {
  const x = args.inputs.x as tf.TensorInfo;
  const { begin, size } = args.attrs as unknown as { begin: number[]; size: number[] };
  const [b, s] = tf.slice_util.parseSliceParams(x as tf.Tensor, begin, size);
  return sliceInfo(args.backend as WasmHeapBackend, x, b, s);
}

/**
 * The `SplitV` kernel, reading the input in place once per output.
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs-core";
 * import { initBackend } from "@normbench/normbench";
 * await initBackend("wasm");
 * const [a, b] = tf.split(tf.tensor1d([1, 2, 3]), [1, 2]);
 * console.assert((await b.data()).join() === "2,3" && a.size === 1);
 * ```
 */
export function splitVWasm(
  args: { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: tf.NamedAttrMap },
): tf.TensorInfo[] {
  const x = args.inputs.x as tf.TensorInfo;
  const { numOrSizeSplits, axis } = args.attrs as unknown as {
    numOrSizeSplits: number | number[];
    axis: number;
  };
  const ax = tf.util.parseAxisParam(axis, x.shape)[0];
  const sizes = tf.backend_util.prepareSplitSize(x as tf.Tensor, numOrSizeSplits, ax);
  const begin = new Array<number>(x.shape.length).fill(0);
  return sizes.map((s) => {
    const size = [...x.shape];
    size[ax] = s;
    const out = sliceInfo(args.backend as WasmHeapBackend, x, [...begin], size);
    begin[ax] += s;
    return out;
  });
}

/**
 * The `Identity` kernel (`tf.clone`): shares the input's memory, counting a reference.
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs-core";
 * import { initBackend } from "@normbench/normbench";
 * await initBackend("wasm");
 * const a = tf.tensor1d([1, 2]);
 * const b = tf.clone(a);
 * a.dispose();
 * console.assert((await b.data())[1] === 2);
 * ```
 */
export function identityWasm(
  args: { inputs: tf.NamedTensorInfoMap; backend: unknown },
): tf.TensorInfo {
  const x = args.inputs.x as tf.TensorInfo;
  (args.backend as { incRef(dataId: object): void }).incRef(x.dataId);
  return { dataId: x.dataId, shape: [...x.shape], dtype: x.dtype };
}

/**
 * The `GatherV2` kernel (same attributes and semantics as tfjs's, `batchDims` included): one copy
 * of a contiguous slice per index. An index outside the axis fails with tfjs's own message.
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs-core";
 * import { initBackend } from "@normbench/normbench";
 * await initBackend("wasm");
 * const rows = tf.gather(tf.tensor2d([[1, 2], [3, 4], [5, 6]]), tf.tensor1d([2, 0], "int32"));
 * console.assert((await rows.data()).join() === "5,6,1,2");
 * ```
 */
export function gatherV2Wasm(
  args: { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: tf.NamedAttrMap },
): tf.TensorInfo {
  const { x, indices } = args.inputs as { x: tf.TensorInfo; indices: tf.TensorInfo };
  const { axis, batchDims } = args.attrs as unknown as { axis: number; batchDims: number };
  const backend = args.backend as WasmHeapBackend;
  const ax = tf.util.parseAxisParam(axis, x.shape)[0];
  const info = tf.backend_util.segment_util.collectGatherOpShapeInfo(
    x as tf.Tensor,
    indices as tf.Tensor,
    ax,
    batchDims,
  );
  const { batchSize, outerSize, dimSize, sliceSize } = info;
  const count = tf.util.sizeFromShape(indices.shape);
  const perBatch = batchSize ? count / batchSize : 0;
  const out = backend.makeOutput(info.outputShape, x.dtype);
  if (tf.util.sizeFromShape(info.outputShape) === 0) return out;
  const src = backend.typedArrayFromHeap(x);
  const idx = backend.typedArrayFromHeap(indices);
  const dst = backend.typedArrayFromHeap(out);
  for (let i = 0; i < count; i++) {
    const index = idx[i];
    tf.util.assert(
      index <= dimSize - 1 && index >= 0,
      () => `GatherV2: the index value ${index} is not in [0, ${dimSize - 1}]`,
    );
  }
  let at = 0;
  for (let b = 0; b < batchSize; b++) {
    for (let o = 0; o < outerSize; o++) {
      const base = (b * outerSize + o) * dimSize;
      for (let i = 0; i < perBatch; i++) {
        const from = (base + idx[b * perBatch + i]) * sliceSize;
        dst.set(src.subarray(from, from + sliceSize), at);
        at += sliceSize;
      }
    }
  }
  return out;
}

/**
 * The `Reverse` kernel (same attributes and semantics as tfjs's): the axes after the last
 * reversed one are copied as contiguous runs.
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs-core";
 * import { initBackend } from "@normbench/normbench";
 * await initBackend("wasm");
 * const r = tf.reverse(tf.tensor2d([[1, 2], [3, 4]]), [0]);
 * console.assert((await r.data()).join() === "3,4,1,2");
 * ```
 */
export function reverseWasm(
  args: { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: tf.NamedAttrMap },
): tf.TensorInfo {
  const x = args.inputs.x as tf.TensorInfo;
  const backend = args.backend as WasmHeapBackend;
  const { dims } = args.attrs as unknown as { dims: number | number[] };
  const shape = [...x.shape];
  const flipped = new Set(tf.util.parseAxisParam(dims, shape));
  const out = backend.makeOutput(shape, x.dtype);
  if (tf.util.sizeFromShape(shape) === 0) return out;
  const src = backend.typedArrayFromHeap(x);
  const dst = backend.typedArrayFromHeap(out);
  if (shape.length === 0 || flipped.size === 0) {
    dst.set(src);
    return out;
  }
  const last = Math.max(...flipped);
  const run = tf.util.sizeFromShape(shape.slice(last + 1));
  const outer = shape.slice(0, last + 1);
  const st = strides(shape);
  const index = new Array<number>(outer.length).fill(0);
  const total = tf.util.sizeFromShape(outer);
  let at = 0;
  for (let n = 0; n < total; n++) {
    let from = 0;
    for (let i = 0; i < outer.length; i++) {
      from += (flipped.has(i) ? outer[i] - 1 - index[i] : index[i]) * st[i];
    }
    if (run === 1) dst[at] = src[from];
    else dst.set(src.subarray(from, from + run), at);
    at += run;
    for (let i = outer.length - 1; i >= 0; i--) {
      if (++index[i] < outer[i]) break;
      index[i] = 0;
    }
  }
  return out;
}
