/**
 * Language-model batches from one contiguous token stream: the stream is cut into B parallel
 * rows and read in windows of `seqLen + 1` tokens (inputs are the first T, targets the last T),
 * consecutive windows overlapping by one token, as in the classic PTB setup.
 *
 * @module
 */
import { createRng, shuffleInPlace } from "../../util/random.ts";

/** One window of B rows. */
export interface LmBatch {
  /** Rows B. */
  readonly size: number;
  /** Sequence length T (inputs and targets). */
  readonly seqLen: number;
  /** `[B, T + 1]` tokens: inputs are `[:, :T]`, targets `[:, 1:]`. */
  readonly tokens: Int32Array;
  /** Shape of every array field, for {@linkcode batchTensors}. */
  readonly shapes: Readonly<Record<string, readonly number[]>>;
}

/** Options of {@linkcode lmBatches}. */
export interface LmBatchOptions {
  /** Parallel rows B. */
  batchSize: number;
  /** Tokens predicted per row and window T. */
  seqLen: number;
  /** Shuffle the window order and start at a random offset (default false: state can carry). */
  shuffle?: boolean;
  /** Seed (default 0). */
  seed?: number;
  /** Epoch: a different offset and order per epoch (default 0). */
  epoch?: number;
}

/**
 * Cuts a token stream into `[B, T + 1]` windows.
 *
 * @example
 * ```ts
 * import { lmBatches } from "@normbench/normbench";
 * const stream = Int32Array.from({ length: 101 }, (_, i) => i);
 * const batches = lmBatches(stream, { batchSize: 2, seqLen: 10 });
 * console.assert(batches.length === 4 && batches[0].tokens[10] === 10 && batches[1].tokens[0] === 10);
 * ```
 */
export function lmBatches(stream: Int32Array, options: LmBatchOptions): LmBatch[] {
  const { batchSize: B, seqLen: T } = options;
  const rng = createRng(options.seed ?? 0, `lm:${options.epoch ?? 0}`);
  const offset = options.shuffle ? Math.floor(rng() * T) : 0;
  const usable = stream.length - offset;
  const rowLen = Math.floor(usable / B);
  const windows = Math.floor((rowLen - 1) / T);
  const out: LmBatch[] = [];
  for (let w = 0; w < windows; w++) {
    const tokens = new Int32Array(B * (T + 1));
    for (let b = 0; b < B; b++) {
      const start = offset + b * rowLen + w * T;
      tokens.set(stream.subarray(start, start + T + 1), b * (T + 1));
    }
    out.push({ size: B, seqLen: T, tokens, shapes: { tokens: [B, T + 1] } });
  }
  return options.shuffle ? shuffleInPlace(out, rng) : out;
}
