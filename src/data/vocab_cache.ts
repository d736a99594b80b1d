/**
 * Trained vocabularies are cached as JSON under `<cache>/vocab/`, keyed by a hash of the training
 * texts and the options, so a second run loads instead of training.
 *
 * @module
 */
import { join } from "node:path";
import { sha256Hex } from "../util/checksum.ts";
import { writeFileAtomic } from "../util/fs.ts";
import { type BpeModel, type BpeOptions, BpeTokenizer, trainBpe } from "./bpe.ts";
import { buildWordVocab, WordVocab, type WordVocabOptions } from "./word_vocab.ts";
import { defaultCacheDir } from "./options.ts";

async function textsKey(kind: string, texts: readonly string[], options: unknown): Promise<string> {
  const textHash = await sha256Hex(texts.join("\n"));
  return (await sha256Hex(JSON.stringify({ kind, textHash, n: texts.length, options }))).slice(
    0,
    16,
  );
}

async function readJson<T>(path: string): Promise<T | null> {
  try {
    return JSON.parse(await Deno.readTextFile(path)) as T;
  } catch {
    return null;
  }
}

/**
 * {@linkcode trainBpe} with a cache: the same texts and options load the stored model.
 *
 * @example
 * ```ts
 * import { cachedBpe } from "@normbench/normbench";
 * const cacheDir = await Deno.makeTempDir();
 * const a = await cachedBpe(["to be or not to be"], { vocabSize: 300 }, cacheDir);
 * const b = await cachedBpe(["to be or not to be"], { vocabSize: 300 }, cacheDir);
 * console.assert(a.vocabSize === b.vocabSize);
 * ```
 */
export async function cachedBpe(
  texts: readonly string[],
  options: BpeOptions,
  cacheDir: string = defaultCacheDir(),
): Promise<BpeTokenizer> {
  const key = await textsKey("bpe-1", texts, options);
  const path = join(cacheDir, "vocab", `bpe-${options.vocabSize}-${key}.json`);
  const stored = await readJson<BpeModel>(path);
  if (stored) return BpeTokenizer.fromJSON(stored);
  const bpe = trainBpe(texts, options);
  await writeFileAtomic(path, JSON.stringify(bpe.toJSON()));
  return bpe;
}

/**
 * {@linkcode buildWordVocab} with a cache.
 *
 * @example
 * ```ts
 * import { cachedWordVocab } from "@normbench/normbench";
 * const vocab = await cachedWordVocab(["a b", "a"], { size: 4 }, await Deno.makeTempDir());
 * console.assert(vocab.words[3] === "a");
 * ```
 */
export async function cachedWordVocab(
  sentences: readonly string[],
  options: WordVocabOptions = {},
  cacheDir: string = defaultCacheDir(),
): Promise<WordVocab> {
  const key = await textsKey("words-1", sentences, options);
  const path = join(cacheDir, "vocab", `words-${options.size ?? 10000}-${key}.json`);
  const stored = await readJson<{ words: string[]; options: WordVocabOptions }>(path);
  if (stored) return new WordVocab(stored.words, stored.options);
  const vocab = buildWordVocab(sentences, options);
  await writeFileAtomic(path, JSON.stringify(vocab.toJSON()));
  return vocab;
}
