/**
 * A run's per-layer diagnostics as run output: per-layer profiles as curves (x = layer) for the
 * report's plots, and the per-step arrays, spikes and layer importance in `notes`, rounded so
 * the results file stays small.
 *
 * @module
 */
import type { DiagnosticsResult } from "../train/diagnostics.ts";
import type { LayerImportance } from "../train/layer_importance.ts";
import type { Json, RunOutput, SeriesPoint } from "../results/types.ts";

/**
 * The share of the recorded steps, from the end, whose mean makes the per-layer profile curves
 * (at least one step).
 *
 * @example
 * ```ts
 * import { PROFILE_TAIL } from "@normbench/normbench";
 * console.assert(PROFILE_TAIL === 0.1);
 * ```
 */
export const PROFILE_TAIL = 0.1;

/**
 * Significant digits kept of each diagnostic number in `notes`.
 *
 * @example
 * ```ts
 * import { DIAGNOSTIC_DIGITS } from "@normbench/normbench";
 * console.assert(Number((Math.PI).toPrecision(DIAGNOSTIC_DIGITS)) === 3.142);
 * ```
 */
export const DIAGNOSTIC_DIGITS = 4;

function round(x: number): number | null {
  return Number.isFinite(x) ? Number(x.toPrecision(DIAGNOSTIC_DIGITS)) : null;
}

function mean(xs: number[]): number {
  return xs.reduce((a, b) => a + b, 0) / xs.length;
}

/** Per-layer means over the last rows of `rows[step][layer]`, as a curve over layers. */
function profile(rows: number[][]): SeriesPoint[] {
  if (rows.length === 0) return [];
  const tail = rows.slice(-Math.max(1, Math.ceil(PROFILE_TAIL * rows.length)));
  return tail[0].map((_, l) => ({ x: l, y: mean(tail.map((r) => r[l])) }));
}

function byLayer(values: number[]): SeriesPoint[] {
  return values.map((y, x) => ({ x, y }));
}

/**
 * The scalar summaries of a run's diagnostics, for claims: `log_variance_growth` — ln of the
 * residual variance after the last block over that after the first (profile means; 0 when it
 * does not grow); `min_layer_entropy` — the lowest layer's attention entropy (mean over heads,
 * nats); `grad_spikes` — the number of gradient-norm spikes; with importance, `deep_importance`
 * — the mean loss increase when one block of the deeper half (ℓ ≥ L/2) is skipped.
 *
 * @example
 * ```ts
 * import { diagnosticsMetrics } from "@normbench/normbench";
 * const m = diagnosticsMetrics(
 *   { variance_by_layer: [{ x: 0, y: 1 }, { x: 1, y: 2 }, { x: 2, y: 2 * Math.E }],
 *     entropy_by_layer: [{ x: 0, y: 1.5 }, { x: 1, y: 0.5 }],
 *     importance_loss_by_layer: [{ x: 0, y: 0.4 }, { x: 1, y: 0.1 }] },
 *   3,
 * );
 * console.assert(Math.abs(m.log_variance_growth - 1) < 1e-12 && m.min_layer_entropy === 0.5);
 * console.assert(m.deep_importance === 0.1 && m.grad_spikes === 3);
 * ```
 */
export function diagnosticsMetrics(
  curves: Record<string, SeriesPoint[]>,
  spikes: number,
): Record<string, number> {
  const variance = curves.variance_by_layer ?? [];
  const metrics: Record<string, number> = { grad_spikes: spikes };
  if (variance.length >= 3) {
    metrics.log_variance_growth = Math.log(variance[variance.length - 1].y / variance[1].y);
  }
  const entropy = curves.entropy_by_layer ?? [];
  if (entropy.length) metrics.min_layer_entropy = Math.min(...entropy.map((p) => p.y));
  const importance = curves.importance_loss_by_layer;
  if (importance?.length) {
    const deep = importance.filter((p) => p.x >= importance.length / 2);
    metrics.deep_importance = mean(deep.map((p) => p.y));
  }
  return metrics;
}

