/**
 * Deciding a paper's claim from our runs, by a rule stated next to every verdict.
 *
 * A claim is decided on every run of its sides: a run that collapsed counts with the chance
 * level of its metric (a collapse keeps no accuracy); the survivors-only estimate is reported
 * beside it. Before a verdict speaks, the experiment must be able to: a claim whose baseline
 * missed its reference level (not converged), or which is undecided with fewer runs than its
 * margin needs, is `underpowered`. Each decided claim carries the p-value of its rule (the
 * interval inverted), for the Holm adjustment over a suite's claims.
 *
 * @module
 */
import {
  differenceInterval,
  holmSignificant,
  intervalPValue,
  mean,
  meanInterval,
  normalQuantile,
  rateDifferenceInterval,
  runsNeeded,
  std,
} from "../metrics/stats.ts";
import type { ClaimSpec, Reference, RunRecord, Selector, Verdict } from "../results/types.ts";
import { collapseCount, selectRuns } from "./select.ts";

/** A side of a claim in numbers. */
export interface SideSummary {
  /** Runs selected. */
  runs: number;
  /** Runs with a value: finite metrics, and collapsed runs at their chance level. */
  n: number;
  /** Mean of those values (NaN when n = 0). */
  mean: number;
  /** Their sample standard deviation (NaN when n < 2). */
  std: number;
  /** Collapsed runs. */
  collapsed: number;
  /** The survivors only: runs that did not collapse and have a finite value. */
  survivors: { n: number; mean: number; std: number };
}

/** An estimate with its 95% interval. */
export interface Estimate {
  /** Point estimate. */
  value: number;
  /** Lower bound. */
  low: number;
  /** Upper bound. */
  high: number;
}

/** A baseline's reference level and whether it was reached. */
export interface ReferenceStatus {
  /** The reference. */
  reference: Reference;
  /** The baseline's mean (collapsed runs at chance). */
  reached: number;
  /** Runs behind the mean. */
  n: number;
  /** Whether the level was reached. */
  ok: boolean;
}

/** A decided claim. */
export interface ClaimOutcome {
  /** The claim as specified. */
  spec: ClaimSpec;
  /** The claim's side. */
  a: SideSummary;
  /** The comparison side, if any. */
  b: SideSummary | null;
  /** Our estimate (difference, rate difference or value) with its 95% interval, all runs. */
  estimate: Estimate;
  /** The same on the survivors only (difference tests), or null. */
  survivors: Estimate | null;
  /** The verdict. */
  verdict: Verdict;
  /** What the interval alone says, before the reference and power checks. */
  intervalVerdict: Verdict;
  /** The p-value of the rule that decided (or, undecided, of the nearer one); null: none. */
  p: number | null;
  /** Runs a side needs for the claim's margin or effect with the observed spread, or null. */
  needed: number | null;
  /** The references of the claim's baseline. */
  references: ReferenceStatus[];
  /** Why the claim is underpowered, or null. */
  reason: string | null;
  /** The rule that decided it, in words. */
  rule: string;
  /** The verdict after Holm's adjustment over the suite's claims (set by {@linkcode holmAdjust}). */
  holm?: Verdict;
  /** The claim's deterministic proxies: mean over the runs of side a that have each. */
  proxies: { label: string; mean: number; n: number }[];
  /**
   * A stable-range claim: the swept value where the two were compared and the collapsed runs
   * of each side there, `[collapsed, runs]`; otherwise null.
   */
  compared?: { at: number; baseline: [number, number]; claim: [number, number] } | null;
}

/** The values of `metric` over `runs`: finite values, and collapsed runs at their chance level. */
function valuesWithCollapses(runs: RunRecord[], metric: string): number[] {
  const out: number[] = [];
  for (const r of runs) {
    const v = r.output.metrics[metric];
    if (r.output.collapse) {
      const chance = r.output.chance?.[metric];
      if (typeof chance === "number" && Number.isFinite(chance)) out.push(chance);
    } else if (typeof v === "number" && Number.isFinite(v)) out.push(v);
  }
  return out;
}

function survivorValues(runs: RunRecord[], metric: string): number[] {
  return runs.filter((r) => !r.output.collapse).map((r) => r.output.metrics[metric])
    .filter((v): v is number => typeof v === "number" && Number.isFinite(v));
}

function summary(values: number[]): { n: number; mean: number; std: number } {
  return {
    n: values.length,
    mean: values.length ? mean(values) : NaN,
    std: values.length > 1 ? std(values) : NaN,
  };
}

