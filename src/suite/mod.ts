/**
 * Suites and the runner: a suite describes one paper table; the runner schedules its runs on
 * workers, caches and resumes them, shards grids over job arrays and merges them back.
 *
 * @example
 * ```ts
 * import { getSuite, parseProfile } from "@normbench/normbench";
 * import "@normbench/normbench/suites";
 * const suite = getSuite("vit");
 * console.log(suite.runs(parseProfile("quick")).length);
 * ```
 *
 * @module
 */
export * from "./types.ts";
export * from "./registry.ts";
export * from "./hash.ts";
export * from "../util/fs.ts";
export * from "./shard.ts";
export * from "./provenance.ts";
export * from "./executor.ts";
export * from "./progress.ts";
export * from "./runner.ts";
export * from "./result_file.ts";
export * from "./reproduce.ts";
