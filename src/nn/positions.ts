/**
 * Position encodings: learned (a `[maxLen, d]` table) and sinusoidal (fixed).
 *
 * @module
 */
import * as tf from "../tf.ts";
import { type Initializer, normal } from "./init.ts";
import type { Scope } from "./scope.ts";
import { UsageError } from "../util/errors.ts";

/** How a model encodes positions. */
export type PositionKind = "learned" | "sinusoidal";

/** Adds position encodings to `[B, N, d]` activations, starting at position `offset`. */
export interface Positions {
  /** `x + pos[offset : offset + N]`. */
  apply(x: tf.Tensor, offset?: number): tf.Tensor;
}

function checkLength(n: number, maxLen: number): void {
  if (n > maxLen) {
    throw new UsageError(
      `sequence of ${n} positions exceeds the model's maximum of ${maxLen}`,
      "shorten the input or build the model with a larger maxLen",
    );
  }
}

/**
 * Learned absolute positions: a trainable `[maxLen, d]` table `weight`.
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs-core";
 * import { LearnedPositions, Scope } from "@normbench/normbench";
 * const pos = new LearnedPositions(new Scope({ seed: 0 }).child("pos"), 16, 4);
 * console.assert(pos.apply(tf.zeros([2, 5, 4])).shape.join() === "2,5,4");
 * ```
 */
export class LearnedPositions implements Positions {
  /** `[maxLen, d]` */
  readonly weight: tf.Variable;
  /** The longest sequence. */
  readonly maxLen: number;

  /** Creates the `[maxLen, dim]` table under `scope`. */
  constructor(scope: Scope, maxLen: number, dim: number, options: { init?: Initializer } = {}) {
    this.maxLen = maxLen;
    this.weight = scope.param("weight", [maxLen, dim], options.init ?? normal(0.02));
  }

  apply(x: tf.Tensor, offset = 0): tf.Tensor {
    const n = x.shape[1] as number;
    checkLength(offset + n, this.maxLen);
    return tf.tidy(() => tf.add(x, tf.slice(this.weight, [offset, 0], [n, -1])));
  }
}

/**
 * The sinusoidal table of "Attention is all you need" as fairseq builds it: sin over the first
 * half of the channels, cos over the second, frequencies `10000^(−i/(d/2−1))`.
 *
 * @example
 * ```ts
 * import { sinusoidalTable } from "@normbench/normbench";
 * const t = sinusoidalTable(3, 4);
 * console.assert(t.length === 12 && t[0] === 0 && t[2] === 1);
 * ```
 */
export function sinusoidalTable(n: number, dim: number): Float32Array {
  const half = Math.floor(dim / 2);
  const step = Math.log(10000) / Math.max(half - 1, 1);
  const out = new Float32Array(n * dim);
  for (let p = 0; p < n; p++) {
    for (let i = 0; i < half; i++) {
      const angle = p * Math.exp(-step * i);
      out[p * dim + i] = Math.sin(angle);
      out[p * dim + half + i] = Math.cos(angle);
    }
  }
  return out;
}

/**
 * Fixed sinusoidal positions (no variables).
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs-core";
 * import { SinusoidalPositions } from "@normbench/normbench";
 * const pos = new SinusoidalPositions(64, 8);
 * console.assert(pos.apply(tf.zeros([1, 3, 8]), 2).shape.join() === "1,3,8");
 * ```
 */
export class SinusoidalPositions implements Positions {
  /** The longest sequence. */
  readonly maxLen: number;
  readonly #dim: number;
  #table: Float32Array | null = null;

  /** Positions up to `maxLen` of width `dim` (the table is built on first use). */
  constructor(maxLen: number, dim: number) {
    this.maxLen = maxLen;
    this.#dim = dim;
  }

  apply(x: tf.Tensor, offset = 0): tf.Tensor {
    const n = x.shape[1] as number;
    checkLength(offset + n, this.maxLen);
    this.#table ??= sinusoidalTable(this.maxLen, this.#dim);
    const rows = this.#table.subarray(offset * this.#dim, (offset + n) * this.#dim);
    return tf.tidy(() => tf.add(x, tf.tensor2d(rows, [n, this.#dim])));
  }
}

/**
 * Builds the position encoding of a model.
 *
 * @example
 * ```ts
 * import { createPositions, Scope } from "@normbench/normbench";
 * const pos = createPositions("sinusoidal", new Scope({ seed: 0 }).child("pos"), 32, 8);
 * console.assert(pos instanceof Object);
 * ```
 */
export function createPositions(
  kind: PositionKind,
  scope: Scope,
  maxLen: number,
  dim: number,
): Positions {
  if (kind === "learned") return new LearnedPositions(scope, maxLen, dim);
  if (kind === "sinusoidal") return new SinusoidalPositions(maxLen, dim);
  throw new UsageError(`unknown position encoding '${kind}'`, "use learned or sinusoidal");
}