function side(runs: RunRecord[], metric: string): SideSummary {
  return {
    runs: runs.length,
    ...summary(valuesWithCollapses(runs, metric)),
    collapsed: collapseCount(runs),
    survivors: summary(survivorValues(runs, metric)),
  };
}

const LEVEL = 0.95;

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
    case "wider-stable-range":
      return `wider stable range in ${test.over}: where the first of the two breaks (the ${test.over} just above the lower stable edge, a side's largest ${test.over} with ≤ ${
        100 * test.maxRate
      }% collapses) the 95% Newcombe CI of rate(baseline) − rate(claim side) lies above 0; below 0 → not reproduced`;
    case "at-least":
      return `at least ${test.threshold}: the 95% CI of the ${
        test.within && test.pool === "precision" ? "precision-weighted mean" : "mean"
      } ${metric}${
        test.within
          ? " over the fixed cells (each cell's own interval, errors independent between cells)"
          : ""
      } lies above it; below it entirely → not reproduced` +
        (test.minRuns ? `; ≥ ${test.minRuns} values` : "") +
        (test.ceiling !== undefined ? `; wholly above ${test.ceiling} → measurement noise` : "") +
        (test.placebo
          ? `; each cell's interval widened by the spread of ${test.placebo.metric} about ` +
            `${test.placebo.truth} beyond its cells' own intervals`
          : "");
  }
}

/** Whether a reference applies to a selector: the selector contains every label of its arm. */
function appliesTo(reference: Reference, selector: Selector | undefined): boolean {
  if (!selector) return false;
  return Object.entries(reference.arm).every(([k, v]) => selector[k] === v);
}

/**
 * The status of every reference level: the mean its baseline reached (collapsed runs counted
 * at chance) and whether it reached the level.
 *
 * @example
 * ```ts
 * import { referenceStatus } from "@normbench/normbench";
 * const run = (v: number) => ({ id: "", labels: { norm: "ln" }, input: null, hash: "",
 *   output: { metrics: { acc: v } }, wallMs: 0, backend: {} as never, finishedAt: "" });
 * const [s] = referenceStatus([{ arm: { norm: "ln" }, metric: "acc", higherIsBetter: true,
 *   level: 88, why: "converged" }], [run(88.5), run(88.1)]);
 * console.assert(s.ok && Math.abs(s.reached - 88.3) < 1e-9);
 * ```
 */
export function referenceStatus(references: Reference[], runs: RunRecord[]): ReferenceStatus[] {
  return references.map((reference) => {
    const values = valuesWithCollapses(selectRuns(runs, reference.arm), reference.metric);
    const reached = values.length ? mean(values) : NaN;
    const ok = Number.isFinite(reached) &&
      (reference.higherIsBetter ? reached >= reference.level : reached <= reference.level);
    return { reference, reached, n: values.length, ok };
  });
}

function decide(yes: boolean, no: boolean, finite: boolean): Verdict {
  if (!finite) return "inconclusive";
  return yes ? "reproduced" : no ? "not reproduced" : "inconclusive";
}

/** Whether a run has both bounds of its own interval (see `within`). */
function hasInterval(r: RunRecord, within: { low: string; high: string }): boolean {
  return [within.low, within.high].every((k) => {
    const v = r.output.metrics[k];
    return typeof v === "number" && Number.isFinite(v);
  });
}

/** Each run's value of `metric` with its own 95% interval (runs missing any of the three left out). */
function withinIntervals(
  runs: RunRecord[],
  metric: string,
  within: { low: string; high: string },
): { value: number; low: number; high: number }[] {
  const out: { value: number; low: number; high: number }[] = [];
  for (const r of runs) {
    const [value, low, high] = [metric, within.low, within.high].map((k) => r.output.metrics[k]);
    if ([value, low, high].every((v) => typeof v === "number" && Number.isFinite(v))) {
      out.push({ value: value!, low: low!, high: high! });
    }
  }
  return out;
}

/**
 * The mean over a fixed design of measured values and its interval at `level`: each side's
 * distance from the mean is the runs' own 95% distances combined as independent errors of a mean,
 * √(Σ dᵢ²)/n, scaled from 95% to `level` as a normal interval would be. (Two consecutive quick
 * runs of the efficiency suite: cells moved between runs by 1.7% sd on wasm, 1.0% on cpu, against
 * their own intervals' 2.3% and 0.8% on average.) `pool: "precision"` weights each value by
 * 1/hᵢ² (hᵢ its interval's mean half-width): the fixed-effect estimate of one quantity every run
 * measures, each side √(Σ wᵢ²dᵢ²)/Σwᵢ — equal weights give the plain mean's √(Σ dᵢ²)/n.
 */
