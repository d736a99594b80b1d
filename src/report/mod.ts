/**
 * Reports: verdicts by stated rules, Markdown per suite and for the overview, SVG plots — all
 * rebuilt from results files alone.
 *
 * @example
 * ```ts
 * import { readResultFiles, overviewMarkdown } from "@normbench/normbench";
 * console.log(overviewMarkdown(await readResultFiles("results/standard")).slice(0, 80));
 * ```
 *
 * @module
 */
export * from "./select.ts";
export * from "./verdict.ts";
export * from "./svg.ts";
export * from "./plots.ts";
export * from "./markdown.ts";
export * from "./write.ts";
