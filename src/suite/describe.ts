/**
 * A suite as the plain data its results file stores, so that reports are rebuilt from the file
 * alone.
 *
 * @module
 */
import type { SuiteDescription } from "../results/result_file.ts";
import type { ProfileName } from "../results/types.ts";
import type { Suite } from "./types.ts";

/**
 * Describes a suite for a profile as plain data.
 *
 * @example
 * ```ts
 * import { describeSuite, listSuites } from "@normbench/normbench";
 * for (const s of listSuites()) console.log(describeSuite(s, "quick").title);
 * ```
 */
export function describeSuite(suite: Suite, profile: ProfileName): SuiteDescription {
  return {
    name: suite.name,
    title: suite.title,
    setting: suite.setting,
    datasets: suite.datasets,
    claims: suite.claims,
    references: suite.references ?? [],
    plots: suite.plots,
    notes: suite.notes(profile),
    table: suite.table,
    tables: suite.tables,
  };
}
