/**
 * Suites: the declarative description of a paper table (`Suite`, `RunSpec`), the registry that
 * names them, and their plain-data description in results files.
 *
 * @example
 * ```ts
 * import { listSuites } from "@normbench/normbench";
 * import "@normbench/normbench/suites";
 * console.assert(listSuites().some((s) => s.name === "vit"));
 * ```
 *
 * @module
 */
export * from "./types.ts";
export * from "./registry.ts";
export * from "./describe.ts";
export * from "./example.ts";
