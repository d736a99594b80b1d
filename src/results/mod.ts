/**
 * The results schema: what a run returns and a results file holds (runs, claims, references,
 * plots, provenance), parsed and checked when read, merged from shards.
 *
 * @example
 * ```ts
 * import { parseResultFile } from "@normbench/normbench";
 * try { parseResultFile("{}", "x.json"); } catch (err) { console.log((err as Error).message); }
 * ```
 *
 * @module
 */
export * from "./types.ts";
export * from "./result_file.ts";
export * from "./layout.ts";
