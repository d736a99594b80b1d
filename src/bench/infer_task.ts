/**
 * The efficiency suite's task: one cell (model preset × batch) on one backend, run with
 * {@linkcode benchInfer} and turned into plain-data metrics. The task switches to the cell's
 * backend and always switches back, so a worker goes on with the backend it had.
 *
 * @module
 */
import * as tf from "../tf.ts";
import {
  type BackendInfo,
  type BackendName,
  describeBackend,
  initBackend,
  probeWebGpu,
} from "../backend/backend.ts";
import type { Json, RunOutput, TaskContext } from "../results/types.ts";
import {
  benchInfer,
  type InferCell,
  type InferCellResult,
  type InferVariantResult,
} from "./infer.ts";
import { UsageError } from "../util/errors.ts";

/** Input of {@linkcode measureEfficiency} (plain data). */
export interface EfficiencyInput {
  /** The backend to measure on. */
  backend: BackendName;
  /** The cell. */
  cell: InferCell;
}

/**
 * Runs `fn` on `backend` and restores the backend that was current before (re-initialised with
 * the same choice), also when `fn` throws.
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs-core";
 * import { initBackend, withBackend } from "@normbench/normbench";
 * await initBackend("wasm");
 * const inside = await withBackend("cpu", () => Promise.resolve(tf.getBackend()));
 * console.assert(inside === "cpu" && tf.getBackend() === "wasm");
 * ```
 */
export async function withBackend<T>(backend: BackendName, fn: () => Promise<T>): Promise<T> {
  const previous: BackendInfo | undefined = describeBackend();
  const previousName = tf.getBackend();
  await initBackend(backend);
  try {
    return await fn();
  } finally {
    if (previous) await initBackend(previous.requested);
    else if (previousName) await tf.setBackend(previousName);
  }
}

/**
 * The metrics of a cell, `<key>.<variant>` (see {@linkcode efficiencyMetrics}), with what each
 * means.
 *
 * @example
 * ```ts
 * import { EFFICIENCY_METRICS } from "@normbench/normbench";
 * console.log(EFFICIENCY_METRICS.bound);
 * ```
 */
export const EFFICIENCY_METRICS = {
  ms: "median ms per batch",
  iqr: "interquartile range, % of the median",
  samples_s: "samples per second",
  vs_ln: "speedup over ln (t_ln / t)",
  vs_fused: "speedup over ln-fused (t_ln-fused / t)",
  vs_none: "speed relative to no norm at all (t_none / t; 1 = the no-norm bound)",
  bound: "share of the no-norm bound, (t_ln − t) / (t_ln − t_none)",
  bound_lo: "lower end of the bound share's 95% bootstrap interval",
  bound_hi: "upper end of the bound share's 95% bootstrap interval",
  peak_mb: "peak activation MB during one inference",
  peak_red: "peak activation memory reduction vs ln, %",
  weights_mb: "MB of weights and norm constants read",
  mb_moved: "MB the kernels read and write per inference (deterministic)",
  norm_share: "norm ops' share of kernel time, %",
  kernels: "kernels per inference",
  dispatches: "GPU dispatches per inference (WebGPU: every WGSL program run)",
  kbound: "share of the no-norm bound in kernels run, (k_ln − k) / (k_ln − k_none)",
  twin_ppm: "max relative error against the unfolded twin, ×10⁻⁶",
} as const;

/**
 * How narrow a cell's paired 95% interval must be for the cell to count as settled on a timed
 * claim: a speed ratio's half-width at most 2.5% of the ratio (half the ×1.05 margin the speed
 * claims test). Every cell of the design counts in the claims, each with its own interval (an
 * unsettled cell's wide one widens the claim's); the checks count the settled cells.
 *
 * @example
 * ```ts
 * import { TIMING_RESOLUTION } from "@normbench/normbench";
 * console.assert(TIMING_RESOLUTION.speedup === 0.025);
 * ```
 */
export const TIMING_RESOLUTION = { speedup: 0.025 } as const;

/**
 * The claims a cell's timings decide (`claim.<claim>`): each the paired speed ratio
 * t_against / t_variant. Whether folded UN reaches the no-norm bound is read as its speed
 * relative to the model with no norm (`vs_none`), not as the share of LN's cost it removes,
 * (t_ln − t) / (t_ln − t_none): that share divides the timing noise by LN's share of the time
 * (5–15% on CPU), so one cell's interval spans ±0.1 where the ratio's spans ±1%.
 *
 * @example
 * ```ts
 * import { TIMED_CLAIMS } from "@normbench/normbench";
 * console.assert(TIMED_CLAIMS.some((c) => c.claim === "vs_none" && c.against === "none"));
 * ```
 */
