/**
 * What every experiment shares: step-count scaling from the source recipe, turning a training
 * result into a run output, and the norm's own summary of its counters.
 *
 * @module
 */
import { type AnyModel, createModel } from "../models/presets.ts";
import { convertPreLnToPreCrms, convertPreLnToPreRms } from "../models/convert_pre_rms.ts";
import { UsageError } from "../util/errors.ts";
import type { ModelKind } from "../models/types.ts";
import { normScalingRules, resolveNorm, scaledNormOptions } from "../norms/registry.ts";
import type { TrainProgress, TrainResult } from "../train/train.ts";
import type { Json, RunOutput, SeriesPoint, TaskContext } from "../results/types.ts";

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
 * The length of each source recipe in updates — the horizon the norms' step-count constants
 * were published for: IWSLT14 (UN's and PowerNorm's fairseq runs: 100k updates, after an LR
 * warm-up of 6000 (UN) or 8000 (PowerNorm)) and ImageNet (T2T-ViT-14: 300 epochs of 1.28M
 * images at batch 512 ≈ 750k updates, after a 10-epoch LR warm-up — 3.3%).
 *
 * @example
 * ```ts
 * import { SOURCE_RECIPES } from "@normbench/normbench";
 * console.assert(SOURCE_RECIPES.imagenet.updates === 750_000);
 * console.assert(SOURCE_RECIPES.iwslt.updates === 100_000);
 * ```
 */
export const SOURCE_RECIPES: Readonly<Record<SourceRecipe, { updates: number }>> = {
  iwslt: { updates: 100_000 },
  imagenet: { updates: 750_000 },
};

/**
 * Scales the step-count constants of a norm's options to a run of `steps` updates with
 * `scheduleWarmup` warm-up updates, from the horizon of the source recipe (`iwslt` by default),
 * by the rule of the norm's registry entry (see {@linkcode SCALING_RULE}). Options given
 * explicitly in `explicit` win.
 *
 * @example
 * ```ts
 * import { scaleNormOptions } from "@normbench/normbench";
 * const o = scaleNormOptions("un", 2000, 100, {});
 * console.assert(o.warmup === 80 && o.compensationStart === 20);
 * const v = scaleNormOptions("un", 6000, 200, {}, "imagenet");
 * console.assert(v.warmup === 32 && v.compensationStart === 8);
 * console.assert(scaleNormOptions("pn", 6000, 200).warmup === 200);
 * ```
 */
export function scaleNormOptions(
  norm: string,
  steps: number,
  scheduleWarmup: number,
  explicit: Record<string, number | boolean> = {},
  horizon: SourceRecipe = "iwslt",
): Record<string, number | boolean> {
  const sourceUpdates = SOURCE_RECIPES[horizon].updates;
  return scaledNormOptions(norm, { steps, scheduleWarmup, sourceUpdates }, explicit);
}

/**
 * The paragraph reports print for the scaling rule: every norm's rule, from its registry entry.
 *
 * @example
 * ```ts
 * import { SCALING_RULE } from "@normbench/normbench";
 * console.assert(SCALING_RULE.startsWith("**Scaling rule.**"));
 * ```
 */
export const SCALING_RULE: string = [
  "**Scaling rule.** Step-count constants keep their share of the source recipe's run.",
  ...normScalingRules(),
].join(" ");

/**
 * The summary of a run's norm counters for the report, by its registry entry (UN: its phase
 * and outlier skips), under the norm's name; empty for a norm without one.
 *
 * @example
 * ```ts
 * import { normNotes } from "@normbench/normbench";
 * const notes = normNotes("un", { "a/iters": 100, "a/skipCount": 3 }, { warmup: 40 });
 * console.assert((notes.un as { stepsAfterWarmup: number }).stepsAfterWarmup === 60);
 * console.assert(Object.keys(normNotes("ln", {}, {})).length === 0);
 * ```
 */
export function normNotes(
  norm: string,
  counters: Readonly<Record<string, number>>,
  options: Readonly<Record<string, unknown>>,
): Record<string, Json> {
  const factory = resolveNorm(norm, options);
  const summary = factory.entry.summarize?.(counters, factory.options);
  return summary ? { [factory.name]: summary } : {};
}

/**
 * An experiment: a suite task (`input` is the run's plain-data input, `context` the runner's)
 * that also takes hooks for probes.
 */
export type ExperimentFunction = (
  input: Json,
  context: TaskContext,
  hooks?: ExperimentHooks,
) => Promise<RunOutput>;

/** A run input's model part: preset and overrides. */
export interface ModelChoice {
  /** The preset of the model kind. */
  preset: string;
  /** Settings that override the preset's (e.g. `layers`). */
  overrides?: Record<string, number | string | boolean>;
  /**
   * Convert the freshly initialised Pre-LN model before training: `rms` (Pre-RMSNorm) or `crms`
   * (Pre-CRMSNorm), exact conversions that train like the original (Jiang et al. 2023).
   */
  convert?: "rms" | "crms";
}

/** What every experiment's input holds: the norm choice, the model and the seed. */
export interface ExperimentInput extends NormChoice {
  /** Preset and overrides. */
  model: ModelChoice;
  /** Seed of weights, data order and dropout. */
  seed: number;
}

