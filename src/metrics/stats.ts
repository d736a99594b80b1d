/**
 * Summary statistics for results over seeds and runs: mean, quantiles and the median, sample
 * standard deviation,
 * Student-t confidence intervals (of a mean and of a difference of means, Welch), and the Wilson
 * score interval of a rate (e.g. a collapse rate).
 *
 * The t and normal quantiles are computed here (incomplete-beta continued fraction and Acklam's
 * rational approximation, checked against tables in the tests): the one maintained npm
 * implementation (stdlib) pulls in 231 packages for it.
 *
 * @module
 */

/**
 * Arithmetic mean (NaN for no values).
 *
 * @example
 * ```ts
 * import { mean } from "@normbench/normbench";
 * console.assert(mean([1, 2, 3]) === 2);
 * ```
 */
export function mean(xs: ArrayLike<number>): number {
  if (!xs.length) return NaN;
  let s = 0;
  for (let i = 0; i < xs.length; i++) s += xs[i];
  return s / xs.length;
}

/**
 * The `p`-quantile of `xs` (0 ≤ p ≤ 1) with linear interpolation between order statistics
 * (R's default, type 7): the median of an even count is the mean of the two middle values. NaN
 * for no values. `xs` is not modified.
 *
 * @example
 * ```ts
 * import { quantile } from "@normbench/normbench";
 * console.assert(quantile([4, 1, 3, 2], 0.5) === 2.5);
 * console.assert(quantile([1, 2, 3, 4, 5], 0.25) === 2);
 * ```
 */
export function quantile(xs: ArrayLike<number>, p: number): number {
  if (xs.length === 0) return NaN;
  const sorted = Float64Array.from(xs).sort();
  const h = (sorted.length - 1) * p;
  const lo = Math.floor(h);
  const hi = Math.min(sorted.length - 1, lo + 1);
  return sorted[lo] + (h - lo) * (sorted[hi] - sorted[lo]);
}

/**
 * The median of `xs` ({@linkcode quantile} at 0.5).
 *
 * @example
 * ```ts
 * import { median } from "@normbench/normbench";
 * console.assert(median([3, 1, 2]) === 2 && median([1, 2, 3, 10]) === 2.5);
 * ```
 */
export function median(xs: ArrayLike<number>): number {
  return quantile(xs, 0.5);
}

/**
 * Sample standard deviation (n − 1 in the denominator; 0 for one value, NaN for none).
 *
 * @example
 * ```ts
 * import { std } from "@normbench/normbench";
 * console.assert(Math.abs(std([2, 4, 4, 4, 5, 5, 7, 9]) - 2.138089935) < 1e-9);
 * ```
 */
export function std(xs: ArrayLike<number>): number {
  const n = xs.length;
  if (n === 0) return NaN;
  if (n === 1) return 0;
  const m = mean(xs);
  let s = 0;
  for (let i = 0; i < n; i++) s += (xs[i] - m) ** 2;
  return Math.sqrt(s / (n - 1));
}

/**
 * Quantile of the standard normal distribution (Acklam's algorithm, relative error < 1.2e-9).
 *
 * @example
 * ```ts
 * import { normalQuantile } from "@normbench/normbench";
 * console.assert(Math.abs(normalQuantile(0.975) - 1.959963985) < 1e-8);
 * ```
 */
