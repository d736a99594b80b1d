/**
 * What every experiment shares: the scaling rule for step-count constants, turning a training
 * result into a run output, and the UN phase record.
 *
 * @module
 */
import type { AnyModel } from "../models/presets.ts";
import type { TrainResult } from "../train/train.ts";
import type { Json, RunOutput, SeriesPoint } from "../suite/types.ts";

/** A norm as an experiment takes it: name, options, placement. */
export interface NormChoice {
  /** Registry name. */
  norm: string;
  /** The norm's own options (after scaling). */
  normOptions?: Record<string, number | boolean>;
  /** Placement (default `pre`). */
  placement?: string;
}

/** Hooks into an experiment, for probes (e.g. the statistics suite's). */
export interface ExperimentHooks {
  /** Called with the model once it is built, before training. */
  onModel?(model: AnyModel): void;
  /** Called after every training update. */
  onStep?(step: number): void;
}

/**
 * The authors' step-count constants and the horizon they belong to.
 *
 * @example
 * ```ts
 * import { AUTHORS_CONSTANTS } from "@normbench/normbench";
 * console.assert(AUTHORS_CONSTANTS.unWarmup === 0.04);
 * ```
 */
export const AUTHORS_CONSTANTS = {
  /** UN: warm-up 4000 of 100k updates (IWSLT14 and ImageNet recipes). */
  unWarmup: 4000 / 100_000,
  /** UN: gradient compensation from step max(1000, warm-up); 1000 is 1% of 100k. */
  unCompensationStart: 1000 / 100_000,
  /** PowerNorm: the authors pass the schedule's warm-up (8000 of their IWSLT run's updates). */
  pnWarmupIsScheduleWarmup: true,
} as const;

/**
 * Scales the step-count constants of a norm's options to a run of `steps` updates with
 * `scheduleWarmup` warm-up updates — the rule every report states:
 * UN `warmup` = 4% of the run and `compensationStart` = 1% (the authors' 4000 and 1000 of 100k);
 * PowerNorm `warmup` = the schedule's warm-up (as the authors' scripts pass it);
 * RepBN `decaySteps` = the whole run (SLAB decays λ over training). Options given explicitly in
 * `explicit` win. Windows (UN's W) are counts of recent batches, not of the horizon: unscaled.
 *
 * @example
 * ```ts
 * import { scaleNormOptions } from "@normbench/normbench";
 * const o = scaleNormOptions("un", 2000, 100, {});
 * console.assert(o.warmup === 80 && o.compensationStart === 20);
 * ```
 */
export function scaleNormOptions(
  norm: string,
  steps: number,
  scheduleWarmup: number,
  explicit: Record<string, number | boolean> = {},
): Record<string, number | boolean> {
  const scaled: Record<string, number | boolean> = {};
  if (norm === "un") {
    scaled.warmup = Math.round(AUTHORS_CONSTANTS.unWarmup * steps);
    scaled.compensationStart = Math.round(AUTHORS_CONSTANTS.unCompensationStart * steps);
  } else if (norm === "pn") {
    scaled.warmup = scheduleWarmup;
  } else if (norm === "repbn") {
    scaled.decaySteps = Math.max(1, steps);
  }
  return { ...scaled, ...explicit };
}

/**
 * The sentence reports print for the scaling rule.
 *
 * @example
 * ```ts
 * import { SCALING_RULE } from "@normbench/normbench";
 * console.assert(SCALING_RULE.startsWith("**Scaling rule.**"));
 * ```
 */
export const SCALING_RULE: string =
  "**Scaling rule.** Step-count constants are scaled to each run's length S: UN's warm-up is " +
  "0.04·S and its gradient compensation starts after max(0.01·S, warm-up) steps (the authors' " +
  "4000 and 1000 of 100k updates); PowerNorm's warm-up is the learning-rate schedule's warm-up, " +
  "as the authors' scripts pass it; RepBN's λ decays over the whole run. UN's window W (a count of " +
  "recent batches) is not a horizon and is kept. Unscaled, UN would stay in warm-up — an exact " +
  "batch-RMS norm — for the whole run and test nothing of UN itself.";

/**
 * A training result's curves and counters as a run output.
 *
 * @example
 * ```ts
 * import { runOutput, type TrainResult } from "@normbench/normbench";
 * const result = { losses: [2, 1], curve: [], collapse: null, completedSteps: 2, stepsPerSec: 1,
 *   samplesPerSec: 8, effectiveGflops: 1, trainMs: 2000, normCounters: {} } as unknown as TrainResult;
 * console.assert(runOutput(result, { acc: 0.5 }).curves!.train_loss.length === 2);
 * ```
 */
export function runOutput(
  result: TrainResult,
  metrics: Record<string, number | null>,
  notes: Record<string, Json> = {},
): RunOutput {
  const trainLoss: SeriesPoint[] = [];
  const every = Math.max(1, Math.floor(result.losses.length / 200));
  for (let i = 0; i < result.losses.length; i += every) {
    const chunk = result.losses.slice(i, i + every).filter(Number.isFinite);
    if (chunk.length) {
      trainLoss.push({
        x: i + every,
        y: chunk.reduce((a, b) => a + b) / chunk.length,
      });
    }
  }
  const curves: Record<string, SeriesPoint[]> = { train_loss: trainLoss };
  for (const point of result.curve) {
    for (const [k, v] of Object.entries(point.metrics)) {
      (curves[k] ??= []).push({ x: point.step, y: v });
    }
  }
  return {
    metrics,
    curves,
    collapse: result.collapse
      ? {
        step: result.collapse.step,
        reason: `${result.collapse.reason}: ${result.collapse.detail}`,
      }
      : null,
    notes: {
      completedSteps: result.completedSteps,
      stepsPerSec: round(result.stepsPerSec, 3),
      samplesPerSec: round(result.samplesPerSec, 1),
      effectiveGflops: round(result.effectiveGflops, 3),
      trainMs: Math.round(result.trainMs),
      normCounters: result.normCounters,
      ...notes,
    },
  };
}

/**
 * UN's phase record from the norm counters: is the windowed phase reached, how many skips.
 *
 * @example
 * ```ts
 * import { unPhase } from "@normbench/normbench";
 * const p = unPhase({ "a/iters": 100, "a/skipCount": 3, "b/iters": 100, "b/skipCount": 0 }, 40);
 * console.assert(p.stepsAfterWarmup === 60 && p.skips === 3 && p.layers === 2);
 * ```
 */
export function unPhase(
  counters: Record<string, number>,
  warmup: number,
): { layers: number; minIters: number; stepsAfterWarmup: number; skips: number } {
  const iters = Object.entries(counters).filter(([k]) => k.endsWith("iters")).map(([, v]) => v);
  const skips = Object.entries(counters).filter(([k]) => k.endsWith("skipCount"))
    .reduce((a, [, v]) => a + v, 0);
  const minIters = iters.length ? Math.min(...iters) : 0;
  return {
    layers: iters.length,
    minIters,
    stepsAfterWarmup: Math.max(0, minIters - warmup),
    skips,
  };
}

function round(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}
