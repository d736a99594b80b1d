/**
 * What every layer may use: usage errors, input validation, atomic files and directory locks,
 * checksums, the seeded random streams and the special token ids.
 *
 * @example
 * ```ts
 * import { UsageError } from "@normbench/normbench";
 * console.log(new UsageError("bad input", "fix it").oneLine());
 * ```
 *
 * @module
 */
export * from "./errors.ts";
export * from "./validate.ts";
export * from "./lock.ts";
export * from "./fs.ts";
export * from "./checksum.ts";
export * from "./random.ts";
export * from "./special_tokens.ts";
export * from "./random.ts";
export * from "./special_tokens.ts";
