/**
 * The training entry point for suite runners: plain-data spec in (model and recipe), plain data
 * out, with hooks for batches, evaluation and progress. Runs in a worker as well as here.
 *
 * @module
 */
import { type BackendInfo, describeBackend } from "../backend/backend.ts";
import { type AnyModel, createModel, type ModelSpec } from "../models/presets.ts";
import type { Batch, Model } from "../models/types.ts";
import type { Checkpoint } from "./checkpoint.ts";
import { train, type TrainConfig, type TrainProgress, type TrainResult } from "./train.ts";

/** A run described as plain data. */
export interface TrainingRunSpec {
  /** The model: kind, preset, norm, norm options, placement, seed, overrides. */
  model: ModelSpec;
  /** The recipe: steps, optimizer, schedule, clipping, label smoothing, seed, … */
  train: TrainConfig;
}

/** Hooks of {@linkcode runTraining}: like `TrainHooks`, with the model passed to `evaluate`. */
export interface RunHooks<B extends Batch = Batch> {
  /** The batch of update `step` (1-based); must depend only on `step` for exact resumption. */
  batch(step: number): B;
  /** Metrics after update `step`, e.g. validation accuracy, BLEU with beam search, perplexity. */
  evaluate?(
    model: AnyModel,
    step: number,
  ): Promise<Record<string, number>> | Record<string, number>;
  /** Called after every update (e.g. for a progress bar: `step` of `total`). */
  onProgress?(progress: TrainProgress): void;
  /** Receives checkpoints (see `TrainConfig.checkpointEvery`). */
  onCheckpoint?(checkpoint: Checkpoint): Promise<void> | void;
  /** Resume from this checkpoint. */
  resume?: Checkpoint;
  /** Called with the trained model before it is disposed (e.g. to decode a test set). */
  onFinished?(model: AnyModel): Promise<void> | void;
}

/** What {@linkcode runTraining} returns: the training result plus provenance. */
export interface RunResult extends TrainResult {
  /** The full model configuration the spec resolved to. */
  config: AnyModel["config"];
  /** Trainable parameters. */
  parameters: number;
  /** The backend the run used. */
  backend: BackendInfo | null;
}

/**
 * Builds the model of `spec.model`, trains it with `spec.train` on `hooks.batch`, and returns
 * plain data; the model is disposed afterwards (see `onFinished` to use it first). A diverged
 * run returns with `collapse` set; bad specs throw a `UsageError` before any training.
 *
 * @example
 * ```ts
 * import { runTraining, syntheticBatch, createModel } from "@normbench/normbench";
 * const probe = createModel({ model: "lm", preset: "tiny", norm: "un" });
 * const batch = syntheticBatch(probe, { batch: 4, seq: 8 });
 * probe.dispose();
 * const result = await runTraining(
 *   { model: { model: "lm", preset: "tiny", norm: "un" }, train: { steps: 2, optimizer: { kind: "adam", lr: 1e-3 }, quiet: true } },
 *   { batch: () => batch },
 * );
 * console.assert(result.completedSteps === 2 && result.parameters > 0);
 * ```
 */
export async function runTraining<B extends Batch = Batch>(
  spec: TrainingRunSpec,
  hooks: RunHooks<B>,
): Promise<RunResult> {
  const model = createModel(spec.model);
  try {
    const result = await train(model as unknown as Model<unknown, B>, spec.train, {
      batch: hooks.batch,
      evaluate: hooks.evaluate ? (step) => hooks.evaluate!(model, step) : undefined,
      onProgress: hooks.onProgress,
      onCheckpoint: hooks.onCheckpoint,
      resume: hooks.resume,
    });
    await hooks.onFinished?.(model);
    return {
      ...result,
      config: structuredClone(model.config),
      parameters: model.parameterCount(),
      backend: describeBackend() ?? null,
    };
  } finally {
    model.dispose();
  }
}
