/**
 * PowerNorm (Shen et al., ICML 2020), exact to the authors' `MaskPowerNorm`.
 *
 * @module
 */
import * as tf from "../tf.ts";
import { assignIf, NormBase, type NormConstruction, tokenMean, tokenSum } from "./base.ts";
import type { OptionSpecs, ResolvedOptions } from "./options.ts";
import type { InferenceSplit, NormCallOptions } from "./types.ts";
import { UsageError } from "../util/errors.ts";
import type { NormEntry } from "./entry.ts";

/**
 * Options of `pn`, with the authors' defaults.
 *
 * @example
 * ```ts
 * import { POWER_NORM_OPTIONS } from "@normbench/normbench";
 * console.assert(POWER_NORM_OPTIONS.alphaBkw.default === 0.9);
 * ```
 */
export const POWER_NORM_OPTIONS: OptionSpecs = {
  warmup: { default: 10000, rule: "int>=0", doc: "steps that use the batch statistic" },
  groups: {
    default: 1,
    rule: "int>=1",
    doc: "group-scaling groups G (authors: the number of attention heads); must divide C",
  },
  eps: { default: 1e-5, rule: "positive", doc: "added to the statistic" },
  alphaFwd: { default: 0.9, rule: "unit-open", doc: "momentum of the running φ" },
  alphaBkw: { default: 0.9, rule: "unit-open", doc: "α_b of the approximate backward" },
};

/** Epsilon of PowerNorm's group scaling (a constant in the authors' code). */
const GROUP_SCALING_EPS = 1e-5;

/**
 * PowerNorm's group scaling: splits each token's channels into `groups` groups and divides each
 * group by sqrt(mean(group²) + 1e-5), with its backward written out (`dx = s·(dy − y·mean(dy·y))`
 * per group; autodiff of the formula records ~3× the kernels).
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs-core";
 * import { groupScaling } from "@normbench/normbench";
 * const y = groupScaling(tf.tensor2d([[3, 3, 1, 1]]), 2);
 * console.assert(Math.abs(y.dataSync()[0] - 1) < 1e-3);
 * ```
 */
export function groupScaling(x: tf.Tensor, groups: number): tf.Tensor {
  const c = x.shape[x.rank - 1];
  const shape = x.shape;
  const grouped = [...shape.slice(0, -1), groups, c / groups];
  const fn = tf.customGrad((...args: (tf.Tensor | ((t: tf.Tensor[]) => void))[]) => {
    const input = tf.reshape(args[0] as tf.Tensor, grouped);
    const save = args[1] as (t: tf.Tensor[]) => void;
    const scale = tf.rsqrt(tf.add(tf.mean(tf.square(input), -1, true), GROUP_SCALING_EPS));
    const y = tf.mul(input, scale);
    save([y, scale]);
    return {
      value: tf.reshape(y, shape),
      // y = x·s, s = (mean(x²) + ε)^(-1/2) per group: dx = s·(dy − y·mean(dy·y))
      gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
        const [sy, ss] = saved;
        const d = tf.reshape(dy as tf.Tensor, grouped);
        const dx = tf.mul(tf.sub(d, tf.mul(sy, tf.mean(tf.mul(d, sy), -1, true))), ss);
        return [tf.reshape(dx, shape)];
      },
    };
  });
  return fn(x);
}

/**
 * `pn`: PowerNorm. Group scaling, then division by the batch quadratic mean during warm-up and
 * by a running φ afterwards, with the authors' approximate backward (a running Γ corrects the
 * gradient; dL/dx divides by the batch statistic even after warm-up). Inference is
 * γ·GS(x)/sqrt(φ + ε) + β; the per-channel part folds, group scaling stays.
 *
 * State: `weight`, `bias`, `runningPhi`, `emaGz` (Γ), `iters`.
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs-core";
 * import { createNorm } from "@normbench/normbench";
 * const pn = createNorm("pn", 8, { groups: 2, warmup: 100 });
 * const y = pn.apply(tf.randomNormal([2, 5, 8]), { training: true });
 * console.assert(y.shape.join() === "2,5,8");
 * ```
 */
export class PowerNorm extends NormBase {
  /** Registry name of PowerNorm. */
  readonly name = "pn" as const;
  /** Whether training normalizes with statistics over the batch. */
  readonly batchStatistics = true;
  /** γ, init 1. */
  readonly weight: tf.Variable;
  /** β, init 0. */
  readonly bias: tf.Variable;
  /** φ, the running quadratic mean, init 1. */
  readonly runningPhi: tf.Variable;
  /** Γ of the approximate backward, init 0. */
  readonly emaGz: tf.Variable;
  /** t, training forward calls so far. */
  readonly iters: tf.Variable;

