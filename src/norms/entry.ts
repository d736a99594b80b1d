/**
 * What a norm's registry entry declares: every rule about the norm lives in its entry, so that
 * models, experiments and suites take a norm name and never special-case one.
 *
 * @module
 */
import type { NormBase, NormConstruction } from "./base.ts";
import type { OptionSpecs, ResolvedOptions } from "./options.ts";

/** The length of a training run, for norms whose options count steps. */
export interface RunLength {
  /** Updates of our run. */
  steps: number;
  /** Warm-up updates of our learning-rate schedule. */
  scheduleWarmup: number;
  /** Updates of the source recipe the step-count constants were published for. */
  sourceUpdates: number;
}

/** What a model tells a norm about itself when it resolves the norm's options. */
export interface ModelShape {
  /** Attention heads per block. */
  heads: number;
  /** Whether a position may depend only on earlier ones (an LM, a decoder). Default false. */
  causal?: boolean;
}

/** A JSON value, as a norm's summary for the report. */
export type SummaryValue = number | string | boolean | null | SummaryValue[] | {
  [key: string]: SummaryValue;
};

/** One run of a norm, as its {@linkcode NormEntry.check} sees it. */
export interface NormRunSummary {
  /** What {@linkcode NormEntry.summarize} returned for the run. */
  summary: Record<string, SummaryValue>;
  /** The options the run passed to the norm (after step-count scaling). */
  options: Record<string, unknown>;
}

/** A check a norm makes on its own runs, shown with the suite's checks. */
export interface NormCheck {
  /** What is checked, as a sentence. */
  check: string;
  /** Whether it held. */
  ok: boolean;
  /** The numbers behind it. */
  detail: string;
}

/**
 * A registry entry: what a norm is, its options and every rule about it. Only `title`,
 * `options`, `build` and `folds` are required; a norm declares the others when it has such a
 * rule.
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs-core";
 * import { type NormEntry, RmsNorm, RMS_NORM_OPTIONS } from "@normbench/normbench";
 * const entry: NormEntry = {
 *   title: "RMSNorm, again",
 *   options: RMS_NORM_OPTIONS,
 *   build: (channels, options, construction) => new RmsNorm(channels, options, construction),
 *   folds: "partial",
 * };
 * const norm = entry.build(4, { eps: 1e-5 });
 * console.assert(norm.apply(tf.ones([2, 4])).shape[1] === 4);
 * ```
 */
export interface NormEntry {
  /** One line: the method and its source. */
  title: string;
  /** Its options with defaults and rules. */
  options: OptionSpecs;
  /** Builds the norm from resolved options. */
  build: (channels: number, options: ResolvedOptions, construction?: NormConstruction) => NormBase;
  /** How much of it folds into the next linear layer at inference. */
  folds: "full" | "partial" | "nothing";
  /**
   * True when its statistics run over a sample's positions (GroupNorm and its kin on a token
   * sequence): each position then depends on the others, so causal models refuse the norm.
   */
  mixesPositions?: boolean;
  /**
   * True for a normalization-activation layer (EvoNorm): models put no activation after it
   * where they would after a plain norm.
   */
  activation?: boolean;
  /** A sentence on how it reads its input where that is not obvious (`normbench norms`). */
  note?: string;
  /**
   * The smallest batch it trains at (default 1). Batch-statistic norms that the papers never
   * train at batch 1 say 2, so a batch of one sample is an error naming the fix.
   */
  minTrainingBatch?: number;
  /**
   * Its step-count options for a run of the given length (options the caller gives explicitly
   * win). Windows and other counts of batches are not horizons and are not scaled.
   */
  scale?: (run: RunLength) => Record<string, number>;
  /** The sentence a report prints for {@linkcode NormEntry.scale}. */
  scaleRule?: string;
  /** Option defaults that depend on the model (e.g. PowerNorm's groups = heads). */
  modelDefaults?: (model: ModelShape) => Record<string, number | boolean>;
  /**
   * A run's summary for the report from the norm counters of every layer (keys
   * `<layer path>/<counter>`), with the options the norm ran with (defaults filled in).
   */
  summarize?: (
    counters: Readonly<Record<string, number>>,
    options: Readonly<ResolvedOptions>,
  ) => Record<string, SummaryValue>;
  /** Checks over every run of the norm in a suite (e.g. that UN left its warm-up). */
  check?: (runs: NormRunSummary[]) => NormCheck[];
}
