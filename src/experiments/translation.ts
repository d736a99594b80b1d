/**
 * Experiment: a Pre-norm encoder–decoder with a chosen norm trained on Spanish→English Bible
 * verses, scored by corpus BLEU (sacreBLEU defaults) of beam search on held-out verses.
 *
 * @module
 */
import * as tf from "../tf.ts";
import { BOS_ID, EOS_ID, PAD_ID } from "../util/special_tokens.ts";
import { loadTranslationCorpus } from "../data/bible/translation_corpus.ts";
import { type TranslationBatch, translationBatches } from "../data/bible/translation_batches.ts";
import { corpusBleu } from "../metrics/bleu.ts";
import { beamSearch } from "../models/search.ts";
import type { Translator } from "../models/translator.ts";
import { train } from "../train/train.ts";
import type { Json } from "../results/types.ts";
import { stepBatches } from "./batching.ts";
import { translateBatchFromData } from "./batches.ts";
import { type ExperimentFunction, type ExperimentInput, startExperiment } from "./common.ts";

/** Input of {@linkcode trainTranslator} (plain data). */
export interface TranslationRunInput extends ExperimentInput {
  /** Training recipe (Adam (0.9, 0.98), inverse-sqrt schedule, label smoothing, as fairseq). */
  recipe: {
    steps: number;
    maxTokens: number;
    lr: number;
    warmupFraction: number;
    labelSmoothing: number;
    weightDecay?: number;
    clipNorm?: number;
  };
  /** Data: vocabulary size, sentence length filter, split sizes. */
  data: {
    vocabSize: number;
    maxWords: number;
    trainSize?: number;
    validSize: number;
    testSize: number;
  };
  /** Decoding of the test set. */
  decode: { beam: number; lengthPenalty: number; sentences: number };
  /** Validation loss every this many steps. */
  evalEvery: number;
  /** The decoder's norm when it differs (PowerNorm's runs: PN encoder, LN decoder). */
  decoderNorm?: string;
}

/** Token-weighted mean loss of `batches` in inference mode. */
async function meanLoss(model: Translator, batches: TranslationBatch[]): Promise<number> {
  let sum = 0;
  let tokens = 0;
  for (const b of batches) {
    const loss = tf.tidy(() => model.loss(translateBatchFromData(b), { training: false }));
    sum += (await loss.data())[0] * b.targetTokens;
    tokens += b.targetTokens;
    loss.dispose();
  }
  return sum / tokens;
}

/**
 * Trains the translator and scores it: validation loss along the way, test BLEU at the end.
 *
 * @example
 * ```ts ignore
 * import { trainTranslator } from "@normbench/normbench";
 * const out = await trainTranslator({ ... }, { progress: () => {} });
 * console.log(out.metrics.bleu);
 * ```
 */
export const trainTranslator: ExperimentFunction = async (input, context, hooks = {}) => {
  const cfg = input as unknown as TranslationRunInput;
  const corpus = await loadTranslationCorpus({
    vocabSize: cfg.data.vocabSize,
    maxWords: cfg.data.maxWords,
    trainSize: cfg.data.trainSize,
    validSize: cfg.data.validSize,
    testSize: cfg.data.testSize,
  });
  const { steps } = cfg.recipe;
  const warmup = Math.max(1, Math.round(cfg.recipe.warmupFraction * steps));
  const run = startExperiment<Translator>(
    cfg,
    {
      kind: "translator",
      steps,
      warmup,
      horizon: "iwslt",
      overrides: {
        ...(cfg.decoderNorm ? { decoderNorm: cfg.decoderNorm } : {}),
        vocab: corpus.tokenizer.vocabSize,
        padId: PAD_ID,
        bosId: BOS_ID,
        eosId: EOS_ID,
      },
    },
    context,
    hooks,
  );
  const { model } = run;
  const batchAt = stepBatches((epoch) =>
    translationBatches(corpus.train, { maxTokens: cfg.recipe.maxTokens, seed: cfg.seed, epoch })
      .map(translateBatchFromData)
  );
  const valid = translationBatches(corpus.valid, {
    maxTokens: 4 * cfg.recipe.maxTokens,
    shuffle: false,
  });
  try {
    const result = await train(model, {
      steps,
      seed: cfg.seed,
      optimizer: {
        kind: cfg.recipe.weightDecay ? "adamw" : "adam",
        lr: cfg.recipe.lr,
        beta1: 0.9,
        beta2: 0.98,
        weightDecay: cfg.recipe.weightDecay ?? 0,
      },
      schedule: { kind: "inverse-sqrt", warmup },
      clipNorm: cfg.recipe.clipNorm,
      labelSmoothing: cfg.recipe.labelSmoothing,
      evalEvery: cfg.evalEvery,
      quiet: true,
    }, {
      batch: batchAt,
      evaluate: async () => ({ valid_loss: await meanLoss(model, valid) }),
      onProgress: run.progress(),
    });
    let bleu: number | null = null;
    let validLoss: number | null = null;
    let sample: Json = null;
    if (!result.collapse) {
      validLoss = await meanLoss(model, valid);
      const test = corpus.test.slice(0, cfg.decode.sentences);
      const hyps: string[] = new Array(test.length);
      for (const b of translationBatches(test, { maxTokens: 1500, shuffle: false })) {
        const out = await beamSearch(model, { src: b.src, srcShape: [b.size, b.srcLen] }, {
          beam: cfg.decode.beam,
          lengthPenalty: cfg.decode.lengthPenalty,
          maxLen: Math.min(model.config.maxLen - 1, Math.ceil(b.srcLen * 1.5) + 5),
        });
        out.forEach((ids, i) =>
          hyps[b.index[i]] = corpus.tokenizer.decode(ids, { stopAtEos: true })
        );
      }
      const score = corpusBleu(hyps, [test.map((e) => e.tgtText)]);
      bleu = score.score;
      sample = { src: test[0].srcText, ref: test[0].tgtText, hyp: hyps[0] };
    }
    const notes: Record<string, Json> = {
      data: corpus.summary.sizes,
      vocab: corpus.tokenizer.vocabSize,
      warmup,
      sample,
    };
    return run.output(
      result,
      {
        bleu,
        valid_loss: validLoss,
        train_loss: Number.isFinite(result.final.trainLoss) ? result.final.trainLoss : null,
      },
      notes,
      { bleu: 0, valid_loss: Math.log(corpus.tokenizer.vocabSize) },
    );
  } finally {
    model.dispose();
  }
};
