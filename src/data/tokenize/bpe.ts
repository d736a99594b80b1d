/**
 * A deterministic byte-pair-encoding tokenizer, trained on the training split. Text is cut into
 * chunks (an optional leading space plus a run of letters, of digits or of other symbols, or a
 * run of whitespace) and merges never cross chunks. Every token is a piece of the original text,
 * so decoding concatenates pieces and round-trips exactly; characters not seen in training fall
 * back to UTF-8 byte tokens `<0xNN>`.
 *
 * Written here because no npm package trains BPE in pure JavaScript: the maintained ones either
 * only encode with fixed vocabularies (gpt-tokenizer, tiktoken ports) or bind native/wasm code
 * (Hugging Face tokenizers, SentencePiece).
 *
 * @module
 */
import { EOS_ID, SPECIAL_TOKENS, UNK_ID } from "../../util/special_tokens.ts";

/** A trained model, as stored in the vocabulary cache. */
export interface BpeModel {
  /** Format version (1). */
  readonly version: 1;
  /** Whether ids after the specials are the 256 byte tokens. */
  readonly byteFallback: boolean;
  /** Base characters, in id order after specials and bytes. */
  readonly alphabet: readonly string[];
  /** Merges in rank order, as pairs of token ids; merge r creates the id `base + r`. */
  readonly merges: readonly (readonly [number, number])[];
}

/** Options of {@linkcode trainBpe}. */
export interface BpeOptions {
  /** Total vocabulary size: specials + byte tokens + alphabet + merges. */
  vocabSize: number;
  /** Stop merging when the best pair occurs fewer times (default 2). */
  minFrequency?: number;
  /** Add 256 byte tokens for characters unseen in training (default true; exact round trip). */
  byteFallback?: boolean;
}

const CHUNK = / ?[\p{L}\p{M}]+| ?\p{N}+| ?[^\s\p{L}\p{M}\p{N}]+|\s+(?!\S)|\s+/gu;
const KEY = 2 ** 21;

/**
 * Cuts text into the chunks BPE merges within; their concatenation is the text.
 *
 * @example
 * ```ts
 * import { pretokenize } from "@normbench/normbench";
 * console.assert(pretokenize("Y dijo Dios:  Sea").join("|") === "Y| dijo| Dios|:| | Sea");
 * ```
 */
export function pretokenize(text: string): string[] {
  return text.match(CHUNK) ?? [];
}

