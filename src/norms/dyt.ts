/**
 * Dynamic Tanh (Zhu et al., CVPR 2025): a normalization-free stand-in, γ·tanh(α·x) + β.
 *
 * @module
 */
import * as tf from "../tf.ts";
import { NormBase, type NormConstruction } from "./base.ts";
import type { OptionSpecs, ResolvedOptions } from "./options.ts";
import type { InferenceSplit, NormCallOptions } from "./types.ts";
import type { NormEntry } from "./entry.ts";

/**
 * Options of `dyt`.
 *
 * @example
 * ```ts
 * import { DYT_OPTIONS } from "@normbench/normbench";
 * console.assert(DYT_OPTIONS.alphaInit.default === 0.5);
 * ```
 */
export const DYT_OPTIONS: OptionSpecs = {
  alphaInit: { default: 0.5, rule: "positive", doc: "initial value of the learned scalar α" },
};

/**
 * `dyt`: γ·tanh(α·x) + β with a learned scalar α (init 0.5), the same in training and inference.
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs-core";
 * import { createNorm } from "@normbench/normbench";
 * const dyt = createNorm("dyt", 4, { alphaInit: 1 });
 * const y = dyt.apply(tf.zeros([1, 4]));
 * console.assert(y.dataSync()[0] === 0);
 * ```
 */
export class DynamicTanh extends NormBase {
  /** Registry name of DyT. */
  readonly name = "dyt" as const;
  /** Whether training normalizes with statistics over the batch. */
  readonly batchStatistics = false;
  /** α, a learned scalar. */
  readonly alpha: tf.Variable;
  /** γ, init 1. */
  readonly weight: tf.Variable;
  /** β, init 0. */
  readonly bias: tf.Variable;

  /** Prefer {@linkcode createNorm}, which validates and resolves `options`. */
  constructor(channels: number, options: ResolvedOptions, construction?: NormConstruction) {
    super(channels, options, construction);
    this.alpha = this.addVariable("alpha", () => tf.scalar(options.alphaInit as number), true);
    this.weight = this.addVariable("weight", () => tf.ones([channels]), true);
    this.bias = this.addVariable("bias", () => tf.zeros([channels]), true);
  }

  /** Normalizes `x` over its last axis (see {@linkcode Norm.apply}). */
  apply(x: tf.Tensor, _options: NormCallOptions = {}): tf.Tensor {
    this.checkInput(x);
    return tf.tidy(() => tf.add(tf.mul(tf.tanh(tf.mul(x, this.alpha)), this.weight), this.bias));
  }

  /** The inference map as statistic · scale + shift (see {@linkcode Norm.inferenceSplit}). */
  inferenceSplit(): InferenceSplit {
    const alpha = this.alpha;
    return {
      statistic: (x) => tf.tidy(() => tf.tanh(tf.mul(x, alpha))),
      scale: tf.clone(this.weight) as tf.Tensor1D,
      shift: tf.clone(this.bias) as tf.Tensor1D,
    };
  }
}

/**
 * The registry entry of `dyt`: Dynamic Tanh (Zhu et al. 2025); it leaves a per-token statistic at
 * inference.
 *
 * @example
 * ```ts
 * import { DYT } from "@normbench/normbench";
 * const norm = DYT.build(4, { alphaInit: 0.5 });
 * console.assert(norm.name === "dyt" && DYT.folds === "partial");
 * ```
 */
export const DYT: NormEntry = {
  title: "Dynamic Tanh (Zhu et al. 2025)",
  options: DYT_OPTIONS,
  build: (c, o, k) => new DynamicTanh(c, o, k),
  folds: "partial",
};