function fixedDesignInterval(
  measured: { value: number; low: number; high: number }[],
  level: number,
  pool: "mean" | "precision" = "mean",
): { mean: number; low: number; high: number } {
  // a zero-width interval (an exact value) gets the weight of a 1e-6 half-width
  const weights = measured.map((x) =>
    pool === "precision" ? 1 / Math.max((x.high - x.low) / 2, 1e-6) ** 2 : 1
  );
  const total = weights.reduce((a, w) => a + w, 0);
  const m = measured.reduce((a, x, i) => a + weights[i] * x.value, 0) / total;
  // each side: the cells' own half-widths combined as independent errors of a weighted mean
  const side = (d: (x: { value: number; low: number; high: number }) => number) =>
    Math.sqrt(measured.reduce((a, x, i) => a + (weights[i] * d(x)) ** 2, 0)) / total;
  const below = side((x) => x.value - x.low);
  const above = side((x) => x.high - x.value);
  const scale = normalQuantile(0.5 + level / 2) / normalQuantile(0.5 + LEVEL / 2);
  return { mean: m, low: m - below * scale, high: m + above * scale };
}

/**
 * The spread of a placebo metric about its known truth beyond the runs' own intervals, as a
 * standard deviation on the log scale: σ² = max(0, mean(ln(vᵢ/truth)²) − mean(sᵢ²)), sᵢ a run's
 * own log-scale standard error (its 95% interval's width / 2·1.96). 0 with no placebo values.
 */
function placeboSpread(
  measured: { value: number; low: number; high: number }[],
  truth: number,
): number {
  const z = normalQuantile(0.5 + LEVEL / 2);
  const cells = measured.filter((x) => x.value > 0 && x.low > 0 && x.high > 0);
  if (!cells.length) return 0;
  const mean = (f: (x: { value: number; low: number; high: number }) => number) =>
    cells.reduce((a, x) => a + f(x), 0) / cells.length;
  const d2 = mean((x) => Math.log(x.value / truth) ** 2);
  const s2 = mean((x) => (Math.log(x.high / x.low) / (2 * z)) ** 2);
  return Math.sqrt(Math.max(0, d2 - s2));
}

/** Each interval widened on the log scale by `sigma` (95%), the two errors independent. */
function widened(
  measured: { value: number; low: number; high: number }[],
  sigma: number,
): { value: number; low: number; high: number }[] {
  if (sigma === 0) return measured;
  const extra = normalQuantile(0.5 + LEVEL / 2) * sigma;
  const grow = (d: number) => Math.sqrt(d * d + extra * extra);
  return measured.map((x) =>
    x.value > 0 && x.low > 0 && x.high > 0
      ? {
        value: x.value,
        low: x.value * Math.exp(-grow(Math.log(x.value / x.low))),
        high: x.value * Math.exp(grow(Math.log(x.high / x.value))),
      }
      : x
  );
}

/** Decides `yes`/`no` rules on an interval at 95% and gives the p-value of the one that held. */
function byInterval(
  interval: (level: number) => { low: number; high: number },
  yes: (ci: { low: number; high: number }) => boolean,
  no: (ci: { low: number; high: number }) => boolean,
): { verdict: Verdict; p: number | null } {
  const ci = interval(LEVEL);
  const finite = Number.isFinite(ci.low) && Number.isFinite(ci.high);
  const verdict = decide(yes(ci), no(ci), finite);
  if (!finite) return { verdict, p: null };
  const pYes = intervalPValue((level) => yes(interval(level)));
  const pNo = intervalPValue((level) => no(interval(level)));
  return {
    verdict,
    p: verdict === "reproduced" ? pYes : verdict === "not reproduced" ? pNo : Math.min(pYes, pNo),
  };
}

/** The collapse rate of each value of the swept label, ascending. */
function ratesOver(
  runs: RunRecord[],
  over: string,
): { at: number; collapsed: number; n: number }[] {
  const by = new Map<number, { collapsed: number; n: number }>();
  for (const r of runs) {
    const at = Number(r.labels[over]);
    if (!Number.isFinite(at)) continue;
    const cell = by.get(at) ?? { collapsed: 0, n: 0 };
    cell.n++;
    if (r.output.collapse) cell.collapsed++;
    by.set(at, cell);
  }
  return [...by.entries()].sort((x, y) => x[0] - y[0]).map(([at, c]) => ({ at, ...c }));
}