/** A min-heap keyed by (count desc, pair key asc): the deterministic "best pair" order. */
class PairHeap {
  #keys: number[] = [];
  #counts: number[] = [];
  get size(): number {
    return this.#keys.length;
  }
  #before(i: number, j: number): boolean {
    const c = this.#counts[i] - this.#counts[j];
    return c > 0 || (c === 0 && this.#keys[i] < this.#keys[j]);
  }
  #swap(i: number, j: number): void {
    [this.#keys[i], this.#keys[j]] = [this.#keys[j], this.#keys[i]];
    [this.#counts[i], this.#counts[j]] = [this.#counts[j], this.#counts[i]];
  }
  push(key: number, count: number): void {
    this.#keys.push(key);
    this.#counts.push(count);
    let i = this.#keys.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.#before(i, p)) break;
      this.#swap(i, p);
      i = p;
    }
  }
  pop(): [number, number] {
    const top: [number, number] = [this.#keys[0], this.#counts[0]];
    const lastKey = this.#keys.pop()!;
    const lastCount = this.#counts.pop()!;
    if (this.#keys.length) {
      this.#keys[0] = lastKey;
      this.#counts[0] = lastCount;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < this.#keys.length && this.#before(l, m)) m = l;
        if (r < this.#keys.length && this.#before(r, m)) m = r;
        if (m === i) break;
        this.#swap(i, m);
        i = m;
      }
    }
    return top;
  }
}

/**
 * Trains a BPE tokenizer on `texts`. Deterministic: the same texts and options give the same
 * vocabulary (ties between equally frequent pairs go to the pair of smaller ids).
 *
 * @example
 * ```ts
 * import { trainBpe } from "@normbench/normbench";
 * const bpe = trainBpe(["low lower lowest", "new newer newest"], { vocabSize: 300 });
 * const text = "lowest newer ñ";
 * console.assert(bpe.decode(bpe.encode(text)) === text);
 * ```
 */
export function trainBpe(texts: Iterable<string>, options: BpeOptions): BpeTokenizer {
  const byteFallback = options.byteFallback ?? true;
  const minFrequency = options.minFrequency ?? 2;
  const counts = new Map<string, number>();
  for (const text of texts) {
    for (const chunk of pretokenize(text)) counts.set(chunk, (counts.get(chunk) ?? 0) + 1);
  }
  const chars = new Set<string>();
  for (const chunk of counts.keys()) for (const ch of chunk) chars.add(ch);
  const alphabet = [...chars].sort((a, b) => a.codePointAt(0)! - b.codePointAt(0)!);
  const base = SPECIAL_TOKENS.length + (byteFallback ? 256 : 0);
  const charId = new Map(alphabet.map((ch, i) => [ch, base + i]));
  const firstMergeId = base + alphabet.length;
  const maxMerges = Math.max(0, options.vocabSize - firstMergeId);
  if (options.vocabSize < firstMergeId) {
    throw new RangeError(
      `vocabSize ${options.vocabSize} is below the ${firstMergeId} specials, bytes and characters`,
    );
  }
  const words: number[][] = [];
  const freq: number[] = [];
  for (const [chunk, n] of counts) {
    words.push(Array.from(chunk, (ch) => charId.get(ch)!));
    freq.push(n);
  }
  const pairCount = new Map<number, number>();
  const where = new Map<number, Set<number>>();
  const add = (key: number, w: number, n: number) => {
    pairCount.set(key, (pairCount.get(key) ?? 0) + n);
    if (n > 0) {
      let set = where.get(key);
      if (!set) where.set(key, set = new Set());
      set.add(w);
    }
  };
  for (const [w, syms] of words.entries()) {
    for (let i = 0; i + 1 < syms.length; i++) add(syms[i] * KEY + syms[i + 1], w, freq[w]);
  }
  const heap = new PairHeap();
  for (const [key, n] of pairCount) heap.push(key, n);
  const merges: [number, number][] = [];
  while (merges.length < maxMerges && heap.size) {
    const [key, n] = heap.pop();
    if (pairCount.get(key) !== n) continue; // stale entry
    if (n < minFrequency) break;
    const a = Math.floor(key / KEY);
    const b = key % KEY;
    const id = firstMergeId + merges.length;
    merges.push([a, b]);
    const touched = new Set<number>();
    for (const w of where.get(key) ?? []) {
      const syms = words[w];
      let has = false;
      for (let i = 0; i + 1 < syms.length; i++) {
        if (syms[i] === a && syms[i + 1] === b) {
          has = true;
          break;
        }
      }
      if (!has) continue;
      for (let i = 0; i + 1 < syms.length; i++) {
        const k = syms[i] * KEY + syms[i + 1];
        add(k, w, -freq[w]);
        touched.add(k);
      }
      const next: number[] = [];
      for (let i = 0; i < syms.length; i++) {
        if (i + 1 < syms.length && syms[i] === a && syms[i + 1] === b) {
          next.push(id);
          i++;
        } else {
          next.push(syms[i]);
        }
      }
      words[w] = next;
      for (let i = 0; i + 1 < next.length; i++) {
        const k = next[i] * KEY + next[i + 1];
        add(k, w, freq[w]);
        touched.add(k);
      }
    }
    where.delete(key);
    for (const k of touched) {
      const c = pairCount.get(k)!;
      if (c > 0) heap.push(k, c);
      else pairCount.delete(k);
    }
  }
  return new BpeTokenizer({ version: 1, byteFallback, alphabet, merges });
}

/**
 * A trained BPE tokenizer: `encode` text to ids, `decode` ids to text (exact round trip).
 *
 * @example
 * ```ts
 * import { BpeTokenizer, trainBpe } from "@normbench/normbench";
 * const bpe = trainBpe(["the cat sat on the mat"], { vocabSize: 280 });
 * const copy = BpeTokenizer.fromJSON(JSON.parse(JSON.stringify(bpe.toJSON())));
 * console.assert(copy.encode("the mat").join() === bpe.encode("the mat").join());
 * ```
 */
export class BpeTokenizer {
  /** The model (alphabet and merges). */
  readonly model: BpeModel;
  /** Token strings by id (`<0xNN>` for byte tokens). */
  readonly tokens: readonly string[];
  readonly #ranks = new Map<number, number>();
  readonly #charId = new Map<string, number>();
  readonly #byteBase: number;
  readonly #base: number;
  readonly #cache = new Map<string, number[]>();
  readonly #tokenId = new Map<string, number>();

