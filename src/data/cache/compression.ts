/**
 * gzip and zlib decoding with the platform's `DecompressionStream`.
 *
 * @module
 */

async function decompress(bytes: Uint8Array, format: CompressionFormat): Promise<Uint8Array> {
  const stream = new Blob([bytes as Uint8Array<ArrayBuffer>]).stream()
    .pipeThrough(new DecompressionStream(format));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

/**
 * Decodes a gzip file's bytes.
 *
 * @example
 * ```ts
 * import { gunzip } from "@normbench/normbench";
 * const gz = new Uint8Array(await new Response(
 *   new Blob(["hello"]).stream().pipeThrough(new CompressionStream("gzip")),
 * ).arrayBuffer());
 * console.assert(new TextDecoder().decode(await gunzip(gz)) === "hello");
 * ```
 */
export async function gunzip(bytes: Uint8Array): Promise<Uint8Array> {
  return await decompress(bytes, "gzip");
}

/**
 * Decodes one zlib stream that may be followed by zero padding (SWORD pads each compressed block
 * with zeros, which `DecompressionStream` rejects as trailing data). The true end lies within the
 * 4 bytes after the last non-zero byte (the Adler-32 trailer may end in zeros), so the candidate
 * ends are tried in order. With `expectedSize`, the output length is checked too.
 *
 * @example
 * ```ts
 * import { inflateZlib } from "@normbench/normbench";
 * const z = new Uint8Array(await new Response(
 *   new Blob(["abc"]).stream().pipeThrough(new CompressionStream("deflate")),
 * ).arrayBuffer());
 * const padded = new Uint8Array(z.length + 16);
 * padded.set(z);
 * console.assert(new TextDecoder().decode(await inflateZlib(padded, 3)) === "abc");
 * ```
 */
export async function inflateZlib(bytes: Uint8Array, expectedSize?: number): Promise<Uint8Array> {
  let end = bytes.length;
  while (end > 0 && bytes[end - 1] === 0) end--;
  const last = Math.min(bytes.length, end + 4);
  let error: unknown;
  for (let n = end; n <= last; n++) {
    try {
      const out = await decompress(bytes.subarray(0, n), "deflate");
      if (expectedSize !== undefined && out.length !== expectedSize) {
        throw new Error(`inflated ${out.length} bytes, expected ${expectedSize}`);
      }
      return out;
    } catch (err) {
      error = err;
    }
  }
  throw error instanceof Error ? error : new Error(String(error));
}