/**
 * A norm's stable edge: the largest value of the swept label at which at most `maxRate` of its
 * runs collapsed, or null when every value exceeds it. (Failures at small values — a learning
 * rate too small to leave the unigram plateau in time — do not hide stability above them.)
 *
 * @example
 * ```ts
 * import { stableEdge } from "@normbench/normbench";
 * const run = (lr: number, c: boolean) => ({ id: "", labels: { lr }, input: null, hash: "",
 *   output: { metrics: {}, collapse: c ? { step: 1, reason: "x" } : null }, wallMs: 0,
 *   backend: {} as never, finishedAt: "" });
 * const runs = [run(1, true), run(2, false), run(2, false), run(4, false), run(4, true), run(8, true)];
 * console.assert(stableEdge(runs, "lr", 0.2) === 2);
 * ```
 */
export function stableEdge(runs: RunRecord[], over: string, maxRate: number): number | null {
  let edge: number | null = null;
  for (const cell of ratesOver(runs, over)) {
    if (cell.collapsed / cell.n <= maxRate) edge = cell.at;
  }
  return edge;
}

/**
 * Where two norms' stable ranges are compared: the first swept value above the lower of the
 * two stable edges — where the first of them breaks, so a claim side that breaks before its
 * baseline is seen there (its collapse rate is the higher one). When one side is stable nowhere,
 * the other side's edge; when neither is, the first swept value; null when both stay stable up
 * to the top of the grid (nothing can be shown wider).
 */
function comparisonPoint(
  aRuns: RunRecord[],
  bRuns: RunRecord[],
  over: string,
  maxRate: number,
): number | null {
  const values = ratesOver([...aRuns, ...bRuns], over).map((c) => c.at);
  const [ea, eb] = [stableEdge(aRuns, over, maxRate), stableEdge(bRuns, over, maxRate)];
  if (ea === null || eb === null) return ea ?? eb ?? values[0] ?? null;
  const first = Math.min(ea, eb);
  return values.find((v) => v > first) ?? null;
}

/**
 * Decides a claim from the runs, on every run (collapses at chance), then checks that the
 * experiment can speak: the baseline reached its reference levels, and an undecided claim had
 * the runs its margin needs. With fewer than two values on a side the interval is unbounded.
 *
 * @example
 * ```ts
 * import { evaluateClaim } from "@normbench/normbench";
 * const outcome = evaluateClaim({
 *   id: "x", claim: "UN matches LN", source: "UN paper", paper: "35.4 vs 35.3", metric: "bleu",
 *   higherIsBetter: true, a: { norm: "un" }, b: { norm: "ln" }, test: { kind: "parity", margin: 1 },
 * }, []);
 * // no runs: nothing can be decided, and the margin's seeds are missing
 * console.assert(outcome.verdict === "underpowered" && outcome.reason !== null);
 * ```
 */
