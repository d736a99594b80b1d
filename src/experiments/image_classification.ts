/**
 * Experiment: a ViT or the CNN with a chosen norm trained on Fashion-MNIST, scored by test
 * accuracy.
 *
 * @module
 */
import { type ImageBatch, imageBatches } from "../data/fashion_mnist/image_batches.ts";
import { loadImageCorpus } from "../data/fashion_mnist/image_corpus.ts";
import type { ImageClassifyBatch } from "../models/types.ts";
import type { Cnn } from "../models/cnn.ts";
import type { VisionTransformer } from "../models/vit.ts";
import { train } from "../train/train.ts";
import type { Json } from "../results/types.ts";
import { imageBatchFromData } from "./batches.ts";
import { classifierAccuracy } from "./evaluate.ts";
import {
  type ExperimentFunction,
  type ExperimentInput,
  type ModelChoice,
  startExperiment,
} from "./common.ts";

/** Input of {@linkcode trainImageClassifier} (plain data). */
export interface ImageRunInput extends ExperimentInput {
  /** The model: a ViT (default) or the CNN, its preset and overrides. */
  model: ModelChoice & { kind?: "vit" | "cnn" };
  /** Training recipe. */
  recipe: {
    steps: number;
    batchSize: number;
    lr: number;
    weightDecay: number;
    /** Warm-up as a fraction of the steps. */
    warmupFraction: number;
    clipNorm?: number;
    labelSmoothing?: number;
    /** Mirror training images left–right at random (default false). */
    flip?: boolean;
  };
  /** Data sizes (the split itself is fixed by the data layer's seed). */
  data: { trainSize?: number; validSize: number; testSize?: number };
  /** Validation accuracy every this many steps on `evalSize` validation images. */
  evalEvery: number;
  /** Validation images per evaluation. */
  evalSize: number;
  /** Scale the norm's step constants to the run (default true, from the ImageNet horizon). */
  scaleNorm?: boolean;
}

/** Accuracy of `model` on the images `indices` of `set`. */
function accuracyOn(
  model: VisionTransformer | Cnn,
  set: Parameters<typeof imageBatches>[0],
  indices: Int32Array,
  norm: { mean: number; std: number },
): Promise<number> {
  const batches = imageBatches(set, { batchSize: 256, indices, shuffle: false, ...norm });
  return classifierAccuracy(batches, (b: ImageBatch) => model.logits(imageBatchFromData(b)));
}

/**
 * Trains a ViT on Fashion-MNIST with the input's norm and recipe (AdamW, cosine schedule with
 * warm-up), evaluates validation accuracy along the way and test accuracy at the end.
 *
 * @example
 * ```ts ignore
 * import { trainImageClassifier } from "@normbench/normbench";
 * const out = await trainImageClassifier({
 *   model: { preset: "small" }, norm: "un", seed: 0, evalEvery: 100, evalSize: 1000,
 *   recipe: { steps: 300, batchSize: 64, lr: 1e-3, weightDecay: 0.05, warmupFraction: 0.05 },
 *   data: { validSize: 5000 },
 * }, { progress: () => {} });
 * console.log(out.metrics.test_accuracy);
 * ```
 */
export const trainImageClassifier: ExperimentFunction = async (input, context, hooks = {}) => {
  const cfg = input as unknown as ImageRunInput;
  const corpus = await loadImageCorpus({ ...cfg.data });
  const { steps, batchSize } = cfg.recipe;
  const warmup = Math.round(cfg.recipe.warmupFraction * steps);
  const run = startExperiment<VisionTransformer | Cnn>(
    cfg,
    {
      kind: cfg.model.kind ?? "vit",
      steps,
      warmup,
      horizon: "imagenet",
      scale: cfg.scaleNorm,
      batchSize,
    },
    context,
    hooks,
  );
  const { model } = run;
  const norm = { mean: corpus.mean, std: corpus.std };
  const perEpoch = Math.floor(corpus.train.length / batchSize);
  let epoch = -1;
  let iterator: Generator<ImageBatch> | undefined;
  let position = 0;
  const batchAt = (step: number): ImageClassifyBatch => {
    const e = Math.floor((step - 1) / perEpoch);
    const within = (step - 1) % perEpoch;
    if (e !== epoch || within !== position) {
      epoch = e;
      position = 0;
      iterator = imageBatches(corpus.data.train, {
        batchSize,
        indices: corpus.train,
        seed: cfg.seed,
        epoch: e,
        dropLast: true,
        flip: cfg.recipe.flip ?? false,
        ...norm,
      });
      for (; position < within; position++) iterator.next();
    }
    position++;
    return imageBatchFromData(iterator!.next().value as ImageBatch);
  };
  const evalIndices = corpus.valid.subarray(0, cfg.evalSize);
  try {
    const result = await train(model, {
      steps,
      seed: cfg.seed,
      optimizer: { kind: "adamw", lr: cfg.recipe.lr, weightDecay: cfg.recipe.weightDecay },
      schedule: { kind: "cosine", warmup },
      clipNorm: cfg.recipe.clipNorm,
      labelSmoothing: cfg.recipe.labelSmoothing,
      evalEvery: cfg.evalEvery,
      quiet: true,
    }, {
      batch: batchAt,
      evaluate: async () => ({
        valid_accuracy: 100 * await accuracyOn(model, corpus.data.train, evalIndices, norm),
      }),
      onProgress: run.progress(),
    });
    const collapsed = result.collapse !== null;
    const test = collapsed ? null : await accuracyOn(model, corpus.data.test, corpus.test, norm);
    const valid = collapsed ? null : await accuracyOn(model, corpus.data.train, corpus.valid, norm);
    const notes: Record<string, Json> = {
      data: corpus.summary.sizes,
      warmup,
    };
    const chance = 100 / model.config.classes;
    return run.output(
      result,
      {
        test_accuracy: test === null ? null : 100 * test,
        valid_accuracy: valid === null ? null : 100 * valid,
        train_loss: Number.isFinite(result.final.trainLoss) ? result.final.trainLoss : null,
      },
      notes,
      { test_accuracy: chance, valid_accuracy: chance },
    );
  } finally {
    model.dispose();
  }
};
