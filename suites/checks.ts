/**
 * Checks shared by suites.
 *
 * @module
 */
import type { CheckResult, RunRecord } from "../src/results/types.ts";
import type { SummaryValue } from "../src/norms/entry.ts";
import { NORM_NAMES, normEntry } from "../src/norms/registry.ts";

/**
 * Each norm's own checks on its runs, from its registry entry (e.g. UN: its windowed phase
 * actually ran — the step counter passed the scaled warm-up — with the steps after warm-up and
 * the outlier skips). A run is passed to its norm's check when it recorded the norm's summary
 * (`notes[<norm name>]`).
 */
export function normChecks(records: RunRecord[]): CheckResult[] {
  return NORM_NAMES.flatMap((name) => {
    const { check } = normEntry(name);
    const runs = records.filter((r) => r.labels.norm === name && r.output.notes?.[name]);
    if (!check || runs.length === 0) return [];
    return check(runs.map((r) => ({
      summary: r.output.notes![name] as Record<string, SummaryValue>,
      options: (r.output.notes!.normOptions ?? {}) as Record<string, unknown>,
    })));
  });
}

/** Every run finished all its steps or recorded why it stopped. */
export function completionCheck(records: RunRecord[]): CheckResult {
  const incomplete = records.filter((r) =>
    !r.output.collapse &&
    typeof r.output.notes?.completedSteps === "number" &&
    Object.values(r.output.metrics).every((v) => v === null)
  );
  return {
    check: "every run either produced its metrics or recorded a collapse",
    ok: incomplete.length === 0,
    detail: `${records.length} runs, ${records.filter((r) => r.output.collapse).length} collapsed`,
  };
}
