/**
 * The IDX format of (Fashion-)MNIST: big-endian header `magic, count[, rows, cols]`, then one
 * unsigned byte per label or pixel.
 *
 * @module
 */

/** A decoded IDX file. */
export interface IdxArray {
  /** `[count]` for labels, `[count, rows, cols]` for images. */
  readonly dims: readonly number[];
  /** The bytes, row-major. */
  readonly data: Uint8Array;
}

/**
 * Parses an (already decompressed) IDX file of unsigned bytes: magic 2049 (labels, 1-D) or 2051
 * (images, 3-D). Throws on a wrong magic or a short body.
 *
 * @example
 * ```ts
 * import { parseIdx } from "@normbench/normbench";
 * const bytes = new Uint8Array([0, 0, 8, 1, 0, 0, 0, 2, 7, 3]);
 * const { dims, data } = parseIdx(bytes);
 * console.assert(dims[0] === 2 && data[0] === 7);
 * ```
 */
export function parseIdx(bytes: Uint8Array): IdxArray {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.length < 8 || bytes[0] !== 0 || bytes[1] !== 0 || bytes[2] !== 0x08) {
    throw new Error("not an IDX file of unsigned bytes");
  }
  const rank = bytes[3];
  const dims: number[] = [];
  for (let i = 0; i < rank; i++) dims.push(view.getUint32(4 + 4 * i, false));
  const start = 4 + 4 * rank;
  const count = dims.reduce((a, b) => a * b, 1);
  if (bytes.length < start + count) {
    throw new Error(`IDX body has ${bytes.length - start} bytes, header says ${count}`);
  }
  return { dims, data: bytes.subarray(start, start + count) };
}
