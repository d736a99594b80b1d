/**
 * The sentence-classification corpus (the GLUE/SST-2 analogue): the 3000 UCI sentiment sentences,
 * split 80/10/10 stratified by source × label with a fixed seed, tokenised with a BPE trained on
 * the training split (or a tokenizer the caller passes, e.g. one shared with MLM pre-training).
 *
 * @module
 */
import type { BpeTokenizer } from "../tokenize/bpe.ts";
import type { ClassificationExample } from "./classification_batches.ts";
import { type DataOptions, resolveDataOptions } from "../provision/options.ts";
import { loadSentiment } from "./sentiment.ts";
import { stratifiedSplit } from "../splits.ts";
import type { CorpusSummary } from "../bible/translation_corpus.ts";
import { cachedBpe } from "../tokenize/vocab_cache.ts";

/** A tokenised labelled sentence. */
export interface SentimentExample extends ClassificationExample {
  /** The sentence. */
  readonly text: string;
  /** `amazon`, `imdb` or `yelp`. */
  readonly source: string;
}

/** Options of {@linkcode loadClassificationCorpus}. */
export interface ClassificationCorpusOptions extends DataOptions {
  /** BPE vocabulary size when training one (default 2000). */
  vocabSize?: number;
  /** Use this tokenizer instead of training one. */
  tokenizer?: BpeTokenizer;
  /** Seed of the split (default 1). */
  seed?: number;
}

/** The classification corpus. */
export interface ClassificationCorpus {
  /** Training sentences (2400). */
  readonly train: readonly SentimentExample[];
  /** Validation sentences (300). */
  readonly valid: readonly SentimentExample[];
  /** Test sentences (300). */
  readonly test: readonly SentimentExample[];
  /** The tokenizer. */
  readonly tokenizer: BpeTokenizer;
  /** Number of classes (2). */
  readonly classes: number;
  /** Sizes for reports. */
  readonly summary: CorpusSummary;
}

/**
 * Loads the sentiment classification corpus.
 *
 * @example
 * ```ts ignore
 * import { classificationBatches, loadClassificationCorpus } from "@normbench/normbench";
 * const corpus = await loadClassificationCorpus();
 * const batches = classificationBatches(corpus.train, { batchSize: 32, seed: 1 });
 * console.log(corpus.summary.sizes, batches[0].shapes.ids);
 * ```
 */
export async function loadClassificationCorpus(
  options: ClassificationCorpusOptions = {},
): Promise<ClassificationCorpus> {
  const opts = resolveDataOptions(options);
  const seed = options.seed ?? 1;
  const rows = await loadSentiment(opts);
  const split = stratifiedSplit(rows.map((r) => `${r.source}:${r.label}`), {
    valid: 0.1,
    test: 0.1,
    seed,
  });
  const pick = (idx: Int32Array) => Array.from(idx, (i) => rows[i]);
  const trainRows = pick(split.train);
  const tokenizer = options.tokenizer ??
    await cachedBpe(
      trainRows.map((r) => r.text),
      { vocabSize: options.vocabSize ?? 2000 },
      opts.cacheDir,
    );
  const encode = (list: typeof rows): SentimentExample[] =>
    list.map((r) => ({
      ids: tokenizer.encode(r.text),
      label: r.label,
      text: r.text,
      source: r.source,
    }));
  const train = encode(trainRows);
  const valid = encode(pick(split.valid));
  const test = encode(pick(split.test));
  return {
    train,
    valid,
    test,
    tokenizer,
    classes: 2,
    summary: {
      dataset: "sentiment",
      sizes: { train: train.length, valid: valid.length, test: test.length },
      vocabSize: tokenizer.vocabSize,
      details: { seed, sentences: rows.length, stratifiedBy: "source × label" },
    },
  };
}
