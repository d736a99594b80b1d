/**
 * Fixed, seeded train/valid/test splits. Each split is an ascending list of item indices, so the
 * same seed always selects the same items in the same order.
 *
 * @module
 */
import { createRng, permutation } from "../util/random.ts";

/** Indices of the items in each split. */
export interface SplitIndices {
  /** Training items. */
  readonly train: Int32Array;
  /** Validation items. */
  readonly valid: Int32Array;
  /** Test items. */
  readonly test: Int32Array;
}

const sorted = (xs: number[]) => Int32Array.from(xs).sort();

/**
 * Shuffles `n` items once with `seed` and takes `testSize` for test, then `validSize` for
 * validation; the rest is training.
 *
 * @example
 * ```ts
 * import { seededSplit } from "@normbench/normbench";
 * const s = seededSplit(100, { testSize: 10, validSize: 5, seed: 1 });
 * console.assert(s.train.length === 85 && s.test.length === 10);
 * ```
 */
export function seededSplit(
  n: number,
  options: { testSize: number; validSize: number; seed: number | string },
): SplitIndices {
  const { testSize, validSize } = options;
  if (testSize + validSize > n) {
    throw new RangeError(`cannot take ${testSize} test + ${validSize} valid items from ${n}`);
  }
  const p = Array.from(permutation(n, createRng(options.seed, "split")));
  return {
    test: sorted(p.slice(0, testSize)),
    valid: sorted(p.slice(testSize, testSize + validSize)),
    train: sorted(p.slice(testSize + validSize)),
  };
}

/**
 * A stratified split: within each stratum (e.g. class, or source × class, or genre) the items
 * are shuffled with `seed` and `round(n × fraction)` go to validation and to test (at least
 * `minPerStratum` each), the rest to training.
 *
 * @example
 * ```ts
 * import { stratifiedSplit } from "@normbench/normbench";
 * const labels = Array.from({ length: 100 }, (_, i) => i % 2);
 * const s = stratifiedSplit(labels, { valid: 0.1, test: 0.1, seed: 3 });
 * console.assert(s.train.length === 80 && s.valid.length === 10 && s.test.length === 10);
 * ```
 */
export function stratifiedSplit(
  strata: ArrayLike<string | number>,
  options: { valid: number; test: number; seed: number | string; minPerStratum?: number },
): SplitIndices {
  const groups = new Map<string, number[]>();
  for (let i = 0; i < strata.length; i++) {
    const key = String(strata[i]);
    let g = groups.get(key);
    if (!g) groups.set(key, g = []);
    g.push(i);
  }
  const min = options.minPerStratum ?? 0;
  const train: number[] = [];
  const valid: number[] = [];
  const test: number[] = [];
  for (const key of [...groups.keys()].sort()) {
    const items = groups.get(key)!;
    const order = permutation(items.length, createRng(options.seed, `stratum:${key}`));
    const take = (f: number) => Math.min(items.length, Math.max(min, Math.round(items.length * f)));
    const nTest = take(options.test);
    const nValid = Math.min(items.length - nTest, take(options.valid));
    for (const [rank, j] of order.entries()) {
      (rank < nTest ? test : rank < nTest + nValid ? valid : train).push(items[j]);
    }
  }
  return { train: sorted(train), valid: sorted(valid), test: sorted(test) };
}
