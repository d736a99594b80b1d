/**
 * A fully connected layer with named variables `kernel` `[in, out]` and `bias` `[out]`.
 *
 * @module
 */
import * as tf from "../tf.ts";
import { standardizeWeight } from "../norms/weight_standardization.ts";
import { SigmaReparam } from "../norms/sigma_reparam.ts";
import { UsageError } from "../util/errors.ts";
import { constant, type Initializer, xavierUniform } from "./init.ts";
import { type FusedActivation, linear } from "./linear.ts";
import type { Scope } from "./scope.ts";
import type { ForwardContext } from "./context.ts";
import { centerChannels } from "./zero_mean.ts";

/** Options of {@linkcode Dense}. */
export interface DenseOptions {
  /** Whether the layer has a bias (default true). */
  bias?: boolean;
  /** Kernel initialiser (default Xavier uniform). */
  init?: Initializer;
  /** Bias initialiser (default zeros). */
  biasInit?: Initializer;
  /** Activation fused into the product (default `linear`). */
  activation?: FusedActivation;
  /** Whether gradients flow to the input (default true; false for a first layer on data). */
  inputGrad?: boolean;
  /** Weight Standardization: use the kernel standardised per output unit (default false). */
  standardize?: boolean;
  /**
   * σReparam (Zhai et al. 2023): use γ·kernel/σ(kernel), σ by one power iteration per training
   * step, γ learned and initialised to σ(W₀) (default false). Not with `standardize`.
   */
  sigmaReparam?: boolean;
  /**
   * Zero-mean outputs: use the kernel and bias minus their mean over the output units, so that
   * every output vector sums to zero and gradients are projected the same way (Pre-RMSNorm's
   * residual writers; default false).
   */
  centerOutputs?: boolean;
}

/**
 * `y = act(x·kernel + bias)` over the last axis of `x`, with the fast backward of
 * {@linkcode linear}. The variables are public so that a norm can be folded into them.
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs-core";
 * import { Dense, Scope } from "@normbench/normbench";
 * const dense = new Dense(new Scope({ seed: 0 }).child("fc"), 4, 3);
 * console.assert(dense.apply(tf.ones([2, 4])).shape.join() === "2,3");
 * ```
 *
 * @example
 * ```ts
 * // σReparam: γ·kernel/σ, σ by one power iteration per training forward
 * import * as tf from "@tensorflow/tfjs-core";
 * import { Dense, Scope } from "@normbench/normbench";
 * const scope = new Scope({ seed: 0 });
 * const dense = new Dense(scope.child("fc"), 4, 3, { sigmaReparam: true });
 * const y = dense.apply(tf.ones([2, 4]), { training: true });
 * console.assert(y.shape.join() === "2,3" && "fc/sigma_reparam/gamma" in scope.variables());
 * ```
 */
export class Dense {
  /** Input width. */
  readonly inDim: number;
  /** Output width. */
  readonly outDim: number;
  /** `[in, out]` */
  readonly kernel: tf.Variable;
  /** `[out]`, or null without bias. */
  readonly bias: tf.Variable | null;
  /** The fused activation. */
  readonly activation: FusedActivation;
  /** Whether the layer uses its kernel standardised (Weight Standardization). */
  readonly standardize: boolean;
  /**
   * The σReparam state (`gamma`, `u`, `sigma`, registered as `<path>/sigma_reparam/…`), or null
   * when the layer uses its kernel as it is.
   */
  readonly sigmaReparam: SigmaReparam | null;
  /** Whether the layer uses its kernel and bias centered over the output units. */
  readonly centerOutputs: boolean;
  readonly #inputGrad: boolean;

  /**
   * Creates `kernel` and (unless `bias: false`) `bias` under `scope`, and with `sigmaReparam`
   * the σReparam state of the initial kernel.
   */
  constructor(scope: Scope, inDim: number, outDim: number, options: DenseOptions = {}) {
    if (options.standardize && options.sigmaReparam) {
      throw new UsageError(
        `dense layer '${scope.path}' asks for both Weight Standardization and σReparam`,
        "they reparametrize the same kernel: pass standardize or sigmaReparam, not both",
      );
    }
    this.inDim = inDim;
    this.outDim = outDim;
    this.kernel = scope.param("kernel", [inDim, outDim], options.init ?? xavierUniform());
    this.bias = options.bias === false
      ? null
      : scope.param("bias", [outDim], options.biasInit ?? constant(0));
    this.activation = options.activation ?? "linear";
    this.standardize = options.standardize ?? false;
    this.sigmaReparam = options.sigmaReparam
      ? new SigmaReparam(this.kernel as tf.Tensor2D, {
        variableFactory: scope.variableFactory("sigma_reparam"),
      })
      : null;
    this.centerOutputs = options.centerOutputs ?? false;
    this.#inputGrad = options.inputGrad ?? true;
  }

  /**
   * The kernel the product uses at inference: the raw kernel, or a new tensor — standardised per
   * output unit, or σReparam's γ·kernel/σ with the last σ; centered over the output units with
   * `centerOutputs`.
   */
  weight(): tf.Tensor2D {
    return this.#weight(false);
  }

  /** The kernel of a training (one σReparam power iteration) or inference forward. */
  #weight(training: boolean): tf.Tensor2D {
    const kernel = this.kernel as tf.Tensor2D;
    const w = this.sigmaReparam
      ? this.sigmaReparam.weight(kernel, { training })
      : (this.standardize ? standardizeWeight(kernel) : kernel) as tf.Tensor2D;
    return this.centerOutputs ? centerChannels(w) as tf.Tensor2D : w;
  }

  /**
   * The bias the product uses: the raw bias, a new tensor centered over the output units with
   * `centerOutputs`, or null (dispose it if it is not {@linkcode Dense.bias}).
   */
  biasValue(): tf.Tensor1D | null {
    const bias = this.bias as tf.Tensor1D | null;
    return bias && this.centerOutputs ? centerChannels(bias) as tf.Tensor1D : bias;
  }

  /**
   * Applies the layer to `x` (`[…, in]` → `[…, out]`); an inference plan in `ctx` may stand in
   * folded weights for its own. With σReparam a training forward (`ctx.training`) runs one power
   * iteration and stores the new u and σ.
   */
  apply(x: tf.Tensor, ctx?: ForwardContext): tf.Tensor {
    const folded = ctx?.plan?.linear(this);
    if (folded) {
      return linear(x, folded.kernel, folded.bias, {
        activation: folded.activation,
        inputGrad: false,
      });
    }
    return tf.tidy(() =>
      linear(x, this.#weight(ctx?.training ?? false), this.biasValue(), {
        activation: this.activation,
        inputGrad: this.#inputGrad,
      })
    );
  }

  /** Multiply-accumulates of one application to `tokens` rows (FLOPs = 2×). */
  macs(tokens: number): number {
    return tokens * this.inDim * this.outDim;
  }
}