/** How {@linkcode startExperiment} builds a run's model. */
export interface ExperimentSetup {
  /** The model kind. */
  kind: ModelKind;
  /** Training updates the norm's step-count options are scaled to. */
  steps: number;
  /** Warm-up updates of the learning-rate schedule. */
  warmup: number;
  /** The source recipe when the input names none. */
  horizon: SourceRecipe;
  /** Settings the experiment fixes from its data (vocabulary, special ids, lengths). */
  overrides?: Record<string, unknown>;
  /** Scale the norm's step-count options (default true; false: the input's options as given). */
  scale?: boolean;
  /** Samples per training batch, checked against the norm's smallest training batch. */
  batchSize?: number;
}

/** A started experiment run: its model and what reports its progress and output. */
export interface Experiment<M extends AnyModel> {
  /** The model, built and shown to `hooks.onModel`; the caller disposes it. */
  readonly model: M;
  /** The norm's options after step-count scaling. */
  readonly normOptions: Record<string, number | boolean>;
  /**
   * The training loop's progress callback: reports step `offset + step` of `total` (default:
   * the loop's own total) to the runner and calls `hooks.onStep`.
   */
  progress(options?: { offset?: number; total?: number }): (p: TrainProgress) => void;
  /**
   * The run output ({@linkcode runOutput}) with the norm's options and its own summary of its
   * counters (UN: its phase) added to `notes`.
   */
  output(
    result: TrainResult,
    metrics: Record<string, number | null>,
    notes: Record<string, Json>,
    chance: Record<string, number>,
  ): RunOutput;
}

/**
 * The outline every experiment shares: the norm's step-count options scaled to the run (see
 * {@linkcode scaleNormOptions}), the model built from the input's norm, placement, masks, seed,
 * preset and overrides (the experiment's own overrides last) and handed to `hooks.onModel`; then
 * progress reporting during training and the run output with the norm's notes after it.
 *
 * @example
 * ```ts
 * import { startExperiment } from "@normbench/normbench";
 * const seen: number[] = [];
 * const run = startExperiment(
 *   { norm: "un", model: { preset: "tiny" }, seed: 1 },
 *   { kind: "vit", steps: 7500, warmup: 250, horizon: "imagenet" },
 *   { progress: (done) => seen.push(done) },
 * );
 * console.assert(run.normOptions.warmup === 40 && run.model.config.norm === "un");
 * run.progress({ offset: 10 })({ step: 3, total: 5, loss: 1, lr: 1e-3, msPerStep: 10 });
 * console.assert(seen[0] === 13);
 * run.model.dispose();
 * ```
 */
export function startExperiment<M extends AnyModel = AnyModel>(
  cfg: ExperimentInput,
  setup: ExperimentSetup,
  context: Pick<TaskContext, "progress">,
  hooks: ExperimentHooks = {},
): Experiment<M> {
  const { steps, warmup } = setup;
  checkTrainingBatch(cfg.norm, setup.batchSize);
  const normOptions = setup.scale === false
    ? cfg.normOptions ?? {}
    : scaleNormOptions(cfg.norm, steps, warmup, cfg.normOptions, cfg.horizon ?? setup.horizon);
  const built = createModel({
    model: setup.kind,
    preset: cfg.model.preset,
    overrides: { ...cfg.model.overrides, ...setup.overrides },
    norm: cfg.norm,
    normOptions,
    placement: cfg.placement,
    maskNorms: cfg.maskNorms,
    seed: cfg.seed,
  }) as M;
  const model = convertModel(built, cfg.model.convert);
  hooks.onModel?.(model);
  return {
    model,
    normOptions,
    progress: ({ offset = 0, total } = {}) => (p) => {
      context.progress(offset + p.step, total ?? p.total);
      hooks.onStep?.(offset + p.step);
    },
    output: (result, metrics, notes, chance) =>
      runOutput(result, metrics, {
        ...notes,
        normOptions,
        ...normNotes(cfg.norm, result.normCounters, normOptions),
      }, chance),
  };
}

/** `model` converted as asked (the original disposed), or `model` itself. */
function convertModel<M extends AnyModel>(model: M, to: ModelChoice["convert"]): M {
  if (to === undefined) return model;
  if (to !== "rms" && to !== "crms") {
    model.dispose();
    throw new UsageError(`unknown model conversion '${to}'`, "use rms or crms");
  }
  const converted = to === "rms" ? convertPreLnToPreRms(model) : convertPreLnToPreCrms(model);
  model.dispose();
  return converted;
}

/**
 * Throws a {@linkcode UsageError} naming the fix when `norm` does not train at batches of
 * `batchSize` samples (e.g. BatchNorm at batch 1, which the papers never do; GroupNorm, BCN and
 * EvoNorm-S0 train at batch 1 on purpose).
 *
 * @example
 * ```ts
 * import { checkTrainingBatch } from "@normbench/normbench";
 * checkTrainingBatch("gn+ws", 1);
 * try { checkTrainingBatch("bn", 1); } catch (err) { console.log((err as Error).message); }
 * ```
 */
export function checkTrainingBatch(norm: string, batchSize: number | undefined): void {
  const factory = resolveNorm(norm);
  const least = factory.entry.minTrainingBatch ?? 1;
  if (batchSize !== undefined && batchSize < least) {
    throw new UsageError(
      `norm '${factory.name}' needs at least ${least} samples per training batch, got ${batchSize}`,
      "raise the batch size, or use a norm that trains at batch 1: gn, bcn, evonorm-s0, ln",
    );
  }
}

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

function round(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}
