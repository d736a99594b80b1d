/**
 * LayerNorm (Ba et al. 2016): token statistics over channels, then a per-channel affine map.
 *
 * @module
 */
import * as tf from "../tf.ts";
import { NormBase, type NormConstruction } from "./base.ts";
import type { OptionSpecs, ResolvedOptions } from "./options.ts";
import type { InferenceSplit, NormCallOptions } from "./types.ts";

/** Options of `ln`. */
export const LAYER_NORM_OPTIONS: OptionSpecs = {
  eps: { default: 1e-5, rule: "positive", doc: "added to the token variance" },
};

/** Standardises each token over its channels: (x − μ_tok) / sqrt(σ²_tok + eps). */
export function standardize(x: tf.Tensor, eps: number): tf.Tensor {
  return tf.tidy(() => {
    const { mean, variance } = tf.moments(x, -1, true);
    return tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, eps)));
  });
}

/**
 * `ln`: γ(x − μ_tok)/sqrt(σ²_tok + ε) + β, the same in training and inference.
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs-core";
 * import { createNorm } from "@normbench/normbench";
 * const ln = createNorm("ln", 8);
 * const y = ln.apply(tf.randomNormal([2, 3, 8]));
 * console.assert(y.shape.join() === "2,3,8");
 * ```
 */
export class LayerNorm extends NormBase {
  readonly name = "ln" as const;
  readonly batchStatistics = false;
  /** γ, init 1. */
  readonly weight: tf.Variable;
  /** β, init 0. */
  readonly bias: tf.Variable;

  constructor(channels: number, options: ResolvedOptions, construction?: NormConstruction) {
    super(channels, options, construction);
    this.weight = this.addVariable("weight", () => tf.ones([channels]), true);
    this.bias = this.addVariable("bias", () => tf.zeros([channels]), true);
  }

  apply(x: tf.Tensor, _options: NormCallOptions = {}): tf.Tensor {
    this.checkInput(x);
    return tf.tidy(() =>
      tf.add(tf.mul(standardize(x, this.options.eps as number), this.weight), this.bias)
    );
  }

  inferenceSplit(): InferenceSplit {
    const eps = this.options.eps as number;
    return {
      statistic: (x) => standardize(x, eps),
      scale: tf.clone(this.weight) as tf.Tensor1D,
      shift: tf.clone(this.bias) as tf.Tensor1D,
    };
  }
}