export function evaluateClaim(
  spec: ClaimSpec,
  runs: RunRecord[],
  references: Reference[] = [],
): ClaimOutcome {
  const aRuns = selectRuns(runs, spec.a);
  const bRuns = spec.b ? selectRuns(runs, spec.b) : [];
  // a fixed design counts the runs that carry their own interval (see `within`)
  const within = spec.test.kind === "at-least" ? spec.test.within : undefined;
  const a = side(within ? aRuns.filter((r) => hasInterval(r, within)) : aRuns, spec.metric);
  const b = spec.b ? side(bRuns, spec.metric) : null;
  let rule = ruleText(spec.test, spec.metric);
  const test = spec.test;
  const refs = referenceStatus(
    references.filter((r) => appliesTo(r, spec.b ?? spec.a)),
    runs,
  );
  let estimate: Estimate;
  let survivors: Estimate | null = null;
  let decided: { verdict: Verdict; p: number | null };
  let needed: number | null = null;
  let shortOfRuns = false;
  let reason: string | null = null;
  let compared: ClaimOutcome["compared"] = null;

  if (test.kind === "collapses-more" || test.kind === "wider-stable-range") {
    const min = test.minRuns ?? 10;
    let ka = a.collapsed, na = a.runs, kb = b?.collapsed ?? 0, nb = b?.runs ?? 0;
    let flip = false;
    if (test.kind === "wider-stable-range") {
      const at = comparisonPoint(aRuns, bRuns, test.over, test.maxRate);
      if (at === null) {
        reason = `both stay stable up to the top of the ${test.over} grid: nothing can be ` +
          "shown wider";
        ka =
          na =
          kb =
          nb =
            0;
      } else {
        const bCell = ratesOver(bRuns, test.over).find((c) => c.at === at);
        const aCell = ratesOver(aRuns, test.over).find((c) => c.at === at);
        [ka, na, kb, nb] = [
          bCell?.collapsed ?? 0,
          bCell?.n ?? 0,
          aCell?.collapsed ?? 0,
          aCell?.n ?? 0,
        ];
        flip = true;
        compared = {
          at,
          baseline: [bCell?.collapsed ?? 0, bCell?.n ?? 0],
          claim: [aCell?.collapsed ?? 0, aCell?.n ?? 0],
        };
      }
    }
    // rate(first) − rate(second): "collapses more" is a − b; "wider range" is b − a where the
    // first of the two breaks
    const interval = (level: number) => rateDifferenceInterval(ka, na, kb, nb, { level });
    const d = interval(LEVEL);
    estimate = { value: d.difference, low: d.low, high: d.high };
    decided = na === 0 || nb === 0
      ? { verdict: "inconclusive", p: null }
      : byInterval(interval, (ci) => ci.low > 0, (ci) => (flip ? ci.high < 0 : ci.high <= 0));
    needed = min;
    shortOfRuns = Math.min(na, nb) < min;
  } else if (test.kind === "at-least") {
    const placebo = test.placebo && within
      ? placeboSpread(withinIntervals(aRuns, test.placebo.metric, test.placebo), test.placebo.truth)
      : 0;
    if (test.placebo) rule += ` (here σ = ${(100 * placebo).toFixed(1)}%)`;
    const measured = within ? widened(withinIntervals(aRuns, spec.metric, within), placebo) : null;
    const av = measured ? measured.map((m) => m.value) : valuesWithCollapses(aRuns, spec.metric);
    const interval = (level: number) =>
      !av.length
        ? { mean: NaN, low: -Infinity, high: Infinity }
        : measured
        ? fixedDesignInterval(measured, level, test.pool)
        : meanInterval(av, { level });
    const ci = interval(LEVEL);
    estimate = { value: ci.mean, low: ci.low, high: ci.high };
    decided = byInterval(
      interval,
      (c) => c.low >= test.threshold,
      (c) => c.high < test.threshold,
    );
    const minRuns = test.minRuns ?? 2;
    if (av.length < minRuns) {
      reason = av.length === 0
        ? `no run has a value for ${spec.metric} (the checks say why)`
        : `${av.length} value${
          av.length > 1 ? "s" : ""
        } of ${spec.metric}; the rule needs ≥ ${minRuns}`;
      decided = { verdict: "inconclusive", p: null };
    } else if (test.ceiling !== undefined && ci.low > test.ceiling) {
      reason =
        `measurement noise: the interval lies above ${test.ceiling}, which no real effect can exceed — not a verdict`;
      decided = { verdict: "inconclusive", p: null };
    }
  } else {
    const av = valuesWithCollapses(aRuns, spec.metric);
    const bv = valuesWithCollapses(bRuns, spec.metric);
    const diff = (x: number[], y: number[]) => (level: number) =>
      x.length && y.length
        ? differenceInterval(x, y, { level })
        : { mean: NaN, low: -Infinity, high: Infinity };
    const interval = diff(av, bv);
    const d = interval(LEVEL);
    estimate = { value: d.mean, low: d.low, high: d.high };
    const sa = survivorValues(aRuns, spec.metric);
    const sb = survivorValues(bRuns, spec.metric);
    if (a.collapsed + (b?.collapsed ?? 0) > 0) {
      const s = diff(sa, sb)(LEVEL);
      survivors = { value: s.mean, low: s.low, high: s.high };
    }
    if (test.kind === "parity") {
      const m = test.margin;
      decided = byInterval(
        interval,
        (c) => c.low >= -m && c.high <= m,
        (c) => c.low > m || c.high < -m,
      );
    } else {
      // gain = how much better a is than b in the metric's own direction ("worse" flips it)
      const sign = (test.kind === "worse") !== spec.higherIsBetter ? 1 : -1;
      const bar = test.kind === "non-inferior" ? -test.margin : 0;
      const gain = (c: { low: number; high: number }) =>
        sign > 0 ? c : { low: -c.high, high: -c.low };
      decided = byInterval(interval, (c) => gain(c).low > bar, (c) => gain(c).high < bar);
    }
    const delta = test.kind === "parity" || test.kind === "non-inferior"
      ? test.margin
      : test.effect;
    if (delta !== undefined && av.length > 1 && bv.length > 1) {
      const sd = Math.sqrt((std(av) ** 2 + std(bv) ** 2) / 2);
      needed = runsNeeded(sd, delta);
      shortOfRuns = Math.min(av.length, bv.length) < needed;
    } else if (delta !== undefined) {
      shortOfRuns = true;
    }
  }

  let verdict = decided.verdict;
  const missed = refs.filter((r) => !r.ok);
  if (missed.length) {
    verdict = "underpowered";
    reason = missed.map((r) =>
      `baseline ${labelsText(r.reference.arm)} reached ${r.reference.metric} ${
        Number.isFinite(r.reached) ? r.reached.toFixed(2) : "—"
      }, ${r.reference.higherIsBetter ? "below" : "above"} its reference ${r.reference.level}`
    ).join("; ");
  } else if (reason !== null && decided.verdict === "inconclusive") {
    verdict = "underpowered";
  } else if (decided.verdict === "inconclusive" && shortOfRuns) {
    verdict = "underpowered";
    reason = needed !== null && Number.isFinite(needed)
      ? `undecided with ${runsText(a, b, test.kind)}; the ${
        "margin" in test ? `margin ${test.margin}` : "effect"
      } needs ≥ ${needed} a side${
        "margin" in test || "effect" in test ? " with the observed spread" : ""
      }`
      : "undecided with too few runs to estimate the spread";
  } else {
    reason = null;
  }
  return {
    spec,
    a,
    b,
    estimate,
    survivors,
    verdict,
    intervalVerdict: decided.verdict,
    p: decided.p,
    needed,
    references: refs,
    reason,
    rule,
    proxies: proxySummaries(spec, aRuns),
    compared,
  };
}

