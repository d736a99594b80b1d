/**
 * Dynamic Tanh (Zhu et al., CVPR 2025): a normalization-free stand-in, γ·tanh(α·x) + β.
 *
 * @module
 */
import * as tf from "../tf.ts";
import { AffineNorm } from "./affine_norm.ts";
import type { NormConstruction } from "./base.ts";
import type { OptionSpecs, ResolvedOptions } from "./options.ts";
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
export class DynamicTanh extends AffineNorm {
  /** Registry name of DyT. */
  readonly name = "dyt" as const;
  /** Whether training normalizes with statistics over the batch. */
  readonly batchStatistics = false;
  /** α, a learned scalar. */
  readonly alpha: tf.Variable;

  /** Prefer {@linkcode createNorm}, which validates and resolves `options`. */
  constructor(channels: number, options: ResolvedOptions, construction?: NormConstruction) {
    super(channels, options, construction);
    this.alpha = this.addVariable("alpha", () => tf.scalar(options.alphaInit as number), true);
  }

  /** tanh(α·x), the same in training and inference. */
  protected statistic(x: tf.Tensor): tf.Tensor {
    return tf.tidy(() => tf.tanh(tf.mul(x, this.alpha)));
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
