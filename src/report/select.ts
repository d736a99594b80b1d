/**
 * Selecting and grouping run records by their labels.
 *
 * @module
 */
import type { Labels, RunRecord, Selector } from "../results/types.ts";

/**
 * True when `labels` has every entry of `selector`.
 *
 * @example
 * ```ts
 * import { matches } from "@normbench/normbench";
 * console.assert(matches({ norm: "un", seed: 1 }, { norm: "un" }));
 * ```
 */
export function matches(labels: Labels, selector: Selector | undefined): boolean {
  if (!selector) return true;
  return Object.entries(selector).every(([k, v]) => labels[k] === v);
}

/**
 * The records matching `selector`.
 *
 * @example
 * ```ts
 * import { selectRuns } from "@normbench/normbench";
 * console.assert(selectRuns([], { norm: "un" }).length === 0);
 * ```
 */
export function selectRuns(records: RunRecord[], selector: Selector | undefined): RunRecord[] {
  return records.filter((r) => matches(r.labels, selector));
}

/**
 * Groups records by the values of `keys` (in first-seen order); the group key is the values
 * joined by " · ".
 *
 * @example
 * ```ts
 * import { groupRuns } from "@normbench/normbench";
 * console.assert(groupRuns([], ["norm"]).size === 0);
 * ```
 */
export function groupRuns(records: RunRecord[], keys: string[]): Map<string, RunRecord[]> {
  const groups = new Map<string, RunRecord[]>();
  for (const r of records) {
    const key = keys.map((k) => String(r.labels[k] ?? "—")).join(" · ");
    if (!groups.has(key)) groups.set(key, []);
    groups.get(key)!.push(r);
  }
  return groups;
}

/**
 * The finite values of `metric` over `records` (nulls and non-finite values left out).
 *
 * @example
 * ```ts
 * import { metricValues, type RunRecord } from "@normbench/normbench";
 * const runs = [{ output: { metrics: { acc: 0.9 } } }, { output: { metrics: { acc: null } } }] as unknown as RunRecord[];
 * console.assert(metricValues(runs, "acc").length === 1);
 * ```
 */
export function metricValues(records: RunRecord[], metric: string): number[] {
  return records.map((r) => r.output.metrics[metric]).filter((v): v is number =>
    typeof v === "number" && Number.isFinite(v)
  );
}

/**
 * How many of `records` collapsed.
 *
 * @example
 * ```ts
 * import { collapseCount, type RunRecord } from "@normbench/normbench";
 * const runs = [{ output: { metrics: {}, collapse: { step: 3, reason: "nan" } } }] as unknown as RunRecord[];
 * console.assert(collapseCount(runs) === 1);
 * ```
 */
export function collapseCount(records: RunRecord[]): number {
  return records.filter((r) => r.output.collapse).length;
}