/** Each proxy's mean over the runs of side a that have it (deterministic: every cell, voting or not). */
function proxySummaries(spec: ClaimSpec, runs: RunRecord[]): ClaimOutcome["proxies"] {
  return (spec.proxies ?? []).flatMap((p) => {
    const xs = runs.map((r) => r.output.metrics[p.metric])
      .filter((v): v is number => typeof v === "number" && Number.isFinite(v));
    return xs.length ? [{ label: p.label, mean: mean(xs), n: xs.length }] : [];
  });
}

function runsText(a: SideSummary, b: SideSummary | null, kind: string): string {
  if (kind === "collapses-more" || kind === "wider-stable-range") {
    return `${a.runs}${b ? ` vs ${b.runs}` : ""} runs`;
  }
  return `n = ${a.n}${b ? ` vs ${b.n}` : ""}`;
}

function labelsText(selector: Selector): string {
  return Object.entries(selector).map(([k, v]) => (k === "norm" ? String(v) : `${k} ${v}`))
    .join(", ");
}

/**
 * Holm's adjustment over a suite's claims (family-wise 5%): a decided claim keeps its verdict
 * only if its p-value survives the step-down; otherwise its Holm verdict is `inconclusive`.
 * Underpowered and undecided claims keep theirs. Sets `holm` on every outcome and returns them.
 *
 * @example
 * ```ts
 * import { evaluateClaim, holmAdjust } from "@normbench/normbench";
 * const outcomes = holmAdjust([evaluateClaim({ id: "x", claim: "x", source: "", paper: "",
 *   metric: "m", higherIsBetter: true, a: { norm: "a" }, b: { norm: "b" },
 *   test: { kind: "better" } }, [])]);
 * console.assert(outcomes[0].holm === "inconclusive");
 * ```
 */
export function holmAdjust(outcomes: ClaimOutcome[]): ClaimOutcome[] {
  const tested = outcomes.filter((o) => o.p !== null && o.verdict !== "underpowered");
  const significant = holmSignificant(tested.map((o) => o.p!), 1 - LEVEL);
  for (const o of outcomes) o.holm = o.verdict;
  tested.forEach((o, i) => {
    if ((o.verdict === "reproduced" || o.verdict === "not reproduced") && !significant[i]) {
      o.holm = "inconclusive";
    }
  });
  return outcomes;
}
