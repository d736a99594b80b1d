/**
 * The contract every normalization layer of the zoo fulfils.
 *
 * @module
 */
import type * as tf from "@tensorflow/tfjs-core";
import type { ResolvedOptions } from "./options.ts";

/**
 * Creates the variables of a norm. `localName` is the norm's own name for it (`weight`,
 * `runningVar`, …); `trainable` is false for state (running statistics, counters, windows).
 * The default creates plain `tf.variable`s; the `tf.layers` wrapper passes one that creates layer
 * weights so that Keras-style save/load carries them.
 */
export type VariableFactory = (
  localName: string,
  initial: tf.Tensor,
  trainable: boolean,
) => tf.Variable;

/** How a norm is called. */
export interface NormCallOptions {
  /** Training mode: batch statistics, state updates, custom backward. Default false. */
  training?: boolean;
  /**
   * Pad mask of shape `x.shape.slice(0, -1)` (1 or true = padding). Batch-statistic norms leave
   * padded tokens out of their statistics; every position is still normalised. Others ignore it.
   */
  mask?: tf.Tensor;
  /**
   * Training mode only: when false, compute what the next training step would, but leave every
   * state variable (counters, running statistics, windows) as it is. Default true. Used by
   * finite-difference gradient checks.
   */
  commit?: boolean;
}

/**
 * A norm's inference-time map written as `statistic(x) · scale + shift`, where `scale` and
 * `shift` are per-channel (length C) and `statistic` is the per-token part that cannot be folded
 * into a neighbouring linear layer (`null` when there is none: the norm is a pure affine map).
 */
export interface InferenceSplit {
  /** The per-token part that stays an op after folding, or null. */
  statistic: ((x: tf.Tensor) => tf.Tensor) | null;
  /** Per-channel scale `a` (length C). */
  scale: tf.Tensor1D;
  /** Per-channel shift `b` (length C). */
  shift: tf.Tensor1D;
}

/** A normalization layer over the last axis (channels) of its input. */
export interface Norm {
  /** The registry name. */
  readonly name: string;
  /** Number of channels C (the last axis of the input). */
  readonly channels: number;
  /** True when training uses statistics over the batch (and so a pad mask matters). */
  readonly batchStatistics: boolean;
  /** The resolved options (every default filled in). */
  readonly options: Readonly<ResolvedOptions>;
  /** Applies the norm to `x` (any rank ≥ 2, channels last). */
  apply(x: tf.Tensor, options?: NormCallOptions): tf.Tensor;
  /** The trainable parameters (γ, β, α, η, …). */
  trainableVariables(): tf.Variable[];
  /** Every variable, trainable and state, by its local name. Save these to save the norm. */
  variables(): Record<string, tf.Variable>;
  /** Inference map as statistic · scale + shift, or null for `none`. Caller disposes the tensors. */
  inferenceSplit(): InferenceSplit | null;
  /** Restarts step counters (the UN authors reset `iters` before fine-tuning). */
  resetCounters(): void;
  /** Frees the variables. */
  dispose(): void;
}
