/**
 * Progressive re-parameterised BatchNorm (PRepBN, SLAB; Guo et al., ICML 2024).
 *
 * @module
 */
import * as tf from "../tf.ts";
import { assignIf, NormBase, type NormConstruction } from "./base.ts";
import { TokenBatchNorm } from "./batch_norm.ts";
import { standardize } from "./layer_norm.ts";
import type { OptionSpecs, ResolvedOptions } from "./options.ts";
import type { InferenceSplit, NormCallOptions } from "./types.ts";
import type { NormEntry } from "./entry.ts";

/**
 * Options of `repbn`.
 *
 * @example
 * ```ts
 * import { REP_BN_OPTIONS } from "@normbench/normbench";
 * console.assert(REP_BN_OPTIONS.etaInit.default === 1);
 * ```
 */
export const REP_BN_OPTIONS: OptionSpecs = {
  eps: { default: 1e-5, rule: "positive", doc: "added to the variance (LN and BN)" },
  momentum: { default: 0.1, rule: "unit-open", doc: "BN running-statistics momentum (torch)" },
  decaySteps: {
    default: 10000,
    rule: "int>=1",
    doc: "training steps over which λ decays linearly from 1 to 0",
  },
  warmupSteps: { default: 0, rule: "int>=0", doc: "LN-only training steps before the decay" },
  etaInit: { default: 1, rule: "nonnegative", doc: "initial value of the learned scalar η" },
};

/**
 * `repbn`: trains as λ·LN(x) + (1 − λ)·(BN(x) + η·x) with λ decaying linearly from 1 to 0 over
 * `decaySteps` training calls (after `warmupSteps` LN-only calls, during which BN's running
 * statistics are not updated, as in SLAB's `LinearNorm`); infers as BN(x) + η·x, which folds.
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs-core";
 * import { createNorm } from "@normbench/normbench";
 * const norm = createNorm("repbn", 4, { decaySteps: 100 });
 * const y = norm.apply(tf.randomNormal([2, 3, 4]), { training: true }); // λ = 1: pure LN
 * console.assert(y.shape.join() === "2,3,4");
 * ```
 */
export class RepBatchNorm extends NormBase {
  /** Registry name of RepBN. */
  readonly name = "repbn" as const;
  /** Whether training normalizes with statistics over the batch. */
  readonly batchStatistics = true;
  readonly #bn: TokenBatchNorm;
  /** Learned scalar η of RepBN, init 1. */
  readonly eta: tf.Variable;
  /** LN's γ (training only). */
  readonly lnWeight: tf.Variable;
  /** LN's β (training only). */
  readonly lnBias: tf.Variable;
  /** Training calls so far. */
  readonly step: tf.Variable;

  /** Prefer {@linkcode createNorm}, which validates and resolves `options`. */
  constructor(channels: number, options: ResolvedOptions, construction?: NormConstruction) {
    super(channels, options, construction);
    this.#bn = TokenBatchNorm.create((n, i, t) => this.addVariable(n, i, t), channels, options);
    this.eta = this.addVariable("eta", () => tf.scalar(options.etaInit as number), true);
    this.lnWeight = this.addVariable("lnWeight", () => tf.ones([channels]), true);
    this.lnBias = this.addVariable("lnBias", () => tf.zeros([channels]), true);
    this.step = this.addVariable("step", () => tf.scalar(0), false, true);
  }

  /** λ for training call number `t` (1-based), as a scalar tensor. */
  lambda(t: tf.Scalar): tf.Scalar {
    const warm = this.options.warmupSteps as number;
    const total = this.options.decaySteps as number;
    return tf.tidy(() =>
      tf.clipByValue(tf.div(tf.sub(total, tf.sub(t, warm + 1)), total), 0, 1) as tf.Scalar
    );
  }

  /** Normalizes `x` over its last axis (see {@linkcode Norm.apply}). */
  apply(x: tf.Tensor, options: NormCallOptions = {}): tf.Tensor {
    this.checkInput(x);
    if (!options.training) return tf.tidy(() => tf.add(this.#bn.infer(x), tf.mul(x, this.eta)));
    const commit = options.commit ?? true;
    return tf.tidy(() => {
      const t = tf.add(this.step, 1) as tf.Scalar;
      const lambda = this.lambda(t);
      // BN's running statistics move only after the LN-only warm-up, as in SLAB.
      const warm = this.options.warmupSteps as number;
      const bnOut = this.#bn.train(x, options.mask, commit, tf.greater(t, warm));
      const ln = tf.add(
        tf.mul(standardize(x, this.options.eps as number), this.lnWeight),
        this.lnBias,
      );
      const rep = tf.add(bnOut, tf.mul(x, this.eta));
      assignIf(commit, this.step, t);
      return tf.add(tf.mul(lambda, ln), tf.mul(tf.sub(1, lambda), rep));
    });
  }

  /** The inference map as statistic · scale + shift (see {@linkcode Norm.inferenceSplit}). */
  inferenceSplit(): InferenceSplit {
    const { scale, shift } = this.#bn.affine();
    const withEta = tf.add(scale, this.eta) as tf.Tensor1D;
    scale.dispose();
    return { statistic: null, scale: withEta, shift };
  }
}

/**
 * The registry entry of `repbn`: Progressive re-parameterised BatchNorm (SLAB, Guo et al. 2024);
 * it folds fully into the next linear layer. It scales its step-count options with the run length.
 *
 * @example
 * ```ts
 * import { REP_BN } from "@normbench/normbench";
 * const scaled = REP_BN.scale!({ steps: 3000, scheduleWarmup: 240, sourceUpdates: 750_000 });
 * console.assert(scaled.decaySteps === 3000 && REP_BN.folds === "full");
 * ```
 */
export const REP_BN: NormEntry = {
  title: "Progressive re-parameterised BatchNorm (SLAB, Guo et al. 2024)",
  options: REP_BN_OPTIONS,
  build: (c, o, k) => new RepBatchNorm(c, o, k),
  folds: "full",
  scale: ({ steps }) => ({ decaySteps: Math.max(1, steps) }),
  scaleRule: "RepBN's λ decays over the whole run.",
};
