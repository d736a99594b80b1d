/**
 * Sentence-classification batches: token ids (optionally after `<cls>`) padded to the longest
 * sentence of the batch, with pad masks (1 = padding) and labels.
 *
 * @module
 */
import { CLS_ID, PAD_ID } from "../../util/special_tokens.ts";
import { createRng, permutation } from "../../util/random.ts";

/** A tokenised, labelled sentence. */
export interface ClassificationExample {
  /** Token ids (no specials). */
  readonly ids: Int32Array;
  /** Class id. */
  readonly label: number;
}

/** One batch. */
export interface ClassificationBatch {
  /** Sentences B. */
  readonly size: number;
  /** Padded length L. */
  readonly length: number;
  /** `[B, L]` ids. */
  readonly ids: Int32Array;
  /** `[B, L]` 1 where `ids` is padding. */
  readonly mask: Uint8Array;
  /** `[B]` labels. */
  readonly labels: Int32Array;
  /** `[B]` index of each example. */
  readonly index: Int32Array;
  /** Shape of every array field, for {@linkcode batchTensors}. */
  readonly shapes: Readonly<Record<string, readonly number[]>>;
}

/** Options of {@linkcode classificationBatches}. */
export interface ClassificationBatchOptions {
  /** Sentences per batch. */
  batchSize: number;
  /** Truncate sentences to this many tokens, `<cls>` included (default 128). */
  maxLen?: number;
  /** Prepend `<cls>` (default true). */
  cls?: boolean;
  /** Pad every batch to `maxLen` instead of its longest sentence (default false). */
  padToMax?: boolean;
  /** Shuffle (default true). */
  shuffle?: boolean;
  /** Seed (default 0). */
  seed?: number;
  /** Epoch (default 0). */
  epoch?: number;
  /** Drop a last incomplete batch (default false). */
  dropLast?: boolean;
}

/**
 * Batches labelled sentences.
 *
 * @example
 * ```ts
 * import { classificationBatches } from "@normbench/normbench";
 * const ex = [{ ids: Int32Array.of(7, 8, 9), label: 1 }, { ids: Int32Array.of(7), label: 0 }];
 * const [b] = classificationBatches(ex, { batchSize: 2, shuffle: false });
 * console.assert(b.length === 4 && b.mask[4 + 2] === 1 && b.ids[0] === 5);
 * ```
 */
export function classificationBatches(
  examples: readonly ClassificationExample[],
  options: ClassificationBatchOptions,
): ClassificationBatch[] {
  const maxLen = options.maxLen ?? 128;
  const cls = options.cls ?? true;
  const order = options.shuffle ?? true
    ? permutation(examples.length, createRng(options.seed ?? 0, `classes:${options.epoch ?? 0}`))
    : Int32Array.from(examples, (_, i) => i);
  const out: ClassificationBatch[] = [];
  const lengthOf = (i: number) => Math.min(maxLen, examples[i].ids.length + (cls ? 1 : 0));
  for (let start = 0; start < order.length; start += options.batchSize) {
    const index = order.slice(start, start + options.batchSize);
    if (index.length < options.batchSize && options.dropLast) break;
    const B = index.length;
    const L = options.padToMax ? maxLen : Math.max(1, ...Array.from(index, lengthOf));
    const ids = new Int32Array(B * L).fill(PAD_ID);
    const mask = new Uint8Array(B * L).fill(1);
    const labels = new Int32Array(B);
    for (const [row, i] of index.entries()) {
      const n = lengthOf(i);
      let at = row * L;
      if (cls) ids[at++] = CLS_ID;
      ids.set(examples[i].ids.subarray(0, n - (cls ? 1 : 0)), at);
      mask.fill(0, row * L, row * L + n);
      labels[row] = examples[i].label;
    }
    out.push({
      size: B,
      length: L,
      ids,
      mask,
      labels,
      index,
      shapes: { ids: [B, L], mask: [B, L], labels: [B] },
    });
  }
  return out;
}
