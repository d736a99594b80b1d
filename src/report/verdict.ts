/**
 * Deciding a paper's claim from our runs, by a rule stated next to every verdict.
 *
 * @module
 */
import {
  differenceInterval,
  mean,
  meanInterval,
  rateDifferenceInterval,
  std,
} from "../metrics/stats.ts";
import type { ClaimSpec, RunRecord, Verdict } from "../suite/types.ts";
import { collapseCount, metricValues, selectRuns } from "./select.ts";

/** A side of a claim in numbers. */
export interface SideSummary {
  /** Runs selected. */
  runs: number;
  /** Runs with a finite metric value. */
  n: number;
  /** Mean of the metric (NaN when n = 0). */
  mean: number;
  /** Sample standard deviation (NaN when n < 2). */
  std: number;
  /** Collapsed runs. */
  collapsed: number;
}

/** A decided claim. */
export interface ClaimOutcome {
  /** The claim as specified. */
  spec: ClaimSpec;
  /** The claim's side. */
  a: SideSummary;
  /** The comparison side, if any. */
  b: SideSummary | null;
  /** Our estimate (difference, rate difference or value) with its 95% interval. */
  estimate: { value: number; low: number; high: number };
  /** The verdict. */
  verdict: Verdict;
  /** The rule that decided it, in words. */
  rule: string;
}

function side(runs: RunRecord[], metric: string): SideSummary {
  const values = metricValues(runs, metric);
  return {
    runs: runs.length,
    n: values.length,
    mean: values.length ? mean(values) : NaN,
    std: values.length > 1 ? std(values) : NaN,
    collapsed: collapseCount(runs),
  };
}

function decide(low: number, high: number, yes: boolean, no: boolean): Verdict {
  if (!Number.isFinite(low) || !Number.isFinite(high)) return "inconclusive";
  return yes ? "reproduced" : no ? "not reproduced" : "inconclusive";
}

/**
 * The rule of a claim test in words (as printed in reports).
 *
 * @example
 * ```ts
 * import { ruleText } from "@normbench/normbench";
 * console.log(ruleText({ kind: "parity", margin: 1 }, "bleu"));
 * ```
 */
export function ruleText(test: ClaimSpec["test"], metric: string): string {
  switch (test.kind) {
    case "parity":
      return `parity: the 95% CI of Δ${metric} lies within ±${test.margin}; outside it entirely → not reproduced`;
    case "non-inferior":
      return `not worse by more than ${test.margin}: the 95% CI of the gain in ${metric} lies above −${test.margin}; below it entirely → not reproduced`;
    case "better":
      return `better: the 95% CI of the gain in ${metric} lies above 0; below 0 → not reproduced`;
    case "worse":
      return `worse: the 95% CI of the loss in ${metric} lies above 0; below 0 → not reproduced`;
    case "collapses-more":
      return "collapses more: the 95% Newcombe CI of the collapse-rate difference lies above 0; at or below 0 → not reproduced";
    case "at-least":
      return `at least ${test.threshold}: the 95% CI of the mean ${metric} lies above it; below it entirely → not reproduced`;
  }
}

/**
 * Decides a claim from the runs. With fewer than two finite values on a side the interval is
 * unbounded and the verdict is `inconclusive`.
 *
 * @example
 * ```ts
 * import { evaluateClaim } from "@normbench/normbench";
 * const outcome = evaluateClaim({
 *   id: "x", claim: "UN matches LN", source: "UN paper", paper: "35.4 vs 35.3", metric: "bleu",
 *   higherIsBetter: true, a: { norm: "un" }, b: { norm: "ln" }, test: { kind: "parity", margin: 1 },
 * }, []);
 * console.assert(outcome.verdict === "inconclusive");
 * ```
 */
export function evaluateClaim(spec: ClaimSpec, runs: RunRecord[]): ClaimOutcome {
  const aRuns = selectRuns(runs, spec.a);
  const bRuns = spec.b ? selectRuns(runs, spec.b) : [];
  const a = side(aRuns, spec.metric);
  const b = spec.b ? side(bRuns, spec.metric) : null;
  const rule = ruleText(spec.test, spec.metric);
  const test = spec.test;
  if (test.kind === "collapses-more") {
    const d = rateDifferenceInterval(a.collapsed, a.runs, b?.collapsed ?? 0, b?.runs ?? 0);
    const verdict = a.runs === 0 || !b || b.runs === 0
      ? "inconclusive"
      : decide(d.low, d.high, d.low > 0, d.high <= 0);
    return {
      spec,
      a,
      b,
      estimate: { value: d.difference, low: d.low, high: d.high },
      verdict,
      rule,
    };
  }
  const av = metricValues(aRuns, spec.metric);
  if (test.kind === "at-least") {
    const ci = av.length ? meanInterval(av) : { mean: NaN, low: -Infinity, high: Infinity };
    const verdict = decide(ci.low, ci.high, ci.low >= test.threshold, ci.high < test.threshold);
    return { spec, a, b, estimate: { value: ci.mean, low: ci.low, high: ci.high }, verdict, rule };
  }
  const bv = metricValues(bRuns, spec.metric);
  const d = av.length && bv.length
    ? differenceInterval(av, bv)
    : { mean: NaN, low: -Infinity, high: Infinity };
  let verdict: Verdict;
  if (test.kind === "parity") {
    const m = test.margin;
    verdict = decide(d.low, d.high, d.low >= -m && d.high <= m, d.low > m || d.high < -m);
  } else {
    // gain = how much better a is than b in the metric's own direction ("worse" flips it)
    const sign = (test.kind === "worse") !== spec.higherIsBetter ? 1 : -1;
    const low = sign > 0 ? d.low : -d.high;
    const high = sign > 0 ? d.high : -d.low;
    const bar = test.kind === "non-inferior" ? -test.margin : 0;
    verdict = decide(low, high, low > bar, high < bar);
  }
  return { spec, a, b, estimate: { value: d.mean, low: d.low, high: d.high }, verdict, rule };
}