  /** Prefer {@linkcode createNorm}, which validates and resolves `options`. */
  constructor(channels: number, options: ResolvedOptions, construction?: NormConstruction) {
    super(channels, options, construction);
    if (channels % (options.groups as number) !== 0) {
      throw new UsageError(
        `pn: groups (${options.groups}) must divide the channel count (${channels})`,
        "pass groups equal to the number of attention heads, or 1",
      );
    }
    this.weight = this.addVariable("weight", () => tf.ones([channels]), true);
    this.bias = this.addVariable("bias", () => tf.zeros([channels]), true);
    this.runningPhi = this.addVariable("runningPhi", () => tf.ones([channels]), false);
    this.emaGz = this.addVariable("emaGz", () => tf.zeros([channels]), false);
    this.iters = this.addVariable("iters", () => tf.scalar(0), false, true);
  }

  /** ε of the denominator. */
  get eps(): number {
    return this.options.eps as number;
  }

  /** Normalizes `x` over its last axis (see {@linkcode Norm.apply}). */
  apply(x: tf.Tensor, options: NormCallOptions = {}): tf.Tensor {
    this.checkInput(x);
    const groups = this.options.groups as number;
    if (!options.training) {
      return tf.tidy(() => {
        const scaled = groupScaling(x, groups);
        const scale = tf.mul(this.weight, tf.rsqrt(tf.add(this.runningPhi, this.eps)));
        return tf.add(tf.mul(scaled, scale), this.bias);
      });
    }
    const commit = options.commit ?? true;
    const mask = options.mask;
    const fn = tf.customGrad((...args: (tf.Tensor | ((t: tf.Tensor[]) => void))[]) => {
      const [input, gamma, beta] = args as tf.Tensor[];
      const save = args[3] as (t: tf.Tensor[]) => void;
      const warmup = this.options.warmup as number;
      const a = this.options.alphaFwd as number;
      const q = tokenMean(tf.square(input), mask);
      const t = tf.add(this.iters, 1) as tf.Scalar;
      const batchDenom = tf.sqrt(tf.add(q, this.eps));
      const denom = tf.where(
        tf.lessEqual(t, warmup),
        batchDenom,
        tf.sqrt(tf.add(this.runningPhi, this.eps)),
      );
      const z = tf.div(input, denom);
      // φ: a running average during warm-up, then (always) an exponential moving average.
      const averaged = tf.add(tf.mul(this.runningPhi, tf.div(tf.sub(t, 1), t)), tf.div(q, t));
      const phi = tf.where(tf.less(t, warmup), averaged, this.runningPhi);
      assignIf(commit, this.runningPhi, tf.add(tf.mul(phi, a), tf.mul(q, 1 - a)));
      assignIf(commit, this.iters, t);
      save([z, batchDenom]);
      return {
        value: tf.add(tf.mul(z, gamma), beta),
        gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
          const [zs, bd] = saved;
          const g = dy as tf.Tensor;
          const ab = this.options.alphaBkw as number;
          const gHat = tf.mul(g, gamma);
          const approx = tf.sub(gHat, tf.mul(tf.mul(this.emaGz, 1 - ab), zs));
          assignIf(commit, this.emaGz, tf.add(this.emaGz, tokenMean(tf.mul(approx, zs))));
          return [tf.div(approx, bd), tokenSum(tf.mul(g, zs)), tokenSum(g)];
        },
      };
    });
    return tf.tidy(() => fn(groupScaling(x, groups), this.weight, this.bias));
  }

  /** The inference map as statistic · scale + shift (see {@linkcode Norm.inferenceSplit}). */
  inferenceSplit(): InferenceSplit {
    const groups = this.options.groups as number;
    const { scale, shift } = tf.tidy(() => ({
      scale: tf.mul(this.weight, tf.rsqrt(tf.add(this.runningPhi, this.eps))) as tf.Tensor1D,
      shift: tf.clone(this.bias) as tf.Tensor1D,
    }));
    return { statistic: (x: tf.Tensor) => groupScaling(x, groups), scale, shift };
  }
}

/**
 * The registry entry of `pn`: PowerNorm (Shen et al. 2020); it leaves a per-token statistic at
 * inference. It scales its step-count options with the run length and takes one group per
 * attention head.
 *
 * @example
 * ```ts
 * import { POWER_NORM } from "@normbench/normbench";
 * console.assert(POWER_NORM.modelDefaults!({ heads: 4 }).groups === 4);
 * const scaled = POWER_NORM.scale!({ steps: 3000, scheduleWarmup: 240, sourceUpdates: 100_000 });
 * console.assert(scaled.warmup === 240);
 * ```
 */
export const POWER_NORM: NormEntry = {
  title: "PowerNorm (Shen et al. 2020)",
  options: POWER_NORM_OPTIONS,
  build: (c, o, k) => new PowerNorm(c, o, k),
  folds: "partial",
  scale: ({ scheduleWarmup }) => ({ warmup: scheduleWarmup }),
  scaleRule: "PowerNorm's warm-up is the learning-rate schedule's warm-up, as the authors' " +
    "scripts pass it.",
  modelDefaults: ({ heads }) => ({ groups: heads }),
};
