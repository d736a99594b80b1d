/**
 * What every experiment shares: the scaling rule for step-count constants, turning a training
 * result into a run output, and the UN phase record.
 *
 * @module
 */
import type { AnyModel } from "../models/presets.ts";
import type { TrainResult } from "../train/train.ts";
import type { Json, RunOutput, SeriesPoint } from "../results/types.ts";

/** A norm as an experiment takes it: name, options, placement, masks, source recipe. */
export interface NormChoice {
  /** Registry name. */
  norm: string;
  /** The norm's own options (step-count options are scaled to the run unless given). */
  normOptions?: Record<string, number | boolean>;
  /** Placement (default `pre`). */
  placement?: string;
  /** Whether pad masks reach the norms (default false: padded tokens enter batch statistics). */
  maskNorms?: boolean;
  /** The source recipe whose horizon step-count constants are scaled from (default `iwslt`). */
  horizon?: SourceRecipe;
}

/** Hooks into an experiment, for probes (e.g. the statistics suite's). */
export interface ExperimentHooks {
  /** Called with the model once it is built, before training. */
  onModel?(model: AnyModel): void;
  /** Called after every training update. */
  onStep?(step: number): void;
}

/** A source recipe whose length the step-count constants of the norms are scaled from. */
export type SourceRecipe = "iwslt" | "imagenet";

/**
 * The length of each source recipe, in updates, with the step-count constants the authors use
 * in it: IWSLT14 (UN's and PowerNorm's fairseq runs: 100k updates, UN's T_w 4000 — 4% —, its
 * gradient compensation from update 1000, an LR warm-up of 6000 (UN) or 8000 (PowerNorm)) and
 * ImageNet (T2T-ViT-14: 300 epochs of 1.28M images at batch 512 ≈ 750k updates, so T_w = 4000
 * is 0.53% of the run, after a 10-epoch LR warm-up — 3.3%).
 *
 * @example
 * ```ts
 * import { SOURCE_RECIPES } from "@normbench/normbench";
 * console.assert(SOURCE_RECIPES.imagenet.updates === 750_000);
 * console.assert(SOURCE_RECIPES.iwslt.unWarmup / SOURCE_RECIPES.iwslt.updates === 0.04);
 * ```
 */
export const SOURCE_RECIPES: Readonly<
  Record<SourceRecipe, { updates: number; unWarmup: number; unCompensationStart: number }>
> = {
  iwslt: { updates: 100_000, unWarmup: 4000, unCompensationStart: 1000 },
  imagenet: { updates: 750_000, unWarmup: 4000, unCompensationStart: 1000 },
};

/**
 * Scales the step-count constants of a norm's options to a run of `steps` updates with
 * `scheduleWarmup` warm-up updates, from the horizon of the source recipe (`iwslt` by default)
 * — the rule every report states: UN's `warmup` and `compensationStart` keep their share of the
 * source run (4000 and 1000 of 100k updates for IWSLT14, of 750k for ImageNet); PowerNorm's
 * `warmup` is the schedule's warm-up (as the authors' scripts pass it); RepBN's `decaySteps` is
 * the whole run (SLAB decays λ over training). Options given explicitly in `explicit` win.
 * Windows (UN's W) are counts of recent batches, not of the horizon: unscaled.
 *
 * @example
 * ```ts
 * import { scaleNormOptions } from "@normbench/normbench";
 * const o = scaleNormOptions("un", 2000, 100, {});
 * console.assert(o.warmup === 80 && o.compensationStart === 20);
 * const v = scaleNormOptions("un", 6000, 200, {}, "imagenet");
 * console.assert(v.warmup === 32 && v.compensationStart === 8);
 * ```
 */
export function scaleNormOptions(
  norm: string,
  steps: number,
  scheduleWarmup: number,
  explicit: Record<string, number | boolean> = {},
  horizon: SourceRecipe = "iwslt",
): Record<string, number | boolean> {
  const scaled: Record<string, number | boolean> = {};
  const source = SOURCE_RECIPES[horizon];
  if (norm === "un") {
    scaled.warmup = Math.round((source.unWarmup / source.updates) * steps);
    scaled.compensationStart = Math.round((source.unCompensationStart / source.updates) * steps);
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
  "**Scaling rule.** Step-count constants keep their share of the source recipe's run: UN's " +
  "warm-up T_w and the start of its gradient compensation are 4000 and 1000 updates of 100k in " +
  "the IWSLT14 recipes (4% and 1% of our run) and of ≈ 750k in the ImageNet one (T2T-ViT-14: " +
  "300 epochs at batch 512; 0.53% and 0.13%); PowerNorm's warm-up is the learning-rate " +
  "schedule's warm-up, as the authors' scripts pass it; RepBN's λ decays over the whole run. " +
  "UN's window W (a count of recent batches) is not a horizon and is kept. Unscaled, UN would " +
  "stay in warm-up — an exact batch-RMS norm — for the whole run and test nothing of UN itself.";

/**
 * A training result's curves and counters as a run output, with the chance level of each
 * metric (what a collapsed run counts as in claims).
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
  chance: Record<string, number> = {},
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
    chance,
  };
}

/**
 * UN's phase record from the norm counters: is the windowed phase reached, how many skips
 * (layers that never ran in training are counted apart as `unused`).
 *
 * @example
 * ```ts
 * import { unPhase } from "@normbench/normbench";
 * const p = unPhase({ "a/iters": 100, "a/skipCount": 3, "b/iters": 100, "mlm/iters": 0 }, 40);
 * console.assert(p.stepsAfterWarmup === 60 && p.skips === 3 && p.layers === 2 && p.unused === 1);
 * ```
 */
export function unPhase(
  counters: Record<string, number>,
  warmup: number,
): {
  layers: number;
  unused: number;
  minIters: number;
  stepsAfterWarmup: number;
  skips: number;
} {
  const all = Object.entries(counters).filter(([k]) => k.endsWith("iters")).map(([, v]) => v);
  // A layer that never ran a training forward (e.g. the MLM head without pre-training) has no
  // phase: it is counted apart, not taken as a layer stuck in warm-up.
  const iters = all.filter((v) => v > 0);
  const skips = Object.entries(counters).filter(([k]) => k.endsWith("skipCount"))
    .reduce((a, [, v]) => a + v, 0);
  const minIters = iters.length ? Math.min(...iters) : 0;
  return {
    layers: iters.length,
    unused: all.length - iters.length,
    minIters,
    stepsAfterWarmup: Math.max(0, minIters - warmup),
    skips,
  };
}

function round(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}
