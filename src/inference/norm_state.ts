/**
 * Non-trivial norm state for inference tests and timing: a freshly built norm has γ = 1, β = 0
 * and running statistics of 1 and 0, under which folding is the identity and a wrong fold would
 * go unnoticed. {@linkcode randomizeNormState} draws every inference-relevant variable instead.
 *
 * @module
 */
import * as tf from "../tf.ts";
import type { Norm } from "../norms/types.ts";
import { hashSeed, SeededRng } from "../util/random.ts";

/** How each inference-relevant variable (by the norm's local name) is drawn. */
const DRAWS: Record<string, (rng: SeededRng) => number> = {
  // scales: around 1, never near 0
  weight: (rng) => 0.5 + rng.uniform(),
  lnWeight: (rng) => 0.5 + rng.uniform(),
  // RepBN's identity path (init 1): kept moderate, or BN(x) + η·x roughly doubles the residual
  // stream at every norm and a deep random model's outputs reach 1e6 (ill-conditioned checks)
  eta: (rng) => 0.1 + 0.4 * rng.uniform(),
  // shifts and means: small, both signs
  bias: (rng) => 0.2 * rng.normal(),
  lnBias: (rng) => 0.2 * rng.normal(),
  runningMean: (rng) => 0.3 * rng.normal(),
  // running second moments: positive, spread over a factor 4
  runningVar: (rng) => 0.5 + 1.5 * rng.uniform(),
  runningPhi: (rng) => 0.5 + 1.5 * rng.uniform(),
  // DyT's α
  alpha: (rng) => 0.3 + 0.5 * rng.uniform(),
};

/** Which variables {@linkcode randomizeNormState} draws. */
export type NormStateDraw = "all" | "trainable";

/**
 * Assigns random values to the variables that shape a norm's inference map — γ, β, running
 * means and variances, PowerNorm's φ, DyT's α, RepBN's η (with `draw: "trainable"` only the
 * trainable ones, e.g. after running statistics were calibrated on data) — from a stream seeded
 * by `seed` and each variable's name. Counters, windows and gradient statistics are left alone.
 * Returns the names of the variables it drew.
 *
 * @example
 * ```ts
 * import { createNorm, randomizeNormState } from "@normbench/normbench";
 * const un = createNorm("un", 8);
 * console.assert(randomizeNormState(un, 1).join() === "weight,bias,runningVar");
 * ```
 */
export function randomizeNormState(
  norm: Norm,
  seed: number,
  which: NormStateDraw = "all",
): string[] {
  const drawn: string[] = [];
  for (const [name, v] of Object.entries(norm.variables())) {
    const draw = Object.hasOwn(DRAWS, name) ? DRAWS[name] : undefined;
    if (!draw || (which === "trainable" && !v.trainable)) continue;
    const rng = new SeededRng(hashSeed(seed, norm.name, name));
    const values = Float32Array.from({ length: v.size }, () => draw(rng));
    tf.tidy(() => v.assign(tf.tensor(values, v.shape, "float32")));
    drawn.push(name);
  }
  return drawn;
}
