/**
 * SHA-256 of bytes, strings and files, as lowercase hex.
 *
 * @module
 */

/**
 * The SHA-256 of `data` as 64 lowercase hex digits.
 *
 * @example
 * ```ts
 * import { sha256Hex } from "@normbench/normbench";
 * const hex = await sha256Hex("abc");
 * console.assert(hex.startsWith("ba7816bf"));
 * ```
 */
export async function sha256Hex(data: Uint8Array | string): Promise<string> {
  const bytes = typeof data === "string" ? new TextEncoder().encode(data) : data;
  const digest = await crypto.subtle.digest("SHA-256", bytes as Uint8Array<ArrayBuffer>);
  return toHex(new Uint8Array(digest));
}

/**
 * The SHA-256 of a file's content as 64 lowercase hex digits.
 *
 * @example
 * ```ts
 * import { sha256File } from "@normbench/normbench";
 * const path = await Deno.makeTempFile();
 * await Deno.writeTextFile(path, "abc");
 * console.assert((await sha256File(path)).startsWith("ba7816bf"));
 * ```
 */
export async function sha256File(path: string): Promise<string> {
  return await sha256Hex(await Deno.readFile(path));
}

function toHex(bytes: Uint8Array): string {
  let out = "";
  for (const b of bytes) out += b.toString(16).padStart(2, "0");
  return out;
}
