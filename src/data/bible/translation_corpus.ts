/**
 * The translation corpus (the IWSLT14 analogue): Spanish (RV1909) → English (KJV) verse pairs,
 * filtered by length, split once with a fixed seed, tokenised with a joint BPE trained on the
 * training split.
 *
 * @module
 */
import type { BpeTokenizer } from "../tokenize/bpe.ts";
import { loadBible } from "./bible.ts";
import { type DataOptions, resolveDataOptions } from "../provision/options.ts";
import { seededSplit } from "../splits.ts";
import { cachedBpe } from "../tokenize/vocab_cache.ts";

/** A tokenised verse pair. */
export interface TranslationExample {
  /** OSIS reference (`Gen.1.1`). */
  readonly ref: string;
  /** Source ids. */
  readonly src: Int32Array;
  /** Target ids. */
  readonly tgt: Int32Array;
  /** Source text. */
  readonly srcText: string;
  /** Target text (the BLEU reference). */
  readonly tgtText: string;
}

/** Options of {@linkcode loadTranslationCorpus}. */
export interface TranslationCorpusOptions extends DataOptions {
  /** `es-en` (default) or `en-es`. */
  direction?: "es-en" | "en-es";
  /** Keep pairs with at most this many words a side (default 20; 0 keeps all). */
  maxWords?: number;
  /** Test pairs (default 1000). */
  testSize?: number;
  /** Validation pairs (default 500). */
  validSize?: number;
  /** Use only the first N training pairs (default all). */
  trainSize?: number;
  /** Joint BPE vocabulary size (default 8000). */
  vocabSize?: number;
  /** Seed of the split (default 1). */
  seed?: number;
}

/** Split sizes and vocabulary of a corpus, for results files. */
export interface CorpusSummary {
  /** Data set name. */
  readonly dataset: string;
  /** Items per split. */
  readonly sizes: { readonly train: number; readonly valid: number; readonly test: number };
  /** Vocabulary size (ids). */
  readonly vocabSize: number;
  /** Everything else worth reporting (counts before filtering, options). */
  readonly details: Readonly<Record<string, number | string>>;
}

/** The translation corpus. */
export interface TranslationCorpus {
  /** Training pairs. */
  readonly train: readonly TranslationExample[];
  /** Validation pairs. */
  readonly valid: readonly TranslationExample[];
  /** Test pairs. */
  readonly test: readonly TranslationExample[];
  /** Joint source/target BPE. */
  readonly tokenizer: BpeTokenizer;
  /** Sizes for reports. */
  readonly summary: CorpusSummary;
}

const wordCount = (s: string) => s.split(" ").length;

/**
 * Loads, filters, splits and tokenises the Bible translation corpus (provisioning on first use;
 * the BPE is cached).
 *
 * @example
 * ```ts ignore
 * import { loadTranslationCorpus, translationBatches } from "@normbench/normbench";
 * const corpus = await loadTranslationCorpus({ vocabSize: 4000 });
 * const batches = translationBatches(corpus.train, { maxTokens: 2048, seed: 1 });
 * console.log(corpus.summary.sizes, batches.length);
 * ```
 */
export async function loadTranslationCorpus(
  options: TranslationCorpusOptions = {},
): Promise<TranslationCorpus> {
  const opts = resolveDataOptions(options);
  const direction = options.direction ?? "es-en";
  const maxWords = options.maxWords ?? 20;
  const vocabSize = options.vocabSize ?? 8000;
  const seed = options.seed ?? 1;
  const { pairs, counts } = await loadBible(opts);
  const kept = maxWords > 0
    ? pairs.filter((p) => wordCount(p.en) <= maxWords && wordCount(p.es) <= maxWords)
    : pairs;
  const split = seededSplit(kept.length, {
    testSize: options.testSize ?? 1000,
    validSize: options.validSize ?? 500,
    seed,
  });
  const pick = (idx: Int32Array) => Array.from(idx, (i) => kept[i]);
  const trainPairs = pick(split.train).slice(0, options.trainSize ?? Infinity);
  const srcOf = (p: { en: string; es: string }) => direction === "es-en" ? p.es : p.en;
  const tgtOf = (p: { en: string; es: string }) => direction === "es-en" ? p.en : p.es;
  const tokenizer = await cachedBpe(
    trainPairs.flatMap((p) => [srcOf(p), tgtOf(p)]),
    { vocabSize },
    opts.cacheDir,
  );
  const encode = (list: typeof pairs) =>
    list.map((p) => ({
      ref: p.ref,
      src: tokenizer.encode(srcOf(p)),
      tgt: tokenizer.encode(tgtOf(p)),
      srcText: srcOf(p),
      tgtText: tgtOf(p),
    }));
  const train = encode(trainPairs);
  const valid = encode(pick(split.valid));
  const test = encode(pick(split.test));
  return {
    train,
    valid,
    test,
    tokenizer,
    summary: {
      dataset: "bible",
      sizes: { train: train.length, valid: valid.length, test: test.length },
      vocabSize: tokenizer.vocabSize,
      details: {
        direction,
        maxWords,
        seed,
        nonEmptySlotPairs: counts.nonEmptySlotPairs,
        versePairs: counts.versePairs,
        afterLengthFilter: kept.length,
      },
    },
  };
}
