/**
 * The position-wise feed-forward sublayer: `fc2(drop(act(fc1(x))))`.
 *
 * @module
 */
import type * as tf from "../tf.ts";
import { activate, type ActivationName } from "./activations.ts";
import type { ForwardContext } from "./context.ts";
import { Dense } from "./dense.ts";
import { dropout } from "./dropout.ts";
import type { Initializer } from "./init.ts";
import type { Scope } from "./scope.ts";

/** Options of {@linkcode FeedForward}. */
export interface FeedForwardOptions {
  /** Model width d. */
  dim: number;
  /** Hidden width. */
  hidden: number;
  /** `relu` (fused into the first product) or `gelu`. */
  activation: ActivationName;
  /** Dropout after the activation (default 0). */
  dropout?: number;
  /** Initialiser of both layers (default Xavier uniform). */
  init?: Initializer;
  /** Weight Standardization of both layers (default false). */
  standardize?: boolean;
  /** σReparam on both linears (see `DenseOptions.sigmaReparam`; default false). */
  sigmaReparam?: boolean;
  /** `fc2` writes zero-mean vectors (see `DenseOptions.centerOutputs`; default false). */
  centerOutput?: boolean;
}

/**
 * Two dense layers `fc1` `[d, hidden]` (the layer a Pre-norm's FFN norm folds into) and `fc2`
 * `[hidden, d]` with an activation between them.
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs-core";
 * import { FeedForward, Scope } from "@normbench/normbench";
 * const ffn = new FeedForward(new Scope({ seed: 0 }), { dim: 4, hidden: 8, activation: "gelu" });
 * console.assert(ffn.apply(tf.ones([2, 3, 4]), { training: false }).shape.join() === "2,3,4");
 * ```
 */
export class FeedForward {
  /** `[d, hidden]` */
  readonly fc1: Dense;
  /** `[hidden, d]` */
  readonly fc2: Dense;
  /** The activation. */
  readonly activation: ActivationName;
  /** Dropout after the activation. */
  readonly dropoutRate: number;

  /** Creates `fc1` and `fc2` under `scope`. */
  constructor(scope: Scope, options: FeedForwardOptions) {
    this.activation = options.activation;
    this.dropoutRate = options.dropout ?? 0;
    const dense = {
      init: options.init,
      standardize: options.standardize,
      sigmaReparam: options.sigmaReparam,
    };
    this.fc1 = new Dense(scope.child("fc1"), options.dim, options.hidden, {
      ...dense,
      activation: options.activation === "relu" ? "relu" : "linear",
    });
    this.fc2 = new Dense(scope.child("fc2"), options.hidden, options.dim, {
      ...dense,
      centerOutputs: options.centerOutput,
    });
  }

  /** `[…, d]` → `[…, d]`. */
  apply(x: tf.Tensor, ctx: ForwardContext): tf.Tensor {
    let h = this.fc1.apply(x, ctx);
    if (this.activation !== "relu") h = activate(h, this.activation);
    return this.fc2.apply(dropout(h, this.dropoutRate, ctx), ctx);
  }

  /** Multiply-accumulates of one forward over `tokens` positions. */
  macs(tokens: number): number {
    return this.fc1.macs(tokens) + this.fc2.macs(tokens);
  }
}
