/**
 * The seeded random streams, one module for all randomness (never `Math.random`):
 * - {@linkcode SeededRng} (sfc32 with a splitmix-style seeding): weights, dropout and
 *   everything whose state a checkpoint saves; {@linkcode hashSeed} derives sub-seeds;
 * - {@linkcode createRng} (seedrandom's alea, seeded by a string): data order — shuffles,
 *   permutations, splits and MLM masks — one named stream per use.
 * Both are fixed by the results they produced: changing either would change every number.
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

/** The state of an {@linkcode SeededRng}: four unsigned 32-bit integers. */
export type SeededRngState = [number, number, number, number];

/**
 * Hashes numbers and strings into a 32-bit seed (FNV-1a over the parts, then a finaliser).
 * Used to derive independent streams: one per parameter path, one per run, one per step.
 *
 * @example
 * ```ts
 * import { hashSeed } from "@normbench/normbench";
 * console.assert(hashSeed(1, "encoder/0") === hashSeed(1, "encoder/0"));
 * console.assert(hashSeed(1, "a") !== hashSeed(2, "a"));
 * ```
 */
export function hashSeed(...parts: (number | string)[]): number {
  let h = 0x811c9dc5;
  for (const part of parts) {
    const text = typeof part === "number" ? `n${part}` : `s${part}`;
    for (let i = 0; i < text.length; i++) {
      h ^= text.charCodeAt(i);
      h = Math.imul(h, 0x01000193);
    }
    h ^= 0xff;
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/**
 * A seeded generator (sfc32, seeded through splitmix32). Deterministic on every platform: the
 * same seed gives the same numbers, and `state()`/`fromState()` round-trip exactly.
 *
 * @example
 * ```ts
 * import { SeededRng } from "@normbench/normbench";
 * const rng = new SeededRng(42);
 * const saved = rng.state();
 * const a = rng.uniform();
 * console.assert(SeededRng.fromState(saved).uniform() === a);
 * ```
 */
export class SeededRng {
  #a: number;
  #b: number;
  #c: number;
  #d: number;

  /** A generator seeded with `seed` (non-integers and negatives are hashed). */
  constructor(seed: number) {
    let s = Number.isInteger(seed) && seed >= 0 && seed < 2 ** 32 ? seed >>> 0 : hashSeed(seed);
    const next = (): number => {
      s = (s + 0x9e3779b9) | 0;
      let z = s;
      z = Math.imul(z ^ (z >>> 16), 0x21f0aaad);
      z = Math.imul(z ^ (z >>> 15), 0x735a2d97);
      return (z ^ (z >>> 15)) >>> 0;
    };
    this.#a = next();
    this.#b = next();
    this.#c = next();
    this.#d = next();
    for (let i = 0; i < 12; i++) this.uint32();
  }

  /** A generator continuing from a saved state. */
  static fromState(state: Readonly<SeededRngState>): SeededRng {
    const rng = new SeededRng(0);
    rng.setState(state);
    return rng;
  }

  /** The current state (copy it into a checkpoint). */
  state(): SeededRngState {
    return [this.#a >>> 0, this.#b >>> 0, this.#c >>> 0, this.#d >>> 0];
  }

  /** Restores a state saved by {@linkcode SeededRng.state}. */
  setState(state: Readonly<SeededRngState>): void {
    [this.#a, this.#b, this.#c, this.#d] = state.map((v) => v | 0);
  }

  /** The next unsigned 32-bit integer. */
  uint32(): number {
    const t = (((this.#a + this.#b) | 0) + this.#d) | 0;
    this.#d = (this.#d + 1) | 0;
    this.#a = this.#b ^ (this.#b >>> 9);
    this.#b = (this.#c + (this.#c << 3)) | 0;
    this.#c = (this.#c << 21) | (this.#c >>> 11);
    this.#c = (this.#c + t) | 0;
    return t >>> 0;
  }

  /** Uniform in [0, 1). */
  uniform(): number {
    return this.uint32() / 4294967296;
  }

  /** Standard normal (Box–Muller; uses two uniforms, keeps no spare). */
  normal(): number {
    const u = 1 - this.uniform();
    const v = this.uniform();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.uniform() * n);
  }

  /** A new, independent generator seeded from this one (advances this one by one draw). */
  fork(): SeededRng {
    return new SeededRng(this.uint32());
  }

  /** Shuffles `items` in place (Fisher–Yates) and returns it. */
  shuffle<T>(items: T[]): T[] {
    for (let i = items.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      [items[i], items[j]] = [items[j], items[i]];
    }
    return items;
  }
}
