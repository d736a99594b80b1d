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
import { benchInfer, type InferCell, type InferCellResult } from "./infer.ts";
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
  bound: "share of the no-norm bound, (t_ln − t) / (t_ln − t_none)",
  bound_lo: "lower end of the bound share's 95% bootstrap interval",
  bound_hi: "upper end of the bound share's 95% bootstrap interval",
  peak_mb: "peak activation MB during one inference",
  peak_red: "peak activation memory reduction vs ln, %",
  weights_mb: "MB of weights and norm constants read",
  norm_share: "norm ops' share of kernel time, %",
  kernels: "kernels per inference",
  kbound: "share of the no-norm bound in kernels run, (k_ln − k) / (k_ln − k_none)",
  twin_ppm: "max relative error against the unfolded twin, ×10⁻⁶",
} as const;

/**
 * A cell's numbers as run metrics: `<metric>.<variant>` for every metric of
 * {@linkcode EFFICIENCY_METRICS}, plus `claim.<metric>` for folded UN (speedups, bound, peak
 * reduction) and `claim.rms_vs_ln`, `claim.crms_vs_ln` (the LN model converted to Pre-RMSNorm,
 * Pre-CRMSNorm: speedup over ln), which are null on a software WebGPU adapter (its times are not
 * a speed claim) and in a cell whose placement is not `pre` (nothing folds away there, nothing is
 * converted: the cell is measured, not a claim).
 *
 * @example
 * ```ts
 * import { efficiencyMetrics } from "@normbench/normbench";
 * console.assert(Object.keys(efficiencyMetrics({ variants: [], softwareAdapter: false } as never)).length === 6);
 * const post = efficiencyMetrics({ variants: [], softwareAdapter: false, placement: "post" } as never);
 * console.assert(post["claim.vs_ln"] === null);
 * ```
 */
export function efficiencyMetrics(r: InferCellResult): Record<string, number | null> {
  const m: Record<string, number | null> = {};
  const finite = (x: number | null) => (x !== null && Number.isFinite(x) ? x : null);
  for (const v of r.variants) {
    const k = v.variant;
    m[`ms.${k}`] = v.ms;
    m[`iqr.${k}`] = v.ms > 0 ? (100 * (v.msIqr[1] - v.msIqr[0])) / v.ms : null;
    m[`samples_s.${k}`] = v.samplesPerSec;
    m[`vs_ln.${k}`] = v.speedupVsLn;
    m[`vs_fused.${k}`] = v.speedupVsFused;
    m[`bound.${k}`] = finite(v.boundFraction);
    m[`bound_lo.${k}`] = v.boundCi ? v.boundCi[0] : null;
    m[`bound_hi.${k}`] = v.boundCi ? v.boundCi[1] : null;
    m[`peak_mb.${k}`] = v.peakMb;
    m[`peak_red.${k}`] = 100 * v.peakReduction;
    m[`weights_mb.${k}`] = v.weightsMb;
    m[`norm_share.${k}`] = v.normShare === null ? null : 100 * v.normShare;
    m[`kernels.${k}`] = v.kernels;
    m[`kbound.${k}`] = kernelBound(r, k);
    m[`twin_ppm.${k}`] = v.twinError === null ? null : v.twinError * 1e6;
  }
  const un = r.variants.find((v) => v.variant === "un-folded");
  // The claims compare folded UN and the converted models with Pre-LN: under another placement
  // nothing they are about exists (no norm folds away; no conversion runs), so no claim reads it.
  const pre = (r.placement ?? "pre") === "pre";
  const claim = (x: number | null | undefined) => r.softwareAdapter || !pre || x == null ? null : x;
  const converted = (name: string) => r.variants.find((v) => v.variant === name)?.speedupVsLn;
  m["claim.rms_vs_ln"] = claim(converted("rms-converted"));
  m["claim.crms_vs_ln"] = claim(converted("crms-converted"));
  m["claim.vs_ln"] = claim(un?.speedupVsLn);
  m["claim.vs_fused"] = claim(un?.speedupVsFused);
  m["claim.bound"] = claim(un ? finite(un.boundFraction) : null);
  m["claim.peak_red"] = claim(un ? 100 * un.peakReduction : null);
  return m;
}

/** (k_ln − k_v) / (k_ln − k_none) in kernels per inference; null when ln runs no more than none. */
function kernelBound(r: InferCellResult, v: string): number | null {
  const k = (name: string) => r.variants.find((x) => x.variant === name)?.kernels;
  const [ln, none, x] = [k("ln"), k("none"), k(v)];
  if (ln === undefined || none === undefined || x === undefined || ln <= none) return null;
  return (ln - x) / (ln - none);
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
