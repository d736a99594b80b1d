/**
 * `UnsortedSegmentSum` for the wasm backend, which does not ship it. It is the gradient of
 * `tf.gather` (so of token embeddings); implemented in JavaScript on the wasm heap.
 *
 * @module
 */
import type * as tf from "../tf.ts";

/** The parts of tfjs-wasm's backend a JavaScript kernel needs. */
export interface WasmHeapBackend {
  /** Allocates an output tensor on the wasm heap. */
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  /** A typed-array view of a tensor's memory on the heap (invalid after the heap grows). */
  typedArrayFromHeap(t: tf.TensorInfo): Float32Array | Int32Array | Uint8Array;
}

/**
 * The kernel: `out[s] = Σ_{i: ids[i] = s} x[i]` for `x` of shape `[n, …]`, `segmentIds` `[n]`
 * and `numSegments` rows; ids outside `[0, numSegments)` are dropped (as in TensorFlow).
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs-core";
 * import { initBackend } from "@normbench/normbench";
 * await initBackend("wasm");
 * const s = tf.unsortedSegmentSum(tf.tensor2d([[1], [2], [3]]), tf.tensor1d([0, 0, 1], "int32"), 2);
 * console.assert((await s.data())[0] === 3);
 * ```
 */
export function unsortedSegmentSumWasm(
  args: { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: tf.NamedAttrMap },
): tf.TensorInfo {
  const backend = args.backend as WasmHeapBackend;
  const { x, segmentIds } = args.inputs as { x: tf.TensorInfo; segmentIds: tf.TensorInfo };
  const numSegments = (args.attrs as { numSegments: number }).numSegments;
  const n = segmentIds.shape.reduce((a, b) => a * b, 1);
  const inner = x.shape.slice(1).reduce((a, b) => a * b, 1);
  const out = backend.makeOutput([numSegments, ...x.shape.slice(1)], x.dtype);
  // Views after the allocation: an allocation can grow (and detach) the heap.
  const dst = backend.typedArrayFromHeap(out);
  const src = backend.typedArrayFromHeap(x);
  const ids = backend.typedArrayFromHeap(segmentIds);
  dst.fill(0);
  for (let i = 0; i < n; i++) {
    const s = ids[i];
    if (s < 0 || s >= numSegments) continue;
    const from = i * inner;
    const to = s * inner;
    for (let j = 0; j < inner; j++) dst[to + j] += src[from + j];
  }
  return out;
}