/**
 * Curves and notes of a run's diagnostics. Curves (x = layer): `variance_by_layer` and
 * `rms_by_layer` (x = 0 is the input of block 0, x = ℓ+1 the output of block ℓ),
 * `entropy_by_layer` (mean over heads), each the mean over the last {@linkcode PROFILE_TAIL} of
 * the recorded steps; with `importance`, `importance_loss_by_layer` (loss change when block ℓ is
 * skipped) and `importance_angle_by_layer` (angular distance). Notes: `diagnostics` with every
 * per-step array, the spikes and the importance, numbers rounded to {@linkcode DIAGNOSTIC_DIGITS}
 * digits (non-finite: null); metrics: {@linkcode diagnosticsMetrics}.
 *
 * @example
 * ```ts
 * import { diagnosticsOutput } from "@normbench/normbench";
 * const out = diagnosticsOutput({
 *   every: 5, steps: [5, 10], variance: [[1, 2, 3], [1, 2, 5]], rms: [[1, 2, 3], [1, 2, 5]],
 *   entropy: [[[1, 2], [3, 4]], [[1, 2], [3, 4]]], spikes: [],
 * }, null);
 * console.assert(out.curves.variance_by_layer[2].y === 5 && out.curves.entropy_by_layer[1].y === 3.5);
 * ```
 */
export function diagnosticsOutput(
  result: DiagnosticsResult,
  importance: LayerImportance | null,
): {
  curves: Record<string, SeriesPoint[]>;
  metrics: Record<string, number>;
  notes: Record<string, Json>;
} {
  const curves: Record<string, SeriesPoint[]> = {
    variance_by_layer: profile(result.variance),
    rms_by_layer: profile(result.rms),
    entropy_by_layer: profile(result.entropy.map((step) => step.map(mean))),
  };
  if (importance) {
    curves.importance_loss_by_layer = byLayer(importance.lossDelta);
    curves.importance_angle_by_layer = byLayer(importance.angularDistance);
  }
  const r1 = (xs: number[]) => xs.map(round);
  const r2 = (xs: number[][]) => xs.map(r1);
  const notes: Record<string, Json> = {
    diagnostics: {
      every: result.every,
      steps: result.steps,
      variance: r2(result.variance),
      rms: r2(result.rms),
      entropy: result.entropy.map(r2),
      spikes: result.spikes.map((s) => ({
        step: s.step,
        norm: round(s.norm),
        median: round(s.median),
      })),
      importance: importance
        ? {
          baseLoss: round(importance.baseLoss),
          lossDelta: r1(importance.lossDelta),
          angularDistance: r1(importance.angularDistance),
        }
        : null,
    },
  };
  return { curves, metrics: diagnosticsMetrics(curves, result.spikes.length), notes };
}

/**
 * `output` with the diagnostics' curves and notes added (see {@linkcode diagnosticsOutput}).
 *
 * @example
 * ```ts
 * import { withDiagnostics } from "@normbench/normbench";
 * const out = withDiagnostics({ metrics: {}, curves: {}, notes: {} },
 *   { every: 1, steps: [1], variance: [[1, 2]], rms: [[1, 2]], entropy: [[[0.5]]], spikes: [] }, null);
 * console.assert(out.curves!.rms_by_layer.length === 2 && "diagnostics" in out.notes!);
 * ```
 */
export function withDiagnostics(
  output: RunOutput,
  result: DiagnosticsResult,
  importance: LayerImportance | null,
): RunOutput {
  const { curves, metrics, notes } = diagnosticsOutput(result, importance);
  return {
    ...output,
    metrics: { ...output.metrics, ...metrics },
    curves: { ...output.curves, ...curves },
    notes: { ...output.notes, ...notes },
  };
}
