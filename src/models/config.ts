/**
 * The fields every model config shares: the Transformer stack's shape, its norm and recipe.
 *
 * @module
 */
import type { ActivationName } from "../nn/activations.ts";
import type { ModelPlacement } from "../nn/block.ts";

/**
 * The Transformer part of a model config (plain data), extended by each model's own config.
 *
 * @example
 * ```ts
 * import type { StackConfig } from "@normbench/normbench";
 * const stack: StackConfig = {
 *   dim: 64, heads: 4, ffnDim: 256, activation: "gelu", dropout: 0.1, attentionDropout: 0,
 *   norm: "un", normOptions: {}, placement: "pre", seed: 0,
 * };
 * console.assert(stack.dim % stack.heads === 0);
 * ```
 */
export interface StackConfig {
  /** Width d. */
  dim: number;
  /** Attention heads. */
  heads: number;
  /** Feed-forward hidden width. */
  ffnDim: number;
  /** Feed-forward activation. */
  activation: ActivationName;
  /** Dropout on embeddings and sublayer outputs. */
  dropout: number;
  /** Dropout on attention probabilities. */
  attentionDropout: number;
  /** Registry name of the norm. */
  norm: string;
  /** The norm's options. */
  normOptions: Record<string, unknown>;
  /** Norm placement. */
  placement: ModelPlacement;
  /** Mix-LN's fraction of post-norm blocks under placement `mix` (absent: 0.25). */
  mixFraction?: number;
  /** LayerNorm Scaling (Curse of Depth): norm outputs of block ℓ times 1/√ℓ (absent: off). */
  lnScaling?: boolean;
  /** σReparam on every linear of the Transformer blocks (absent: off). */
  sigmaReparam?: boolean;
  /**
   * Pre-RMSNorm's zero-mean residual stream (absent: off): the embedding sum is centered per
   * token, and attention `out` and `ffn.fc2` use their kernel and bias centered over output
   * units. Placement `pre` only (see `convertPreLnToPreRms`).
   */
  centered?: boolean;
  /**
   * Pre-CRMSNorm's compressed residual stream (absent: off): the zero-mean stream is kept as its
   * first d−1 channels — the embedding sum centered and its last channel dropped, every norm of
   * width d−1, the sublayers reading and writing d−1 channels. Norm `crms`, placement `pre` only
   * (see `convertPreLnToPreCrms`).
   */
  compressed?: boolean;
  /** Seed of the initial weights. */
  seed: number;
}