export function normalQuantile(p: number): number {
  if (!(p > 0 && p < 1)) return p === 0 ? -Infinity : p === 1 ? Infinity : NaN;
  const a = [
    -39.69683028665376,
    220.9460984245205,
    -275.9285104469687,
    138.357751867269,
    -30.66479806614716,
    2.506628277459239,
  ];
  const b = [
    -54.47609879822406,
    161.5858368580409,
    -155.6989798598866,
    66.80131188771972,
    -13.28068155288572,
  ];
  const c = [
    -0.007784894002430293,
    -0.3223964580411365,
    -2.400758277161838,
    -2.549732539343734,
    4.374664141464968,
    2.938163982698783,
  ];
  const d = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416];
  const low = 0.02425;
  let q: number;
  let x: number;
  if (p < low) {
    q = Math.sqrt(-2 * Math.log(p));
    x = (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
      ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  } else if (p <= 1 - low) {
    q = p - 0.5;
    const r = q * q;
    x = (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q /
      (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
  } else {
    q = Math.sqrt(-2 * Math.log(1 - p));
    x = -(((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
      ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  }
  return x;
}

function logGamma(x: number): number {
  // Lanczos approximation (g = 7, n = 9), accurate to ~1e-15 for x > 0.
  const g = [
    0.99999999999980993,
    676.5203681218851,
    -1259.1392167224028,
    771.32342877765313,
    -176.61502916214059,
    12.507343278686905,
    -0.13857109526572012,
    9.9843695780195716e-6,
    1.5056327351493116e-7,
  ];
  if (x < 0.5) return Math.log(Math.PI / Math.abs(Math.sin(Math.PI * x))) - logGamma(1 - x);
  x -= 1;
  let a = g[0];
  const t = x + 7.5;
  for (let i = 1; i < 9; i++) a += g[i] / (x + i);
  return 0.5 * Math.log(2 * Math.PI) + (x + 0.5) * Math.log(t) - t + Math.log(a);
}

/** Continued fraction of the regularized incomplete beta (modified Lentz). */
function betaContinuedFraction(x: number, a: number, b: number): number {
  const tiny = 1e-300;
  let c = 1;
  let d = 1 - ((a + b) * x) / (a + 1);
  if (Math.abs(d) < tiny) d = tiny;
  d = 1 / d;
  let h = d;
  for (let m = 1; m <= 300; m++) {
    const m2 = 2 * m;
    let aa = (m * (b - m) * x) / ((a + m2 - 1) * (a + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + aa / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    h *= d * c;
    aa = (-(a + m) * (a + b + m) * x) / ((a + m2) * (a + m2 + 1));
    d = 1 + aa * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + aa / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const delta = d * c;
    h *= delta;
    if (Math.abs(delta - 1) < 1e-15) break;
  }
  return h;
}

/** Regularized incomplete beta I_x(a, b). */
function incompleteBeta(x: number, a: number, b: number): number {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const front = Math.exp(
    logGamma(a + b) - logGamma(a) - logGamma(b) + a * Math.log(x) + b * Math.log(1 - x),
  );
  return x < (a + 1) / (a + b + 2)
    ? (front * betaContinuedFraction(x, a, b)) / a
    : 1 - (front * betaContinuedFraction(1 - x, b, a)) / b;
}

/**
 * Cumulative distribution function of Student's t with `df` degrees of freedom.
 *
 * @example
 * ```ts
 * import { tCdf } from "@normbench/normbench";
 * console.assert(Math.abs(tCdf(2.776445105, 4) - 0.975) < 1e-9);
 * ```
 */
export function tCdf(t: number, df: number): number {
  const x = df / (df + t * t);
  const tail = 0.5 * incompleteBeta(x, df / 2, 0.5);
  return t >= 0 ? 1 - tail : tail;
}

/**
 * Quantile of Student's t with `df` degrees of freedom (bisection on {@linkcode tCdf}, to 1e-12;
 * the normal quantile for infinite `df`).
 *
 * @example
 * ```ts
 * import { tQuantile } from "@normbench/normbench";
 * console.assert(Math.abs(tQuantile(0.975, 2) - 4.302652730) < 1e-8);
 * ```
 */
export function tQuantile(p: number, df: number): number {
  if (!(p > 0 && p < 1)) return p === 0 ? -Infinity : p === 1 ? Infinity : NaN;
  if (!(df > 0)) return NaN;
  if (!Number.isFinite(df)) return normalQuantile(p);
  if (p < 0.5) return -tQuantile(1 - p, df);
  let lo = 0;
  let hi = 1;
  while (tCdf(hi, df) < p) hi *= 2;
  for (let i = 0; i < 200 && hi - lo > 1e-12 * Math.max(1, hi); i++) {
    const mid = (lo + hi) / 2;
    if (tCdf(mid, df) < p) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

/** A mean with its spread and confidence interval. */
export interface MeanInterval {
  /** Number of values. */
  readonly n: number;
  /** Mean. */
  readonly mean: number;
  /** Sample standard deviation. */
  readonly std: number;
  /** Lower bound. */
  readonly low: number;
  /** Upper bound. */
  readonly high: number;
  /** Half the interval's width. */
  readonly halfWidth: number;
  /** Confidence level, e.g. 0.95. */
  readonly level: number;
}

/**
 * Student-t confidence interval of the mean (`mean ± t · std / √n`); with one value the interval
 * is unbounded.
 *
 * @example
 * ```ts
 * import { meanInterval } from "@normbench/normbench";
 * const ci = meanInterval([35.1, 35.4, 35.3]);
 * console.assert(ci.low < 35.27 && ci.high > 35.26 && ci.n === 3);
 * ```
 */
export function meanInterval(
  xs: ArrayLike<number>,
  options: { level?: number } = {},
): MeanInterval {
  const level = options.level ?? 0.95;
  const n = xs.length;
  const m = mean(xs);
  const s = std(xs);
  const halfWidth = n > 1 ? tQuantile(1 - (1 - level) / 2, n - 1) * s / Math.sqrt(n) : Infinity;
  return { n, mean: m, std: s, low: m - halfWidth, high: m + halfWidth, halfWidth, level };
}

/**
 * Welch's t confidence interval of `mean(a) − mean(b)` (unequal variances, Welch–Satterthwaite
 * degrees of freedom): the rule for "parity within a margin" verdicts.
 *
 * @example
 * ```ts
 * import { differenceInterval } from "@normbench/normbench";
 * const d = differenceInterval([35.3, 35.5, 35.4], [35.2, 35.3, 35.1]);
 * console.assert(Math.abs(d.mean - 0.2) < 1e-9 && d.low < d.mean && d.high > d.mean);
 * ```
 */
export function differenceInterval(
  a: ArrayLike<number>,
  b: ArrayLike<number>,
  options: { level?: number } = {},
): MeanInterval {
  const level = options.level ?? 0.95;
  const va = std(a) ** 2 / a.length;
  const vb = std(b) ** 2 / b.length;
  const diff = mean(a) - mean(b);
  const se = Math.sqrt(va + vb);
  let halfWidth: number;
  if (a.length < 2 || b.length < 2) halfWidth = Infinity;
  else if (se === 0) halfWidth = 0;
  else {
    const df = (va + vb) ** 2 / (va ** 2 / (a.length - 1) + vb ** 2 / (b.length - 1));
    halfWidth = tQuantile(1 - (1 - level) / 2, df) * se;
  }
  return {
    n: a.length + b.length,
    mean: diff,
    std: se,
    low: diff - halfWidth,
    high: diff + halfWidth,
    halfWidth,
    level,
  };
}

/** A rate with its Wilson score interval. */
export interface RateInterval {
  /** Successes (e.g. collapsed runs). */
  readonly successes: number;
  /** Trials. */
  readonly n: number;
  /** successes / n. */
  readonly rate: number;
  /** Lower bound. */
  readonly low: number;
  /** Upper bound. */
  readonly high: number;
  /** Confidence level. */
  readonly level: number;
}

/**
 * Wilson score interval of a binomial rate (well-behaved at 0 and n successes, unlike the Wald
 * interval).
 *
 * @example
 * ```ts
 * import { wilsonInterval } from "@normbench/normbench";
 * const w = wilsonInterval(0, 10);
 * console.assert(w.low === 0 && Math.abs(w.high - 0.27753) < 1e-4);
 * ```
 */
export function wilsonInterval(
  successes: number,
  n: number,
  options: { level?: number } = {},
): RateInterval {
  const level = options.level ?? 0.95;
  if (n <= 0) return { successes, n, rate: NaN, low: 0, high: 1, level };
  const z = normalQuantile(1 - (1 - level) / 2);
  const p = successes / n;
  const z2 = z * z;
  const denom = 1 + z2 / n;
  const center = (p + z2 / (2 * n)) / denom;
  const half = (z * Math.sqrt(p * (1 - p) / n + z2 / (4 * n * n))) / denom;
  return {
    successes,
    n,
    rate: p,
    low: Math.max(0, center - half),
    high: Math.min(1, center + half),
    level,
  };
}

/** A difference of two rates with its confidence interval. */
export interface RateDifferenceInterval {
  /** rate(a) − rate(b). */
  readonly difference: number;
  /** Lower bound. */
  readonly low: number;
  /** Upper bound. */
  readonly high: number;
  /** Confidence level. */
  readonly level: number;
}

/**
 * Newcombe's hybrid score interval (his method 10) of `ka/na − kb/nb`, built from the two Wilson
 * intervals: the rule for "collapses more often" verdicts. Well-behaved at 0 and n successes.
 *
 * @example
 * ```ts
 * import { rateDifferenceInterval } from "@normbench/normbench";
 * const d = rateDifferenceInterval(8, 10, 0, 10);
 * // Wilson: 8/10 → [0.490, 0.943], 0/10 → [0, 0.278]; low = 0.8 − √(0.310² + 0.278²)
 * console.assert(d.difference === 0.8 && Math.abs(d.low - 0.384) < 1e-3 && Math.abs(d.high - 0.943) < 1e-3);
 * ```
 */
export function rateDifferenceInterval(
  ka: number,
  na: number,
  kb: number,
  nb: number,
  options: { level?: number } = {},
): RateDifferenceInterval {
  const level = options.level ?? 0.95;
  const a = wilsonInterval(ka, na, { level });
  const b = wilsonInterval(kb, nb, { level });
  const difference = a.rate - b.rate;
  return {
    difference,
    low: difference - Math.sqrt((a.rate - a.low) ** 2 + (b.high - b.rate) ** 2),
    high: difference + Math.sqrt((a.high - a.rate) ** 2 + (b.rate - b.low) ** 2),
    level,
  };
}

/**
 * Runs a side needs so that a two-sample comparison resolves a difference of `delta` with the
 * spread `sd` (per-run standard deviation, the same on both sides): `2·(z₁₋α/₂ + z_power)²·sd²/δ²`
 * at the confidence `level` (default 0.95) with the given `power` (default 0.8), at least 2.
 *
 * @example
 * ```ts
 * import { runsNeeded } from "@normbench/normbench";
 * // a spread of 0.7 points and a 1.5-point margin: 4 seeds a side
 * console.assert(runsNeeded(0.7, 1.5) === 4);
 * console.assert(runsNeeded(0.9, 1.5) === 6);
 * ```
 */
export function runsNeeded(
  sd: number,
  delta: number,
  options: { level?: number; power?: number } = {},
): number {
  const z = normalQuantile(1 - (1 - (options.level ?? 0.95)) / 2) +
    normalQuantile(options.power ?? 0.8);
  if (!(delta > 0) || !Number.isFinite(sd)) return Infinity;
  return Math.max(2, Math.ceil(2 * (z * sd / delta) ** 2));
}

/**
 * The p-value of a confidence-interval rule, by inverting it: the smallest `1 − level` at which
 * `holds(level)` is true (a rule on an interval that widens with the level, such as "the CI's
 * low end lies above 0"). 1 when the rule fails even for a vanishing interval. So the rule holds
 * at 95% exactly when the p-value is below 0.05.
 *
 * @example
 * ```ts
 * import { differenceInterval, intervalPValue } from "@normbench/normbench";
 * const a = [82, 82.4, 81.9], b = [80, 80.3, 79.8];
 * const p = intervalPValue((level) => differenceInterval(a, b, { level }).low > 0);
 * console.assert(p > 0 && p < 0.05);
 * ```
 */
export function intervalPValue(holds: (level: number) => boolean): number {
  if (!holds(1e-9)) return 1;
  if (holds(1 - 1e-12)) return 0;
  let lo = 1e-9; // holds
  let hi = 1 - 1e-12; // fails
  for (let i = 0; i < 60; i++) {
    const mid = (lo + hi) / 2;
    if (holds(mid)) lo = mid;
    else hi = mid;
  }
  return 1 - lo;
}

/**
 * Holm's step-down adjustment: which of the p-values are significant at family-wise level
 * `alpha` (sorted ascending, the k-th smallest is compared with α/(m − k); the first failure
 * stops the procedure). Returns one boolean per p-value, in the given order.
 *
 * @example
 * ```ts
 * import { holmSignificant } from "@normbench/normbench";
 * console.assert(holmSignificant([0.01, 0.04, 0.03], 0.05).join() === "true,false,false");
 * console.assert(holmSignificant([0.001, 0.02, 0.04], 0.05).join() === "true,true,true");
 * ```
 */
export function holmSignificant(ps: number[], alpha: number): boolean[] {
  const order = ps.map((p, i) => ({ p, i })).sort((x, y) => x.p - y.p);
  const out = new Array(ps.length).fill(false);
  for (let k = 0; k < order.length; k++) {
    if (!(order[k].p <= alpha / (order.length - k))) break;
    out[order[k].i] = true;
  }
  return out;
}
