/**
 * Inverted dropout with masks drawn from a seeded {@linkcode SeededRng}, so that a run is
 * reproducible and resumable.
 *
 * @module
 */
import * as tf from "../tf.ts";
import type { ForwardContext } from "./context.ts";
import type { SeededRng } from "../util/random.ts";
import { UsageError } from "../util/errors.ts";

/**
 * A keep-mask of `size` values: `1/(1−rate)` with probability `1−rate`, else 0. Two mask values
 * come from each 32-bit draw (16-bit resolution of `rate`).
 *
 * @example
 * ```ts
 * import { dropoutMask, SeededRng } from "@normbench/normbench";
 * const m = dropoutMask(1000, 0.5, new SeededRng(1));
 * console.assert(m.every((v) => v === 0 || v === 2));
 * ```
 */
export function dropoutMask(size: number, rate: number, rng: SeededRng): Float32Array {
  const out = new Float32Array(size);
  const keep = 1 / (1 - rate);
  const threshold = Math.round(rate * 65536);
  let i = 0;
  for (; i + 1 < size; i += 2) {
    const r = rng.uint32();
    out[i] = (r & 0xffff) >= threshold ? keep : 0;
    out[i + 1] = (r >>> 16) >= threshold ? keep : 0;
  }
  if (i < size) out[i] = (rng.uint32() & 0xffff) >= threshold ? keep : 0;
  return out;
}

/**
 * Inverted dropout: in training mode with `rate > 0`, zeroes each element with probability
 * `rate` and scales the rest by `1/(1−rate)`; otherwise returns `x` unchanged. The mask comes
 * from `ctx.rng`.
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs-core";
 * import { dropout, SeededRng } from "@normbench/normbench";
 * const y = dropout(tf.ones([4, 4]), 0.5, { training: true, rng: new SeededRng(1) });
 * console.assert(y.shape.join() === "4,4");
 * ```
 */
export function dropout(x: tf.Tensor, rate: number, ctx: ForwardContext): tf.Tensor {
  if (!ctx.training || rate <= 0) return x;
  if (rate >= 1) throw new UsageError(`dropout rate must be below 1, got ${rate}`);
  if (!ctx.rng) {
    throw new UsageError(
      "dropout in training mode needs ctx.rng",
      "pass an SeededRng in the context",
    );
  }
  const mask = dropoutMask(x.size, rate, ctx.rng);
  return tf.tidy(() => tf.mul(x, tf.tensor(mask, x.shape, "float32")));
}
