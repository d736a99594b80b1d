/**
 * Stable hashing of plain data: canonical JSON (sorted keys) → SHA-256 hex.
 *
 * @module
 */
import { sha256Hex } from "../util/checksum.ts";

/**
 * JSON with object keys sorted at every level, so equal data always gives equal text.
 *
 * @example
 * ```ts
 * import { canonicalJson } from "@normbench/normbench";
 * console.assert(canonicalJson({ b: 1, a: [2, { d: 3, c: 4 }] }) === '{"a":[2,{"c":4,"d":3}],"b":1}');
 * ```
 */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v) => {
    if (v && typeof v === "object" && !Array.isArray(v)) {
      return Object.fromEntries(Object.keys(v).sort().map((k) => [k, v[k]]));
    }
    return v;
  });
}

/**
 * SHA-256 of the canonical JSON of `value`.
 *
 * @example
 * ```ts
 * import { hashJson } from "@normbench/normbench";
 * console.assert((await hashJson({ a: 1, b: 2 })) === (await hashJson({ b: 2, a: 1 })));
 * ```
 */
export function hashJson(value: unknown): Promise<string> {
  return sha256Hex(canonicalJson(value));
}