  /**
   * Builds it from a trained model.
   *
   * @param model a trained model (see {@linkcode trainBpe})
   */
  constructor(model: BpeModel) {
    this.model = model;
    this.#byteBase = SPECIAL_TOKENS.length;
    this.#base = this.#byteBase + (model.byteFallback ? 256 : 0);
    const tokens: string[] = [...SPECIAL_TOKENS];
    if (model.byteFallback) {
      for (let b = 0; b < 256; b++) {
        tokens.push(`<0x${b.toString(16).toUpperCase().padStart(2, "0")}>`);
      }
    }
    for (const [i, ch] of model.alphabet.entries()) {
      this.#charId.set(ch, this.#base + i);
      tokens.push(ch);
    }
    for (const [r, [a, b]] of model.merges.entries()) {
      this.#ranks.set(a * KEY + b, r);
      tokens.push(tokens[a] + tokens[b]);
    }
    this.tokens = tokens;
    for (const [i, t] of tokens.entries()) if (!this.#tokenId.has(t)) this.#tokenId.set(t, i);
  }

  /** Number of ids (embedding rows a model needs). */
  get vocabSize(): number {
    return this.tokens.length;
  }

  /** The id of a token string (a special like `<eos>`, a character or a merged piece). */
  id(token: string): number | undefined {
    return this.#tokenId.get(token);
  }

  #encodeChunk(chunk: string): number[] {
    const cached = this.#cache.get(chunk);
    if (cached) return cached;
    let syms: number[] = [];
    for (const ch of chunk) {
      const id = this.#charId.get(ch);
      if (id !== undefined) syms.push(id);
      else if (this.model.byteFallback) {
        for (const byte of new TextEncoder().encode(ch)) syms.push(this.#byteBase + byte);
      } else syms.push(UNK_ID);
    }
    const firstMerge = this.#base + this.model.alphabet.length;
    while (syms.length > 1) {
      let best = Infinity;
      for (let i = 0; i + 1 < syms.length; i++) {
        const r = this.#ranks.get(syms[i] * KEY + syms[i + 1]);
        if (r !== undefined && r < best) best = r;
      }
      if (best === Infinity) break;
      const [a, b] = this.model.merges[best];
      const next: number[] = [];
      for (let i = 0; i < syms.length; i++) {
        if (i + 1 < syms.length && syms[i] === a && syms[i + 1] === b) {
          next.push(firstMerge + best);
          i++;
        } else next.push(syms[i]);
      }
      syms = next;
    }
    if (this.#cache.size > 200_000) this.#cache.clear();
    this.#cache.set(chunk, syms);
    return syms;
  }

  /** Encodes text to ids (no `<bos>`/`<eos>`; batching adds those). */
  encode(text: string): Int32Array {
    const out: number[] = [];
    for (const chunk of pretokenize(text)) {
      for (const id of this.#encodeChunk(chunk)) out.push(id);
    }
    return Int32Array.from(out);
  }

  /** The token strings of `text` (for inspection). */
  tokenize(text: string): string[] {
    return Array.from(this.encode(text), (id) => this.tokens[id]);
  }

  /**
   * Decodes ids to text. Specials are skipped unless `keepSpecials`; decoding stops at the first
   * `<eos>` when `stopAtEos`.
   */
  decode(
    ids: ArrayLike<number>,
    options: { keepSpecials?: boolean; stopAtEos?: boolean } = {},
  ): string {
    let text = "";
    let bytes: number[] = [];
    const flush = () => {
      if (bytes.length) text += new TextDecoder().decode(Uint8Array.from(bytes));
      bytes = [];
    };
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i];
      if (id === EOS_ID && options.stopAtEos) break;
      if (id < SPECIAL_TOKENS.length) {
        if (options.keepSpecials) {
          flush();
          text += SPECIAL_TOKENS[id];
        }
      } else if (id < this.#base) {
        bytes.push(id - this.#byteBase);
      } else if (id < this.tokens.length) {
        flush();
        text += this.tokens[id];
      } else {
        throw new RangeError(`token id ${id} is outside the vocabulary (${this.tokens.length})`);
      }
    }
    flush();
    return text;
  }

  /** The model as plain JSON (for caching). */
  toJSON(): BpeModel {
    return this.model;
  }

  /** Rebuilds a tokenizer from {@linkcode BpeTokenizer.toJSON}'s output. */
  static fromJSON(model: BpeModel): BpeTokenizer {
    if (model.version !== 1) throw new Error(`unknown BPE model version ${model.version}`);
    return new BpeTokenizer(model);
  }
}
