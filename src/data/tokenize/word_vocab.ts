/**
 * A PTB-style word vocabulary for language modelling: words lower-cased, numbers replaced by
 * `N`, punctuation-only tokens dropped, the most frequent words kept and every other word mapped
 * to `<unk>`; each sentence ends with `<eos>` (as in Mikolov's Penn Treebank set: 10k words).
 *
 * @module
 */

/**
 * The specials of a word vocabulary, in id order.
 *
 * @example
 * ```ts
 * import { WORD_SPECIALS } from "@normbench/normbench";
 * console.assert(WORD_SPECIALS[1] === "<unk>");
 * ```
 */
export const WORD_SPECIALS: readonly string[] = ["<pad>", "<unk>", "<eos>"];

/** How sentences are normalised before counting and encoding. */
export interface WordVocabOptions {
  /** Vocabulary size including the specials (default 10,000). */
  size?: number;
  /** Lower-case words (default true). */
  lowercase?: boolean;
  /** Replace numbers by `N` (default true). */
  numbers?: boolean;
  /** Drop tokens made only of punctuation (default true). */
  dropPunctuation?: boolean;
}

const NUMBER = /^[+-]?[\d.,:/-]*\d[\d.,:/-]*$/;
const PUNCTUATION = /^[^\p{L}\p{N}]+$/u;

/**
 * Normalises one whitespace-tokenised sentence PTB-style.
 *
 * @example
 * ```ts
 * import { normalizeWords } from "@normbench/normbench";
 * console.assert(normalizeWords("The 1,000 Jurors said ,").join(" ") === "the N jurors said");
 * ```
 */
export function normalizeWords(sentence: string, options: WordVocabOptions = {}): string[] {
  const out: string[] = [];
  for (let word of sentence.split(/\s+/)) {
    if (!word) continue;
    if ((options.dropPunctuation ?? true) && PUNCTUATION.test(word)) continue;
    if ((options.numbers ?? true) && NUMBER.test(word)) word = "N";
    else if (options.lowercase ?? true) word = word.toLowerCase();
    out.push(word);
  }
  return out;
}

/**
 * A word vocabulary (see the module doc).
 *
 * @example
 * ```ts
 * import { buildWordVocab } from "@normbench/normbench";
 * const vocab = buildWordVocab(["a b a", "a c"], { size: 5 });
 * console.assert(vocab.decode(vocab.encode("a zz")) === "a <unk> <eos>");
 * ```
 */
export class WordVocab {
  /** Words by id: the specials, then by decreasing frequency. */
  readonly words: readonly string[];
  /** The normalisation options. */
  readonly options: WordVocabOptions;
  readonly #ids: Map<string, number>;

  /**
   * A vocabulary of the given words.
   *
   * @param words words by id (the first three must be the specials)
   * @param options normalisation
   */
  constructor(words: readonly string[], options: WordVocabOptions = {}) {
    if (WORD_SPECIALS.some((s, i) => words[i] !== s)) throw new Error("vocabulary lacks specials");
    this.words = words;
    this.options = options;
    this.#ids = new Map(words.map((w, i) => [w, i]));
  }

  /** Number of ids. */
  get size(): number {
    return this.words.length;
  }

  /** The id of `<unk>`. */
  get unkId(): number {
    return 1;
  }

  /** The id of `<eos>`. */
  get eosId(): number {
    return 2;
  }

  /** Encodes one sentence: normalised words then `<eos>`. */
  encode(sentence: string): Int32Array {
    const words = normalizeWords(sentence, this.options);
    const ids = new Int32Array(words.length + 1);
    for (const [i, w] of words.entries()) ids[i] = this.#ids.get(w) ?? this.unkId;
    ids[words.length] = this.eosId;
    return ids;
  }

  /** The words of ids joined by spaces. */
  decode(ids: ArrayLike<number>): string {
    return Array.from(ids, (id) => this.words[id] ?? "<unk>").join(" ");
  }

  /** Plain JSON for caching. */
  toJSON(): { words: readonly string[]; options: WordVocabOptions } {
    return { words: this.words, options: this.options };
  }
}

/**
 * Builds a PTB-style vocabulary from training sentences: the `size − 3` most frequent normalised
 * words (ties broken alphabetically, so the result is deterministic) after the specials.
 *
 * @example
 * ```ts
 * import { buildWordVocab } from "@normbench/normbench";
 * const vocab = buildWordVocab(["the cat", "the dog"], { size: 4 });
 * console.assert(vocab.words[3] === "the" && vocab.size === 4);
 * ```
 */
export function buildWordVocab(
  sentences: Iterable<string>,
  options: WordVocabOptions = {},
): WordVocab {
  const size = options.size ?? 10_000;
  const counts = new Map<string, number>();
  for (const s of sentences) {
    for (const w of normalizeWords(s, options)) counts.set(w, (counts.get(w) ?? 0) + 1);
  }
  const ranked = [...counts].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
  const words = [
    ...WORD_SPECIALS,
    ...ranked.slice(0, Math.max(0, size - WORD_SPECIALS.length))
      .map(([w]) => w),
  ];
  return new WordVocab(words, { ...options, size });
}
