/**
 * Trained vocabularies are cached as JSON under `<cache>/vocab/`, keyed by a hash of the training
 * texts and the options, so a second run loads instead of training.
 *
 * @module
 */
import { dirname, join } from "node:path";
import { sha256Hex } from "../../util/checksum.ts";
import { removeDeadTemporaries, writeFileAtomic } from "../../util/fs.ts";
import { type BpeModel, type BpeOptions, BpeTokenizer, trainBpe } from "./bpe.ts";
import { buildWordVocab, WordVocab, type WordVocabOptions } from "./word_vocab.ts";
import { defaultCacheDir } from "../provision/options.ts";

async function textsKey(kind: string, texts: readonly string[], options: unknown): Promise<string> {
  const textHash = await sha256Hex(texts.join("\n"));
  return (await sha256Hex(JSON.stringify({ kind, textHash, n: texts.length, options }))).slice(
    0,
    16,
  );
}

/**
 * A cached value with the SHA-256 of its JSON: a file that no longer matches (edited, truncated,
 * overwritten) reads as absent, and the vocabulary is built again.
 */
async function readChecked<T>(path: string): Promise<T | null> {
  try {
    const stored = JSON.parse(await Deno.readTextFile(path)) as { sha256: string; value: T };
    const ok = stored && (await sha256Hex(JSON.stringify(stored.value))) === stored.sha256;
    return ok ? stored.value : null;
  } catch {
    return null;
  }
}

async function writeChecked(path: string, value: unknown): Promise<void> {
  await removeDeadTemporaries(dirname(path));
  const text = JSON.stringify(value);
  await writeFileAtomic(path, JSON.stringify({ sha256: await sha256Hex(text), value }));
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
  const path = join(cacheDir, "vocab", `bpe-${options.vocabSize}-${key}.checked.json`);
  const stored = await readChecked<BpeModel>(path);
  if (stored) return BpeTokenizer.fromJSON(stored);
  const bpe = trainBpe(texts, options);
  await writeChecked(path, bpe.toJSON());
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
  const path = join(cacheDir, "vocab", `words-${options.size ?? 10000}-${key}.checked.json`);
  const stored = await readChecked<{ words: string[]; options: WordVocabOptions }>(path);
  if (stored) return new WordVocab(stored.words, stored.options);
  const vocab = buildWordVocab(sentences, options);
  await writeChecked(path, vocab.toJSON());
  return vocab;
}
