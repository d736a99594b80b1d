/**
 * A binary container for decoded data: typed-array columns plus JSON metadata in one file, read
 * back without copying (each column is a view on the file's buffer). Used to cache decoded data
 * sets keyed by the hash of their raw files, so a warm load is one file read.
 *
 * Layout: `NBB1` magic, u32 header length (little-endian), the UTF-8 JSON header
 * `{meta, columns: [{name, type, offset, length}]}`, then the columns, each 8-byte aligned.
 *
 * @module
 */
import { sha256Hex } from "../../util/checksum.ts";
import { writeFileAtomic } from "../../util/fs.ts";

/** The typed arrays a bundle can hold. */
export type Column = Uint8Array | Uint16Array | Int32Array | Uint32Array | Float32Array;

/** Decoded data: named columns and JSON-able metadata. */
export interface Bundle {
  /** Anything JSON can hold (counts, names, versions …). */
  readonly meta: Record<string, unknown>;
  /** The columns. */
  readonly columns: Record<string, Column>;
}

const MAGIC = [0x4e, 0x42, 0x42, 0x32]; // "NBB2": the header carries the data's SHA-256
const TYPES = { Uint8Array, Uint16Array, Int32Array, Uint32Array, Float32Array } as const;
type TypeName = keyof typeof TYPES;

function typeName(col: Column): TypeName {
  for (const name of Object.keys(TYPES) as TypeName[]) {
    if (col instanceof TYPES[name]) return name;
  }
  throw new Error("unsupported column type");
}

const align8 = (n: number) => Math.ceil(n / 8) * 8;

/**
 * Encodes a bundle into bytes.
 *
 * @example
 * ```ts
 * import { decodeBundle, encodeBundle } from "@normbench/normbench";
 * const bytes = encodeBundle({ meta: { n: 2 }, columns: { x: new Int32Array([1, 2]) } });
 * const back = decodeBundle(bytes);
 * console.assert(back.meta.n === 2 && back.columns.x[1] === 2);
 * ```
 */
export function encodeBundle(bundle: Bundle, checksum = ""): Uint8Array {
  const entries = Object.entries(bundle.columns);
  const layout: { name: string; type: TypeName; offset: number; length: number }[] = [];
  let offset = 0;
  for (const [name, col] of entries) {
    layout.push({ name, type: typeName(col), offset, length: col.length });
    offset = align8(offset + col.byteLength);
  }
  const header = new TextEncoder().encode(
    JSON.stringify({ meta: bundle.meta, columns: layout, sha256: checksum }),
  );
  const dataStart = align8(8 + header.length);
  const out = new Uint8Array(dataStart + offset);
  out.set(MAGIC, 0);
  new DataView(out.buffer).setUint32(4, header.length, true);
  out.set(header, 8);
  for (const [i, [, col]] of entries.entries()) {
    out.set(
      new Uint8Array(col.buffer, col.byteOffset, col.byteLength),
      dataStart + layout[i].offset,
    );
  }
  return out;
}

/**
 * Decodes bytes written by {@linkcode encodeBundle}; columns are views on `bytes`' buffer.
 *
 * @example
 * ```ts
 * import { decodeBundle, encodeBundle } from "@normbench/normbench";
 * const b = decodeBundle(encodeBundle({ meta: {}, columns: { y: new Float32Array([0.5]) } }));
 * console.assert(b.columns.y[0] === 0.5);
 * ```
 */
export function decodeBundle(bytes: Uint8Array): Bundle {
  if (bytes.length < 8 || MAGIC.some((m, i) => bytes[i] !== m)) {
    throw new Error("not a normbench bundle");
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = view.getUint32(4, true);
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + headerLength))) as {
    meta: Record<string, unknown>;
    columns: { name: string; type: TypeName; offset: number; length: number }[];
  };
  const dataStart = align8(8 + headerLength);
  // Columns must be aligned in memory: copy once if the input itself is misaligned.
  const base = (bytes.byteOffset + dataStart) % 8 === 0 ? bytes : bytes.slice();
  const columns: Record<string, Column> = {};
  for (const c of header.columns) {
    const Type = TYPES[c.type];
    const start = base.byteOffset + dataStart + c.offset;
    if (start + c.length * Type.BYTES_PER_ELEMENT > base.byteOffset + base.byteLength) {
      throw new Error(`bundle column ${c.name} is truncated`);
    }
    columns[c.name] = new Type(base.buffer as ArrayBuffer, start, c.length);
  }
  return { meta: header.meta, columns };
}

