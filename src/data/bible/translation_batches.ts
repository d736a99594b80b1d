/**
 * Translation batches: examples bucketed by length so that each batch holds at most
 * `maxTokens` tokens including padding (`batch size × max(source length, target length)`, as
 * fairseq's `--max-tokens` counts), with pad masks (1 = padding).
 *
 * @module
 */
import { UsageError } from "../../util/errors.ts";
import { BOS_ID, EOS_ID, PAD_ID } from "../../util/special_tokens.ts";
import { createRng, shuffleInPlace } from "../../util/random.ts";

/** A source/target pair of token ids (no `<bos>`/`<eos>`). */
export interface Seq2SeqExample {
  /** Source ids. */
  readonly src: Int32Array;
  /** Target ids. */
  readonly tgt: Int32Array;
}

/** One batch, as plain typed arrays (row-major) that cross worker boundaries cheaply. */
export interface TranslationBatch {
  /** Number of examples B. */
  readonly size: number;
  /** Source length S (longest source + `<eos>`). */
  readonly srcLen: number;
  /** Target length T (longest target + 1). */
  readonly tgtLen: number;
  /** `[B, S]` source ids followed by `<eos>`, then `<pad>`. */
  readonly src: Int32Array;
  /** `[B, S]` 1 where `src` is padding. */
  readonly srcMask: Uint8Array;
  /** `[B, T]` decoder input: `<bos>` + target. */
  readonly tgtIn: Int32Array;
  /** `[B, T]` decoder output: target + `<eos>`. */
  readonly tgtOut: Int32Array;
  /** `[B, T]` 1 where the target is padding. */
  readonly tgtMask: Uint8Array;
  /** `[B]` index of each row's example in the input array (to restore corpus order). */
  readonly index: Int32Array;
  /** Real (non-pad) target tokens, `<eos>` included: the loss normaliser. */
  readonly targetTokens: number;
  /** Shape of every array field, for {@linkcode batchTensors}. */
  readonly shapes: Readonly<Record<string, readonly number[]>>;
}

/** Options of {@linkcode translationBatches}. */
export interface TranslationBatchOptions {
  /** Token budget per batch including padding: `B × max(S, T) ≤ maxTokens`. */
  maxTokens: number;
  /** Cap on examples per batch (default unlimited). */
  maxSentences?: number;
  /** Shuffle examples of equal length and the batch order (default true; off for evaluation). */
  shuffle?: boolean;
  /** Seed of the shuffles (default 0). */
  seed?: number;
  /** Epoch: a different shuffle per epoch from the same seed (default 0). */
  epoch?: number;
}

function build(examples: readonly Seq2SeqExample[], members: number[]): TranslationBatch {
  const B = members.length;
  let S = 0;
  let T = 0;
  for (const i of members) {
    S = Math.max(S, examples[i].src.length + 1);
    T = Math.max(T, examples[i].tgt.length + 1);
  }
  const src = new Int32Array(B * S).fill(PAD_ID);
  const srcMask = new Uint8Array(B * S).fill(1);
  const tgtIn = new Int32Array(B * T).fill(PAD_ID);
  const tgtOut = new Int32Array(B * T).fill(PAD_ID);
  const tgtMask = new Uint8Array(B * T).fill(1);
  let targetTokens = 0;
  for (const [row, i] of members.entries()) {
    const { src: s, tgt: t } = examples[i];
    src.set(s, row * S);
    src[row * S + s.length] = EOS_ID;
    srcMask.fill(0, row * S, row * S + s.length + 1);
    tgtIn[row * T] = BOS_ID;
    tgtIn.set(t, row * T + 1);
    tgtOut.set(t, row * T);
    tgtOut[row * T + t.length] = EOS_ID;
    tgtMask.fill(0, row * T, row * T + t.length + 1);
    targetTokens += t.length + 1;
  }
  return {
    size: B,
    srcLen: S,
    tgtLen: T,
    src,
    srcMask,
    tgtIn,
    tgtOut,
    tgtMask,
    index: Int32Array.from(members),
    targetTokens,
    shapes: { src: [B, S], srcMask: [B, S], tgtIn: [B, T], tgtOut: [B, T], tgtMask: [B, T] },
  };
}

/**
 * Buckets examples by length into batches under a token budget. With `shuffle` (default),
 * equal-length examples and the batch order are shuffled by `(seed, epoch)`; without it batches
 * come in length order (use `index` to put outputs back in corpus order).
 *
 * @example
 * ```ts
 * import { translationBatches } from "@normbench/normbench";
 * const ex = Array.from({ length: 50 }, (_, i) => ({
 *   src: new Int32Array(1 + (i % 7)).fill(9),
 *   tgt: new Int32Array(2 + (i % 5)).fill(9),
 * }));
 * const batches = translationBatches(ex, { maxTokens: 64, seed: 1 });
 * console.assert(batches.every((b) => b.size * Math.max(b.srcLen, b.tgtLen) <= 64));
 * console.assert(batches.reduce((n, b) => n + b.size, 0) === 50);
 * ```
 */
export function translationBatches(
  examples: readonly Seq2SeqExample[],
  options: TranslationBatchOptions,
): TranslationBatch[] {
  const { maxTokens } = options;
  const maxSentences = options.maxSentences ?? Infinity;
  const shuffle = options.shuffle ?? true;
  const rng = createRng(options.seed ?? 0, `translation-batches:${options.epoch ?? 0}`);
  const tie = shuffle ? Float64Array.from(examples, () => rng()) : undefined;
  const order = examples.map((_, i) => i);
  const srcLen = (i: number) => examples[i].src.length + 1;
  const tgtLen = (i: number) => examples[i].tgt.length + 1;
  order.sort((a, b) =>
    srcLen(a) - srcLen(b) || tgtLen(a) - tgtLen(b) || (tie ? tie[a] - tie[b] : a - b)
  );
  const batches: TranslationBatch[] = [];
  let members: number[] = [];
  let longest = 0;
  for (const i of order) {
    const len = Math.max(srcLen(i), tgtLen(i));
    if (len > maxTokens) {
      throw new UsageError(
        `example ${i} needs ${len} tokens, more than the batch budget of ${maxTokens}`,
        "raise maxTokens or filter long examples (maxWords / maxLen)",
      );
    }
    const next = Math.max(longest, len);
    if (
      members.length && ((members.length + 1) * next > maxTokens || members.length >= maxSentences)
    ) {
      batches.push(build(examples, members));
      members = [];
      longest = 0;
    }
    members.push(i);
    longest = Math.max(longest, len);
  }
  if (members.length) batches.push(build(examples, members));
  return shuffle ? shuffleInPlace(batches, rng) : batches;
}
