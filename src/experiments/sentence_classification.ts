/**
 * Experiment: a BERT-like encoder with a chosen norm, optionally pre-trained as a masked LM on
 * the Brown corpus, fine-tuned on the sentiment sentences and scored by test accuracy.
 *
 * @module
 */
import {
  type ClassificationBatch,
  classificationBatches,
} from "../data/sentiment/classification_batches.ts";
import { loadClassificationCorpus } from "../data/sentiment/classification_corpus.ts";
import { lmBatches } from "../data/brown/lm_batches.ts";
import { loadLanguageModelCorpus } from "../data/brown/lm_corpus.ts";
import { maskTokens } from "../data/brown/mlm.ts";
import { createRng } from "../util/random.ts";
import type { Encoder } from "../models/encoder.ts";
import { train, type TrainResult } from "../train/train.ts";
import type { Json } from "../results/types.ts";
import { stepBatches } from "./batching.ts";
import { classifyBatchFromData, mlmBatchFromData } from "./batches.ts";
import { classifierAccuracy } from "./evaluate.ts";
import { type ExperimentFunction, type ExperimentInput, startExperiment } from "./common.ts";

/** Input of {@linkcode trainSentenceClassifier} (plain data). */
export interface SentenceRunInput extends ExperimentInput {
  /** Fine-tuning recipe (AdamW, cosine schedule with warm-up). */
  recipe: {
    steps: number;
    batchSize: number;
    lr: number;
    warmupFraction: number;
    weightDecay: number;
    maxLen: number;
  };
  /** MLM pre-training on Brown before fine-tuning (0 steps: none). */
  pretrain: { steps: number; batchSize: number; seqLen: number; lr: number };
  /** BPE vocabulary size (shared by pre-training and fine-tuning). */
  data: { vocabSize: number };
  /** Validation accuracy every this many fine-tuning steps. */
  evalEvery: number;
}

/** Accuracy of `model` on `batches`, in %. */
async function accuracy(model: Encoder, batches: ClassificationBatch[]): Promise<number> {
  return 100 * await classifierAccuracy(batches, (b) => model.classify(classifyBatchFromData(b)));
}

/**
 * Pre-trains (optionally) and fine-tunes the encoder; returns test accuracy.
 *
 * @example
 * ```ts ignore
 * import { trainSentenceClassifier } from "@normbench/normbench";
 * const out = await trainSentenceClassifier({ ... }, { progress: () => {} });
 * console.log(out.metrics.test_accuracy);
 * ```
 */
export const trainSentenceClassifier: ExperimentFunction = async (input, context, hooks = {}) => {
  const cfg = input as unknown as SentenceRunInput;
  const corpus = await loadClassificationCorpus({ vocabSize: cfg.data.vocabSize });
  const pre = cfg.pretrain.steps;
  const total = pre + cfg.recipe.steps;
  const warmup = Math.round(cfg.recipe.warmupFraction * cfg.recipe.steps);
  // The norm's horizon is the whole training: pre-training and fine-tuning.
  const run = startExperiment<Encoder>(
    cfg,
    {
      kind: "encoder",
      steps: total,
      warmup,
      horizon: "iwslt",
      overrides: {
        vocab: corpus.tokenizer.vocabSize,
        padId: 0,
        maxLen: Math.max(cfg.recipe.maxLen, cfg.pretrain.seqLen),
      },
    },
    context,
    hooks,
  );
  const { model } = run;
  try {
    let pretrained: TrainResult | null = null;
    if (pre > 0) {
      const brown = await loadLanguageModelCorpus({
        tokenization: "bpe",
        tokenizer: corpus.tokenizer,
      });
      const { batchSize, seqLen } = cfg.pretrain;
      const mlmAt = stepBatches((epoch) => {
        const rng = createRng(cfg.seed, `mlm:${epoch}`);
        return lmBatches(brown.train.stream, {
          batchSize,
          seqLen: seqLen - 1,
          shuffle: true,
          seed: cfg.seed,
          epoch,
        })
          .map((b) =>
            mlmBatchFromData(
              maskTokens(b.tokens, { vocabSize: corpus.tokenizer.vocabSize, rng }),
              [b.size, b.seqLen + 1],
            )
          );
      });
      pretrained = await train(model, {
        steps: pre,
        seed: cfg.seed,
        optimizer: { kind: "adamw", lr: cfg.pretrain.lr, weightDecay: 0.01 },
        schedule: { kind: "cosine", warmup: Math.round(0.05 * pre) },
        quiet: true,
      }, { batch: mlmAt, onProgress: (p) => context.progress(p.step, total) });
    }
    const validBatches = classificationBatches(corpus.valid, {
      batchSize: 128,
      maxLen: cfg.recipe.maxLen,
      shuffle: false,
    });
    const testBatches = classificationBatches(corpus.test, {
      batchSize: 128,
      maxLen: cfg.recipe.maxLen,
      shuffle: false,
    });
    const batchAt = stepBatches((epoch) =>
      classificationBatches(corpus.train, {
        batchSize: cfg.recipe.batchSize,
        maxLen: cfg.recipe.maxLen,
        seed: cfg.seed,
        epoch,
        dropLast: true,
      }).map(classifyBatchFromData)
    );
    const result = pretrained?.collapse ? pretrained : await train(model, {
      steps: cfg.recipe.steps,
      seed: cfg.seed + 1,
      optimizer: { kind: "adamw", lr: cfg.recipe.lr, weightDecay: cfg.recipe.weightDecay },
      schedule: { kind: "cosine", warmup },
      evalEvery: cfg.evalEvery,
      quiet: true,
    }, {
      batch: batchAt,
      evaluate: async () => ({ valid_accuracy: await accuracy(model, validBatches) }),
      onProgress: run.progress({ offset: pre, total }),
    });
    const collapsed = result.collapse !== null;
    const notes: Record<string, Json> = {
      data: corpus.summary.sizes,
      vocab: corpus.tokenizer.vocabSize,
      pretrainSteps: pre,
      pretrainFinalLoss: pretrained ? pretrained.final.trainLoss ?? null : null,
    };
    const chance = 100 / model.config.classes;
    return run.output(
      result,
      {
        test_accuracy: collapsed ? null : await accuracy(model, testBatches),
        valid_accuracy: collapsed ? null : await accuracy(model, validBatches),
        train_loss: Number.isFinite(result.final.trainLoss) ? result.final.trainLoss : null,
      },
      notes,
      { test_accuracy: chance, valid_accuracy: chance },
    );
  } finally {
    model.dispose();
  }
};