/**
 * Reads a bundle file; `null` when it is missing, unreadable or no longer matches the SHA-256 in
 * its header (then the caller decodes again and replaces it).
 *
 * @example
 * ```ts
 * import { readBundle } from "@normbench/normbench";
 * console.assert((await readBundle("/no/such.bin")) === null);
 * ```
 */
export async function readBundle(path: string): Promise<Bundle | null> {
  try {
    const bytes = await Deno.readFile(path);
    const { sha256, dataStart } = readHeader(bytes);
    // A cache that no longer matches its checksum (truncated, overwritten, bit rot) is not
    // used: the caller decodes afresh and replaces it.
    if (!sha256 || (await sha256Hex(bytes.subarray(dataStart))) !== sha256) return null;
    return decodeBundle(bytes);
  } catch {
    return null;
  }
}

function readHeader(bytes: Uint8Array): { sha256: string; dataStart: number } {
  if (bytes.length < 8 || MAGIC.some((m, i) => bytes[i] !== m)) {
    throw new Error("not a normbench bundle");
  }
  const headerLength = new DataView(bytes.buffer, bytes.byteOffset, 8).getUint32(4, true);
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + headerLength)));
  return { sha256: String(header.sha256 ?? ""), dataStart: align8(8 + headerLength) };
}

/**
 * Writes a bundle file atomically.
 *
 * @example
 * ```ts
 * import { readBundle, writeBundle } from "@normbench/normbench";
 * const path = `${await Deno.makeTempDir()}/b.bin`;
 * await writeBundle(path, { meta: { ok: true }, columns: {} });
 * console.assert((await readBundle(path))?.meta.ok === true);
 * ```
 */
export async function writeBundle(path: string, bundle: Bundle): Promise<void> {
  const plain = encodeBundle(bundle);
  const checksum = await sha256Hex(plain.subarray(readHeader(plain).dataStart));
  await writeFileAtomic(path, encodeBundle(bundle, checksum));
}

/**
 * Packs strings into one UTF-8 column plus end offsets (a compact column pair for bundles).
 *
 * @example
 * ```ts
 * import { packStrings, unpackStrings } from "@normbench/normbench";
 * const { bytes, ends } = packStrings(["a", "ñb"]);
 * console.assert(unpackStrings(bytes, ends)[1] === "ñb");
 * ```
 */
export function packStrings(strings: readonly string[]): { bytes: Uint8Array; ends: Uint32Array } {
  const enc = new TextEncoder();
  const parts = strings.map((s) => enc.encode(s));
  const ends = new Uint32Array(parts.length);
  let total = 0;
  for (const [i, p] of parts.entries()) ends[i] = total += p.length;
  const bytes = new Uint8Array(total);
  let at = 0;
  for (const p of parts) {
    bytes.set(p, at);
    at += p.length;
  }
  return { bytes, ends };
}

/**
 * Unpacks strings packed by {@linkcode packStrings}.
 *
 * @example
 * ```ts
 * import { packStrings, unpackStrings } from "@normbench/normbench";
 * const p = packStrings(["x", "", "yz"]);
 * console.assert(unpackStrings(p.bytes, p.ends).join("|") === "x||yz");
 * ```
 */
export function unpackStrings(bytes: Uint8Array, ends: Uint32Array): string[] {
  const dec = new TextDecoder();
  const out = new Array<string>(ends.length);
  let start = 0;
  for (let i = 0; i < ends.length; i++) {
    out[i] = dec.decode(bytes.subarray(start, ends[i]));
    start = ends[i];
  }
  return out;
}
