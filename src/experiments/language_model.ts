/**
 * Experiment: a decoder-only LM with a chosen norm and placement trained on the Brown corpus,
 * scored by test perplexity per word.
 *
 * @module
 */
import * as tf from "../tf.ts";
import { lmBatches } from "../data/brown/lm_batches.ts";
import { loadLanguageModelCorpus } from "../data/brown/lm_corpus.ts";
import { perplexity, unigramEntropy } from "../metrics/perplexity.ts";
import type { LanguageModel } from "../models/lm.ts";
import { train } from "../train/train.ts";
import type { DiagnosticsConfig } from "../train/diagnostics.ts";
import { type LayerImportance, layerImportance } from "../train/layer_importance.ts";
import { UsageError } from "../util/errors.ts";
import { withDiagnostics } from "./diagnostics_output.ts";
import type { Json } from "../results/types.ts";
import { stepBatches } from "./batching.ts";
import { nextTokenBatchFromData } from "./batches.ts";
import { type ExperimentFunction, type ExperimentInput, startExperiment } from "./common.ts";

/** Input of {@linkcode trainLanguageModel} (plain data). */
export interface LmRunInput extends ExperimentInput {
  /** Training recipe: AdamW, inverse-sqrt or cosine schedule with warm-up. */
  recipe: {
    steps: number;
    batchSize: number;
    seqLen: number;
    lr: number;
    warmupFraction: number;
    schedule: "inverse-sqrt" | "cosine";
    weightDecay: number;
    clipNorm?: number;
  };
  /** Vocabulary: PTB-style words (`word`) or BPE, and its size. */
  data: { tokenization: "word" | "bpe"; vocabSize: number };
  /** Validation perplexity every this many steps (0: none along the way). */
  evalEvery: number;
  /** Tokens of the validation stream scored per evaluation along the way (0: all). */
  evalTokens: number;
  /**
   * Collapse detection beyond non-finite values: `blowUp` flags a loss whose mean over the last
   * sixth of the run exceeds this factor × its start; `belowUnigram` requires the mean of the last
   * 50 losses to end below the training unigram entropy minus this margin (nats), by `unigramZ`
   * standard errors of that mean (default 0) — a run stuck at unigram level collapsed, a slow
   * run that has left it did not.
   */
  collapse?: { blowUp?: number; belowUnigram?: number; unigramZ?: number };
  /** Skip the final test evaluation (collapse-rate runs need only the training outcome). */
  skipTest?: boolean;
  /**
   * Per-layer diagnostics (absent: none, at no cost): hidden-state variance and RMS per layer and
   * attention entropy per layer and head every `every` updates, gradient-norm spikes, and after
   * training the layer importance on the first `importanceTokens` validation tokens (default
   * {@linkcode IMPORTANCE_TOKENS}); see `withDiagnostics` for the output.
   */
  diagnostics?: DiagnosticsConfig & { importanceTokens?: number };
}

/**
 * Validation tokens the layer importance scores by default (each block skipped in turn).
 *
 * @example
 * ```ts
 * import { IMPORTANCE_TOKENS } from "@normbench/normbench";
 * console.assert(IMPORTANCE_TOKENS === 8192);
 * ```
 */
export const IMPORTANCE_TOKENS = 8192;

/** Layer importance of `model` on the first `tokens` tokens of `stream`, or null if too few. */
async function streamImportance(
  model: LanguageModel,
  stream: Int32Array,
  options: { batchSize: number; seqLen: number; tokens: number },
): Promise<LayerImportance | null> {
  const part = stream.length > options.tokens + 1 ? stream.subarray(0, options.tokens + 1) : stream;
  const batches = lmBatches(part, options).map(nextTokenBatchFromData);
  if (batches.length === 0) return null;
  return await layerImportance(model, { batches });
}

/** NLL sum and target count of `model` over the first `maxTokens` tokens of `stream`. */
async function scoreStream(
  model: LanguageModel,
  stream: Int32Array,
  seqLen: number,
  maxTokens: number,
): Promise<{ nll: number; tokens: number }> {
  const part = maxTokens > 0 && stream.length > maxTokens + 1
    ? stream.subarray(0, maxTokens + 1)
    : stream;
  let nll = 0;
  let tokens = 0;
  for (const b of lmBatches(part, { batchSize: 32, seqLen })) {
    const loss = tf.tidy(() => model.loss(nextTokenBatchFromData(b), { training: false }));
    const count = b.size * b.seqLen;
    nll += (await loss.data())[0] * count;
    tokens += count;
    loss.dispose();
  }
  return { nll, tokens };
}

/**
 * Trains the LM and scores it: validation perplexity along the way, test perplexity per word
 * (and per token) at the end.
 *
 * @example
 * ```ts ignore
 * import { trainLanguageModel } from "@normbench/normbench";
 * const out = await trainLanguageModel({ ... }, { progress: () => {} });
 * console.log(out.metrics.test_ppl);
 * ```
 */
