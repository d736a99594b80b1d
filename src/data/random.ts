/**
 * Seeded randomness for splits and batching: every shuffle in the data pipeline draws from a
 * generator created here (npm `seedrandom`'s Alea), never from `Math.random`.
 *
 * @module
 */
// @ts-types="npm:@types/seedrandom@2.4.34"
import seedrandom from "seedrandom";

/** A generator of uniform numbers in [0, 1). */
export type Rng = () => number;

/**
 * A seeded generator; the same seed (and stream name) always gives the same sequence.
 * `stream` derives independent generators from one seed (e.g. `"split"`, `"batches:3"`).
 *
 * @example
 * ```ts
 * import { createRng } from "@normbench/normbench";
 * const a = createRng(42, "split");
 * const b = createRng(42, "split");
 * console.assert(a() === b());
 * ```
 */
export function createRng(seed: number | string, stream = ""): Rng {
  const prng = seedrandom.alea(`${seed}/${stream}`);
  return () => prng();
}

/**
 * Shuffles `items` in place (Fisher–Yates) and returns it.
 *
 * @example
 * ```ts
 * import { createRng, shuffleInPlace } from "@normbench/normbench";
 * const xs = shuffleInPlace([1, 2, 3, 4], createRng(1));
 * console.assert(xs.length === 4);
 * ```
 */
export function shuffleInPlace<T, A extends { length: number; [i: number]: T }>(
  items: A,
  rng: Rng,
): A {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    const t = items[i];
    items[i] = items[j];
    items[j] = t;
  }
  return items;
}

/**
 * A random permutation of `0 … n-1`.
 *
 * @example
 * ```ts
 * import { createRng, permutation } from "@normbench/normbench";
 * const p = permutation(5, createRng(7));
 * console.assert([...p].sort().join() === "0,1,2,3,4");
 * ```
 */
export function permutation(n: number, rng: Rng): Int32Array {
  const p = new Int32Array(n);
  for (let i = 0; i < n; i++) p[i] = i;
  return shuffleInPlace<number, Int32Array>(p, rng);
}
