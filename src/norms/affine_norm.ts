/**
 * The shape most norms share: a per-token statistic, then a per-channel affine map γ·s + β with
 * γ initialised to 1 and β to 0. A subclass writes only its statistic.
 *
 * @module
 */
import * as tf from "../tf.ts";
import { NormBase, type NormConstruction } from "./base.ts";
import type { ResolvedOptions } from "./options.ts";
import type { InferenceSplit, NormCallOptions } from "./types.ts";

/**
 * A norm `statistic(x)·γ + β` whose statistic is all a subclass defines; `γ` (`weight`) and `β`
 * (`bias`) are its first variables. Its inference split is that statistic (in inference mode)
 * with γ and β as scale and shift.
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs-core";
 * import { AffineNorm } from "@normbench/normbench";
 * class Centre extends AffineNorm {
 *   readonly name = "centre";
 *   readonly batchStatistics = false;
 *   protected statistic(x: tf.Tensor): tf.Tensor {
 *     return tf.sub(x, tf.mean(x, -1, true));
 *   }
 * }
 * const y = new Centre(2, {}).apply(tf.tensor2d([[1, 3]]));
 * console.assert(y.dataSync()[0] === -1);
 * ```
 */
export abstract class AffineNorm extends NormBase {
  /** γ, init 1. */
  readonly weight: tf.Variable;
  /** β, init 0. */
  readonly bias: tf.Variable;

  /** Prefer {@linkcode createNorm}, which validates and resolves `options`. */
  constructor(channels: number, options: ResolvedOptions, construction?: NormConstruction) {
    super(channels, options, construction);
    this.weight = this.addVariable("weight", () => tf.ones([channels]), true);
    this.bias = this.addVariable("bias", () => tf.zeros([channels]), true);
  }

  /** The part before the affine map, in training (state updates included) or inference. */
  protected abstract statistic(x: tf.Tensor, options: NormCallOptions): tf.Tensor;

  /** Normalizes `x` (see {@linkcode Norm.apply}). */
  apply(x: tf.Tensor, options: NormCallOptions = {}): tf.Tensor {
    this.checkInput(x);
    return tf.tidy(() => tf.add(tf.mul(this.statistic(x, options), this.weight), this.bias));
  }

  /** The inference map as statistic · scale + shift (see {@linkcode Norm.inferenceSplit}). */
  inferenceSplit(): InferenceSplit {
    return {
      statistic: (x) => this.statistic(x, {}),
      scale: tf.clone(this.weight) as tf.Tensor1D,
      shift: tf.clone(this.bias) as tf.Tensor1D,
    };
  }
}
