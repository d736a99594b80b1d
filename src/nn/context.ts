/**
 * What every module's forward receives: the mode, the randomness of this step and, for timed
 * inference, a plan of stand-ins (a norm run as a fused kernel or folded into the next linear
 * layer, that layer's folded weights) — so that one forward pass serves training, evaluation
 * and every efficiency variant.
 *
 * @module
 */
import type * as tf from "../tf.ts";
import type { Norm } from "../norms/types.ts";
import type { FusedActivation } from "./linear.ts";
import type { ForwardRecorder } from "./recorder.ts";
import type { SeededRng } from "../util/random.ts";

/** A linear layer's weights at inference: `act(x·kernel + bias)`. */
export interface InferenceLinear {
  /** `[in, out]` */
  kernel: tf.Tensor2D;
  /** `[out]` or null. */
  bias: tf.Tensor1D | null;
  /** Fused activation. */
  activation: FusedActivation;
}

/**
 * Stand-ins for inference: what runs in place of a norm slot, and which weights a linear layer
 * uses instead of its own (a norm folded into it). Anything the plan does not name runs as
 * usual.
 */
export interface InferencePlan {
  /** The op run in place of `norm` (by object), or undefined to run the norm itself. */
  norm(norm: Norm): ((x: tf.Tensor) => tf.Tensor) | undefined;
  /** The weights `layer` uses instead of its own, or undefined. */
  linear(layer: object): InferenceLinear | undefined;
}

/** The mode of a forward pass. */
export interface ForwardContext {
  /** Training mode: dropout on, batch statistics and state updates in the norms. */
  training: boolean;
  /** Draws dropout masks; required in training mode when any dropout rate is above 0. */
  rng?: SeededRng;
  /** Inference stand-ins (efficiency variants); absent in training and ordinary evaluation. */
  plan?: InferencePlan;
  /**
   * Per-layer diagnostics of this forward (see `LayerRecorder`); absent — the default — nothing
   * is recorded and no extra op runs.
   */
  record?: ForwardRecorder;
  /** The index of the block running (set by a stack for its blocks while `record` is present). */
  layer?: number;
  /** Blocks a stack skips, by index: their output is their input (layer importance). */
  skipLayers?: ReadonlySet<number>;
}

/**
 * A norm slot's forward: the plan's stand-in if it names one, else the norm itself.
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs-core";
 * import { createNorm, runNorm } from "@normbench/normbench";
 * const ln = createNorm("ln", 4);
 * const plan = { norm: () => (x: tf.Tensor) => tf.neg(x), linear: () => undefined };
 * const y = runNorm(ln, tf.ones([1, 4]), { training: false, plan });
 * console.assert(y.dataSync()[0] === -1);
 * ```
 */
export function runNorm(
  norm: Norm,
  x: tf.Tensor,
  ctx: ForwardContext,
  mask?: tf.Tensor,
): tf.Tensor {
  const op = ctx.plan?.norm(norm);
  return op ? op(x) : norm.apply(x, { training: ctx.training, mask });
}
