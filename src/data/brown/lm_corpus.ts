/**
 * The language-modelling corpus (the PTB / WikiText analogue): the Brown Corpus split by file,
 * genre-stratified 90/5/5 with a fixed seed (at least one file per genre in validation and test),
 * tokenised either PTB-style into a 10k-word vocabulary with `<unk>` (default) or with BPE, and
 * concatenated into one token stream per split with `<eos>` after every sentence.
 *
 * @module
 */
import { BpeTokenizer } from "../tokenize/bpe.ts";
import { EOS_ID } from "../../util/special_tokens.ts";
import { brownGenre, loadBrown } from "./brown.ts";
import { sha256Hex } from "../../util/checksum.ts";
import { DATASETS } from "../provision/datasets.ts";
import { cachedBundle } from "../cache/decoded_cache.ts";
import { type DataOptions, resolveDataOptions } from "../provision/options.ts";
import { stratifiedSplit } from "../splits.ts";
import type { CorpusSummary } from "../bible/translation_corpus.ts";
import { cachedBpe, cachedWordVocab } from "../tokenize/vocab_cache.ts";
import { normalizeWords, type WordVocab } from "../tokenize/word_vocab.ts";

/** One split of the LM corpus. */
export interface LmSplit {
  /** Token ids, `<eos>` after every sentence. */
  readonly stream: Int32Array;
  /** The split's sentences (tags stripped). */
  readonly sentences: readonly string[];
  /** Words (PTB-normalised) plus one `<eos>` per sentence: the per-word perplexity denominator. */
  readonly words: number;
  /** Files in the split. */
  readonly files: readonly string[];
}

/** Options of {@linkcode loadLanguageModelCorpus}. */
export interface LanguageModelCorpusOptions extends DataOptions {
  /** `word` (PTB-style vocabulary, default) or `bpe`. */
  tokenization?: "word" | "bpe";
  /** Vocabulary size (default 10,000 words, or 8000 BPE tokens). */
  vocabSize?: number;
  /** Use this BPE instead of training one (with `tokenization: "bpe"`). */
  tokenizer?: BpeTokenizer;
  /** Seed of the split (default 1). */
  seed?: number;
}

/** The LM corpus. */
export interface LanguageModelCorpus {
  /** Training split (≈90% of files). */
  readonly train: LmSplit;
  /** Validation split (≈5%). */
  readonly valid: LmSplit;
  /** Test split (≈5%). */
  readonly test: LmSplit;
  /** The word vocabulary or the BPE. */
  readonly vocab: WordVocab | BpeTokenizer;
  /** Number of ids. */
  readonly vocabSize: number;
  /** Sizes for reports. */
  readonly summary: CorpusSummary;
}

/**
 * Loads the Brown LM corpus.
 *
 * @example
 * ```ts ignore
 * import { lmBatches, loadLanguageModelCorpus } from "@normbench/normbench";
 * const corpus = await loadLanguageModelCorpus();
 * const batches = lmBatches(corpus.train.stream, { batchSize: 16, seqLen: 64 });
 * console.log(corpus.vocabSize, corpus.train.stream.length, batches.length);
 * ```
 */
export async function loadLanguageModelCorpus(
  options: LanguageModelCorpusOptions = {},
): Promise<LanguageModelCorpus> {
  const opts = resolveDataOptions(options);
  const seed = options.seed ?? 1;
  const tokenization = options.tokenization ?? "word";
  const brown = await loadBrown(opts);
  const fileSplit = stratifiedSplit(brown.files.map(brownGenre), {
    valid: 0.05,
    test: 0.05,
    seed,
    minPerStratum: 1,
  });
  const splitOfFile = new Uint8Array(brown.files.length);
  fileSplit.valid.forEach((f) => splitOfFile[f] = 1);
  fileSplit.test.forEach((f) => splitOfFile[f] = 2);
  const bySplit: string[][] = [[], [], []];
  for (const [i, s] of brown.sentences.entries()) bySplit[splitOfFile[brown.fileOf[i]]].push(s);
  let vocab: WordVocab | BpeTokenizer;
  let encode: (s: string) => Int32Array;
  if (tokenization === "word") {
    const v = await cachedWordVocab(
      bySplit[0],
      { size: options.vocabSize ?? 10_000 },
      opts.cacheDir,
    );
    vocab = v;
    encode = (s) => v.encode(s);
  } else {
    const bpe = options.tokenizer ??
      await cachedBpe(bySplit[0], { vocabSize: options.vocabSize ?? 8000 }, opts.cacheDir);
    vocab = bpe;
    encode = (s) => {
      const ids = bpe.encode(s);
      const out = new Int32Array(ids.length + 1);
      out.set(ids);
      out[ids.length] = EOS_ID;
      return out;
    };
  }
  // Encoding 1.16M words takes about a second: the streams are cached, keyed by the vocabulary.
  const vocabHash = await sha256Hex(JSON.stringify(vocab.toJSON()));
  const bundle = await cachedBundle(DATASETS.brown, "lm-streams-1", opts.cacheDir, () => {
    const columns: Record<string, Int32Array> = {};
    const words: number[] = [];
    for (const k of [0, 1, 2]) {
      const parts = bySplit[k].map(encode);
      const stream = new Int32Array(parts.reduce((n, p) => n + p.length, 0));
      let at = 0;
      for (const p of parts) {
        stream.set(p, at);
        at += p.length;
      }
      columns[`stream${k}`] = stream;
      words.push(bySplit[k].reduce((n, s) => n + normalizeWords(s).length + 1, 0));
    }
    return Promise.resolve({ meta: { words }, columns });
  }, { seed, tokenization, vocabHash });
  const build = (k: number, files: Int32Array): LmSplit => ({
    stream: bundle.columns[`stream${k}`] as Int32Array,
    sentences: bySplit[k],
    words: (bundle.meta.words as number[])[k],
    files: Array.from(files, (f) => brown.files[f]),
  });
  const train = build(0, fileSplit.train);
  const valid = build(1, fileSplit.valid);
  const test = build(2, fileSplit.test);
  const vocabSize = vocab instanceof BpeTokenizer ? vocab.vocabSize : vocab.size;
  return {
    train,
    valid,
    test,
    vocab,
    vocabSize,
    summary: {
      dataset: "brown",
      sizes: {
        train: train.sentences.length,
        valid: valid.sentences.length,
        test: test.sentences.length,
      },
      vocabSize,
      details: {
        tokenization,
        seed,
        trainFiles: train.files.length,
        validFiles: valid.files.length,
        testFiles: test.files.length,
        trainTokens: train.stream.length,
        validTokens: valid.stream.length,
        testTokens: test.stream.length,
        trainWords: train.words,
        validWords: valid.words,
        testWords: test.words,
      },
    },
  };
}