export const TIMED_CLAIMS = [
  { claim: "vs_ln", variant: "un-folded", against: "ln" },
  { claim: "vs_fused", variant: "un-folded", against: "ln-fused" },
  { claim: "vs_none", variant: "un-folded", against: "none" },
  { claim: "rms_vs_ln", variant: "rms-converted", against: "ln" },
  { claim: "crms_vs_ln", variant: "crms-converted", against: "ln" },
] as const;

/**
 * A cell's numbers as run metrics: `<metric>.<variant>` for every metric of
 * {@linkcode EFFICIENCY_METRICS}, and the values the suite's claims read:
 *
 * - `claim.<name>` for folded UN (`vs_ln`, `vs_fused`, `vs_none`, `peak_red`) and for the LN model
 *   converted to Pre-RMSNorm / Pre-CRMSNorm (`rms_vs_ln`, `crms_vs_ln`, speedups over ln), with
 *   the timed ones' paired 95% interval as `claim.<name>_lo` / `claim.<name>_hi`. They are null
 *   — the cell does not vote — on a software WebGPU adapter (its times are not a speed claim)
 *   and in a cell whose placement is not `pre` (nothing folds away there, nothing is
 *   converted). Every other cell votes with its interval, settled or not: a claim reads the
 *   suite's whole design, so that which cells vote cannot change between two runs.
 * - `settled.<claim>`: 1 when the cell's interval is narrower than
 *   {@linkcode TIMING_RESOLUTION}; `noise`: 1 when some variant ran faster than the model with
 *   no norm at all beyond its interval (no real effect does that: the cell's intervals are
 *   too narrow for its drift). Both are reported in the checks, neither removes a cell.
 * - `proxy.<claim>.kernels` and `proxy.<claim>.bytes`: the same comparison in kernels run and
 *   in bytes the kernels move (k_against / k, e.g. k_ln / k) — deterministic
 *   proxies reported beside every timed claim.
 * - `ln_share`: LayerNorm's share of the time, 100 · (1 − t_none / t_ln) from the paired
 *   speedup of `none`: the most any norm can save over `ln` in this cell.
 *
 * @example
 * ```ts
 * import { efficiencyMetrics } from "@normbench/normbench";
 * const post = efficiencyMetrics({ variants: [], softwareAdapter: false, placement: "post" } as never);
 * console.assert(post["claim.vs_ln"] === null && post["noise"] === 0);
 * ```
 */
