/**
 * A small seeded random number generator whose whole state is four numbers, so that a training
 * run can save it in a checkpoint and resume bit-exactly.
 *
 * @module
 */

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