export const trainLanguageModel: ExperimentFunction = async (input, context, hooks = {}) => {
  const cfg = input as unknown as LmRunInput;
  const corpus = await loadLanguageModelCorpus({
    tokenization: cfg.data.tokenization,
    vocabSize: cfg.data.vocabSize,
  });
  const { steps, batchSize, seqLen } = cfg.recipe;
  const importanceTokens = cfg.diagnostics?.importanceTokens ?? IMPORTANCE_TOKENS;
  if (!Number.isInteger(importanceTokens) || importanceTokens < 1) {
    throw new UsageError(
      `diagnostics.importanceTokens must be a positive integer, got ${importanceTokens}`,
      `leave it unset for ${IMPORTANCE_TOKENS} validation tokens`,
    );
  }
  const warmup = Math.round(cfg.recipe.warmupFraction * steps);
  const run = startExperiment<LanguageModel>(
    cfg,
    {
      kind: "lm",
      steps,
      warmup,
      horizon: "iwslt",
      overrides: { vocab: corpus.vocabSize, maxLen: seqLen },
    },
    context,
    hooks,
  );
  const { model } = run;
  const unigram = unigramEntropy(corpus.train.stream, corpus.vocabSize);
  const batchAt = stepBatches((epoch) =>
    lmBatches(corpus.train.stream, { batchSize, seqLen, shuffle: true, seed: cfg.seed, epoch })
      .map(nextTokenBatchFromData)
  );
  const pplOf = (s: { nll: number; tokens: number }, split: typeof corpus.valid) =>
    perplexity({
      nll: s.nll,
      tokens: s.tokens,
      words: split.words * (s.tokens / Math.max(1, split.stream.length - 1)),
    });
  try {
    const result = await train(model, {
      steps,
      seed: cfg.seed,
      optimizer: { kind: "adamw", lr: cfg.recipe.lr, weightDecay: cfg.recipe.weightDecay },
      schedule: cfg.recipe.schedule === "cosine"
        ? { kind: "cosine", warmup }
        : { kind: "inverse-sqrt", warmup: Math.max(1, warmup) },
      clipNorm: cfg.recipe.clipNorm,
      evalEvery: cfg.evalEvery,
      collapse: {
        stuck: cfg.collapse?.blowUp !== undefined,
        factor: cfg.collapse?.blowUp ?? 1.5,
        window: Math.max(10, Math.round(steps / 6)),
        ...(cfg.collapse?.belowUnigram !== undefined
          ? {
            floor: unigram - cfg.collapse.belowUnigram,
            floorWindow: 50,
            floorZ: cfg.collapse.unigramZ ?? 0,
            floorText: cfg.collapse.belowUnigram === 0
              ? "the unigram entropy"
              : `the unigram entropy ${unigram.toFixed(3)} − ${cfg.collapse.belowUnigram}`,
          }
          : {}),
      },
      quiet: true,
      ...(cfg.diagnostics
        ? { diagnostics: { every: cfg.diagnostics.every, spikes: cfg.diagnostics.spikes } }
        : {}),
    }, {
      batch: batchAt,
      // Validation along the way only when asked for (a run with evalEvery 0 is scored once,
      // after training, unless it skips that too).
      evaluate: cfg.evalEvery > 0
        ? async () => ({
          valid_ppl: pplOf(
            await scoreStream(model, corpus.valid.stream, seqLen, cfg.evalTokens),
            corpus.valid,
          )
            .perWord,
        })
        : undefined,
      onProgress: run.progress(),
    });
    let test: { perWord: number; perToken: number } | null = null;
    let valid: { perWord: number; perToken: number } | null = null;
    if (!result.collapse && !cfg.skipTest) {
      test = pplOf(await scoreStream(model, corpus.test.stream, seqLen, 0), corpus.test);
      valid = pplOf(await scoreStream(model, corpus.valid.stream, seqLen, 0), corpus.valid);
    }
    const notes: Record<string, Json> = {
      data: corpus.summary.sizes,
      vocab: corpus.vocabSize,
      unigramEntropy: unigram,
      warmup,
    };
    const finite = (x: number | undefined) => (x !== undefined && Number.isFinite(x) ? x : null);
    const uniform = Math.log(corpus.vocabSize);
    const output = run.output(
      result,
      {
        test_ppl: test ? finite(test.perWord) : null,
        test_ppl_token: test ? finite(test.perToken) : null,
        test_log_ppl_token: test ? finite(Math.log(test.perToken)) : null,
        valid_log_ppl_token: valid ? finite(Math.log(valid.perToken)) : null,
        train_loss: finite(result.final.trainLoss),
      },
      notes,
      {
        test_ppl_token: corpus.vocabSize,
        test_log_ppl_token: uniform,
        valid_log_ppl_token: uniform,
      },
    );
    if (!result.diagnostics) return output;
    const importance = result.collapse ? null : await streamImportance(
      model,
      corpus.valid.stream,
      { batchSize, seqLen, tokens: importanceTokens },
    );
    return withDiagnostics(output, result.diagnostics, importance);
  } finally {
    model.dispose();
  }
};
