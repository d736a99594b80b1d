/**
 * Checks shared by suites.
 *
 * @module
 */
import type { CheckResult, RunRecord } from "../src/results/types.ts";

/**
 * UN's windowed phase actually ran in every UN run: its step counter passed the (scaled)
 * warm-up, so the geometric-mean statistic, the gradient window and (where enabled) outlier
 * filtration were in use; reports the steps after warm-up and the outlier skips.
 */
export function unPhaseCheck(records: RunRecord[]): CheckResult[] {
  const un = records.filter((r) => r.labels.norm === "un" && r.output.notes?.un);
  if (un.length === 0) return [];
  const phases = un.map((r) =>
    r.output.notes!.un as {
      stepsAfterWarmup: number;
      skips: number;
      layers: number;
      unused?: number;
    }
  );
  const unused = Math.max(0, ...phases.map((p) => p.unused ?? 0));
  const after = phases.map((p) => p.stepsAfterWarmup);
  const skips = phases.map((p) => p.skips);
  const warmups = un.map((r) => (r.output.notes!.normOptions as Record<string, number>)?.warmup);
  return [{
    check: "UN left its warm-up: the windowed statistic and gradient window were in use",
    ok: after.every((a) => a > 0),
    detail:
      `${un.length} UN runs; scaled warm-up ${Math.min(...warmups)}–${Math.max(...warmups)} ` +
      `steps; steps after warm-up per run ${Math.min(...after)}–${Math.max(...after)}; outlier ` +
      `skips (summed over layers) ${Math.min(...skips)}–${Math.max(...skips)} per run` +
      (unused ? `; ${unused} UN layer(s) per run never ran in training (e.g. an unused head)` : ""),
  }];
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