export function efficiencyMetrics(r: InferCellResult): Record<string, number | null> {
  const m: Record<string, number | null> = {};
  const finite = (x: number | null | undefined) =>
    x !== null && x !== undefined && Number.isFinite(x) ? x : null;
  const variant = (name: string) => r.variants.find((v) => v.variant === name);
  for (const v of r.variants) {
    const k = v.variant;
    m[`ms.${k}`] = v.ms;
    m[`iqr.${k}`] = v.ms > 0 ? (100 * (v.msIqr[1] - v.msIqr[0])) / v.ms : null;
    m[`samples_s.${k}`] = v.samplesPerSec;
    m[`vs_ln.${k}`] = v.speedupVsLn;
    m[`vs_fused.${k}`] = v.speedupVsFused;
    m[`vs_none.${k}`] = finite(v.speedupVsNone);
    m[`bound.${k}`] = finite(v.boundFraction);
    m[`bound_lo.${k}`] = v.boundCi ? v.boundCi[0] : null;
    m[`bound_hi.${k}`] = v.boundCi ? v.boundCi[1] : null;
    m[`peak_mb.${k}`] = v.peakMb;
    m[`peak_red.${k}`] = 100 * v.peakReduction;
    m[`weights_mb.${k}`] = v.weightsMb;
    m[`mb_moved.${k}`] = finite(v.mbMoved);
    m[`norm_share.${k}`] = v.normShare === null ? null : 100 * v.normShare;
    m[`kernels.${k}`] = v.kernels;
    m[`dispatches.${k}`] = v.dispatches ?? null;
    m[`kbound.${k}`] = shareOfBound(r, k, (x) => x.kernels);
    m[`twin_ppm.${k}`] = v.twinError === null ? null : v.twinError * 1e6;
  }
  const none = variant("none");
  m["ln_share"] = none && none.speedupVsLn > 0 ? 100 * (1 - 1 / none.speedupVsLn) : null;
  // A variant faster than no norm at all, beyond its interval, is measurement noise.
  // (results written before t_none / t was timed carry only the bound share's interval)
  const noise = r.variants.some((v) => {
    const ci = v.speedupVsNoneCi ?? v.boundCi;
    return v.variant !== "none" && ci !== null && ci[0] > 1;
  });
  m["noise"] = noise ? 1 : 0;
  // The claims compare folded UN and the converted models with Pre-LN: under another placement
  // nothing they are about exists (no norm folds away; no conversion runs), so no claim reads it.
  const votes = !r.softwareAdapter && (r.placement ?? "pre") === "pre";
  for (const c of TIMED_CLAIMS) {
    const v = variant(c.variant);
    const against = variant(c.against);
    const [value, ci] = !v
      ? [null, null]
      : c.against === "ln"
      ? [v.speedupVsLn, v.speedupVsLnCi]
      : c.against === "ln-fused"
      ? [v.speedupVsFused, v.speedupVsFusedCi]
      : [finite(v.speedupVsNone), v.speedupVsNoneCi ?? null];
    const settled = value !== null && ci !== null && resolved(value, ci);
    m[`settled.${c.claim}`] = votes && v ? (settled ? 1 : 0) : null;
    const measured = votes && value !== null && ci !== null;
    m[`claim.${c.claim}`] = measured ? value : null;
    m[`claim.${c.claim}_lo`] = measured ? ci[0] : null;
    m[`claim.${c.claim}_hi`] = measured ? ci[1] : null;
    const proxy = (measure: (x: InferVariantResult) => number | null) => {
      if (!votes || !v || !against) return null;
      const [a, b] = [measure(against), measure(v)];
      return a !== null && b !== null && b > 0 ? a / b : null;
    };
    m[`proxy.${c.claim}.kernels`] = proxy((x) => x.kernels);
    m[`proxy.${c.claim}.bytes`] = proxy((x) => finite(x.mbMoved));
  }
  const un = variant("un-folded");
  m["claim.peak_red"] = votes && un ? 100 * un.peakReduction : null;
  return m;
}

/** Whether a paired 95% interval is narrow enough for its cell to settle (TIMING_RESOLUTION). */
function resolved(value: number, ci: [number, number]): boolean {
  return (ci[1] - ci[0]) / 2 <= TIMING_RESOLUTION.speedup * Math.abs(value);
}

/** (x_ln − x_v) / (x_ln − x_none) for a deterministic measure x; null when ln is no dearer. */
function shareOfBound(
  r: InferCellResult,
  v: string,
  measure: (x: InferVariantResult) => number | null,
): number | null {
  const x = (name: string) => {
    const found = r.variants.find((y) => y.variant === name);
    return found ? measure(found) : null;
  };
  const [ln, none, value] = [x("ln"), x("none"), x(v)];
  if (ln === null || none === null || value === null || ln <= none) return null;
  return (ln - value) / (ln - none);
}

/**
 * The task: measures `input.cell` on `input.backend` (see {@linkcode benchInfer}) and returns its
 * metrics ({@linkcode efficiencyMetrics}) with the whole cell result in `notes.cell`. On a
 * machine without a WebGPU adapter a WebGPU cell returns no metrics and says so in its notes.
 *
 * @example
 * ```ts
 * import { measureEfficiency } from "@normbench/normbench";
 * const out = await measureEfficiency({
 *   backend: "cpu",
 *   cell: { model: "vit", preset: "tiny", batch: 1, variants: [], measure: { warmup: 0, minRounds: 2, maxRounds: 2 } },
 * }, { progress: () => {} });
 * console.assert(typeof out.metrics["ms.ln"] === "number");
 * ```
 */
export async function measureEfficiency(input: Json, context: TaskContext): Promise<RunOutput> {
  const { backend, cell } = input as unknown as EfficiencyInput;
  if (!["webgpu", "wasm", "cpu"].includes(backend)) {
    throw new UsageError(`unknown backend '${backend}'`, "use webgpu, wasm or cpu");
  }
  if (backend === "webgpu" && !(await probeWebGpu())) {
    return { metrics: {}, notes: { skipped: "no WebGPU adapter on this machine" } };
  }
  const result = await withBackend(backend, () =>
    benchInfer({
      ...cell,
      measure: { ...cell.measure, onRound: (f) => context.progress(Math.round(1000 * f), 1000) },
    }));
  return {
    metrics: efficiencyMetrics(result),
    notes: {
      cell: result as unknown as Json,
      ...(result.softwareAdapter ? { label: "software adapter — not a speed claim" } : {}),
    },
  };
}
