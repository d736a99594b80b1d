/**
 * The Transformer block: (self-attention, optional cross-attention, feed-forward), each a
 * residual sublayer with a norm of the zoo at a placement `pre | post | peri`.
 *
 * @module
 */
import * as tf from "../tf.ts";
import type { NormFactory } from "../norms/registry.ts";
import type { Norm } from "../norms/types.ts";
import type { ActivationName } from "./activations.ts";
import { type KeyValueCache, MultiHeadAttention } from "./attention.ts";
import { type ForwardContext, runNorm } from "./context.ts";
import { dropout } from "./dropout.ts";
import { FeedForward } from "./feed_forward.ts";
import type { Initializer } from "./init.ts";
import type { Scope } from "./scope.ts";
import { UsageError } from "../util/errors.ts";

/**
 * Where a block's norms sit: `pre` normalises each sublayer's input, `post` the sum after the
 * residual, `peri` both the sublayer's input and its output (Peri-LN).
 */
export type Placement = "pre" | "post" | "peri";

/**
 * A model's placement: one for every block, or `mix` (Mix-LN: the first ⌊αL⌋ blocks post, the
 * rest pre; α = `mixFraction`, default {@linkcode MIX_POST_FRACTION}).
 */
export type ModelPlacement = Placement | "mix";

/**
 * Every model placement, for error messages.
 *
 * @example
 * ```ts
 * import { PLACEMENTS } from "@normbench/normbench";
 * console.assert(PLACEMENTS.join() === "pre,post,peri,mix");
 * ```
 */
export const PLACEMENTS: readonly ModelPlacement[] = ["pre", "post", "peri", "mix"];

/**
 * The default fraction α of Mix-LN's post-norm layers (Li et al. 2024 recommend 0.25).
 *
 * @example
 * ```ts
 * import { MIX_POST_FRACTION } from "@normbench/normbench";
 * console.assert(Math.floor(MIX_POST_FRACTION * 8) === 2); // 2 of 8 layers are post-norm
 * ```
 */
export const MIX_POST_FRACTION = 0.25;

/**
 * Throws a {@linkcode UsageError} listing the valid placements unless `name` is one.
 *
 * @example
 * ```ts
 * import { parsePlacement } from "@normbench/normbench";
 * console.assert(parsePlacement("peri") === "peri");
 * ```
 */
export function parsePlacement(name: string): ModelPlacement {
  if ((PLACEMENTS as readonly string[]).includes(name)) return name as ModelPlacement;
  throw new UsageError(`unknown placement '${name}'`, `use one of: ${PLACEMENTS.join(", ")}`);
}

/**
 * The placement of block `index` of `layers` under a model placement: `mix` gives the first
 * ⌊α·layers⌋ blocks `post` and the rest `pre` (α = `mixFraction`, default 0.25).
 *
 * @example
 * ```ts
 * import { blockPlacement } from "@normbench/normbench";
 * console.assert(blockPlacement("mix", 0, 8) === "post" && blockPlacement("mix", 2, 8) === "pre");
 * console.assert(blockPlacement("mix", 5, 12, 0.5) === "post"); // half of 12 layers post
 * ```
 */
export function blockPlacement(
  placement: ModelPlacement,
  index: number,
  layers: number,
  mixFraction: number = MIX_POST_FRACTION,
): Placement {
  if (placement !== "mix") return placement;
  return index < Math.floor(mixFraction * layers) ? "post" : "pre";
}

/**
 * LayerNorm Scaling ("The Curse of Depth", Sun et al. 2025): the factor 1/√ℓ that multiplies
 * every norm output of block ℓ (1-based), or 1 when off.
 *
 * @example
 * ```ts
 * import { lnScalingFactor } from "@normbench/normbench";
 * console.assert(lnScalingFactor(true, 3) === 0.5 && lnScalingFactor(false, 3) === 1);
 * ```
 */
export function lnScalingFactor(on: boolean, index: number): number {
  return on ? 1 / Math.sqrt(index + 1) : 1;
}

/** Options of {@linkcode TransformerBlock}. */
export interface BlockOptions {
  /** Model width d. */
  dim: number;
  /** Attention heads. */
  heads: number;
  /** Feed-forward hidden width. */
  ffnDim: number;
  /** Feed-forward activation. */
  activation: ActivationName;
  /** The norm of every slot, resolved once (see `resolveNorm`). */
  norm: NormFactory;
  /** This block's placement. */
  placement: Placement;
  /** Whether the block has cross-attention to a memory (a decoder block). */
  cross?: boolean;
  /** Dropout on each sublayer's output before the residual sum (default 0). */
  dropout?: number;
  /** Dropout on attention probabilities (default 0). */
  attentionDropout?: number;
  /** Dropout after the feed-forward activation (default 0). */
  activationDropout?: number;
  /** Initialiser of the linear layers. */
  init?: Initializer;
  /** σReparam on every linear of the block (default false). */
  sigmaReparam?: boolean;
  /** Factor on every norm output of the block (LayerNorm Scaling's 1/√ℓ; default 1). */
  normScale?: number;
  /**
   * Width of the residual stream: the norms' width, what the sublayers read and write (default
   * `dim`; d−1 in a Pre-CRMSNorm model, whose stream is compressed). Inner widths stay `dim`.
   */
  residualDim?: number;
  /** Attention `out` and `ffn.fc2` write zero-mean vectors (Pre-RMSNorm; default false). */
  centered?: boolean;
}

/** What a block's forward needs besides `x`. */
export interface BlockInputs {
  /** Additive self-attention mask (pad and/or causal), broadcastable to `[H, B, N, N]`. */
  bias?: tf.Tensor | null;
  /** Cross-attention: the encoder output `[B, M, d]`. */
  memory?: tf.Tensor;
  /** Cross-attention mask (the memory's padding), broadcastable to `[H, B, N, M]`. */
  memoryBias?: tf.Tensor | null;
  /** Pad mask `[B, N]` (1 = padding) handed to the norms, or undefined to pass none. */
  normMask?: tf.Tensor;
}

/** One residual sublayer: its norm(s) and function. */
interface Sublayer {
  norm: Norm;
  outNorm: Norm | null;
}

/**
 * A Transformer block with explicit, named parts so that tools can reach them: `attnNorm` and
 * `attn` (its fused `qkv` is the linear layer a Pre-norm attention norm folds into), optional
 * `crossNorm`/`cross`, `ffnNorm` and `ffn` (`ffn.fc1` takes the FFN norm's fold). Peri
 * placement adds `attnOutNorm`, `crossOutNorm`, `ffnOutNorm`.
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs-core";
 * import { resolveNorm, Scope, TransformerBlock } from "@normbench/normbench";
 * const block = new TransformerBlock(new Scope({ seed: 0 }), {
 *   dim: 8, heads: 2, ffnDim: 16, activation: "relu", norm: resolveNorm("un"), placement: "pre",
 * });
 * const y = block.apply(tf.randomNormal([2, 3, 8]), {}, { training: true });
 * console.assert(y.shape.join() === "2,3,8");
 * ```
 */
export class TransformerBlock {
  /** This block's placement. */
  readonly placement: Placement;
  /** Norm of the self-attention sublayer (input norm for pre/peri, output norm for post). */
  readonly attnNorm: Norm;
  /** Peri only: the norm of the self-attention output. */
  readonly attnOutNorm: Norm | null;
  /** Self-attention. */
  readonly attn: MultiHeadAttention;
  /** Norm of the cross-attention sublayer, or null without cross-attention. */
  readonly crossNorm: Norm | null;
  /** Peri only: the norm of the cross-attention output. */
  readonly crossOutNorm: Norm | null;
  /** Cross-attention, or null. */
  readonly cross: MultiHeadAttention | null;
  /** Norm of the feed-forward sublayer. */
  readonly ffnNorm: Norm;
  /** Peri only: the norm of the feed-forward output. */
  readonly ffnOutNorm: Norm | null;
  /** The feed-forward sublayer. */
  readonly ffn: FeedForward;
  /** Dropout on sublayer outputs. */
  readonly dropoutRate: number;
  /** Factor on every norm output (LayerNorm Scaling's 1/√ℓ, else 1). */
  readonly normScale: number;

  /** Creates the block's norms (through the registry) and sublayers under `scope`. */
  constructor(scope: Scope, options: BlockOptions) {
    const { dim, heads, placement } = options;
    this.placement = placement;
    this.dropoutRate = options.dropout ?? 0;
    this.normScale = options.normScale ?? 1;
    if (!(this.normScale > 0) || !Number.isFinite(this.normScale)) {
      throw new UsageError(
        `block norm scale must be a positive number, got ${options.normScale}`,
        "pass 1/√ℓ for LayerNorm Scaling or leave it unset",
      );
    }
    const linear = {
      init: options.init,
      standardize: options.norm.weightStandardization,
      sigmaReparam: options.sigmaReparam,
    };
    const residualDim = options.residualDim ?? dim;
    const writers = { residualDim, centerOutput: options.centered };
    const makeNorm = (name: string): Norm => scope.norm(name, options.norm, residualDim);
    const peri = placement === "peri";
    const attnDrop = options.attentionDropout ?? 0;
    this.attnNorm = makeNorm("attn_norm");
    this.attnOutNorm = peri ? makeNorm("attn_out_norm") : null;
    this.attn = new MultiHeadAttention(scope.child("attn"), {
      dim,
      heads,
      dropout: attnDrop,
      ...linear,
      ...writers,
    });
    if (options.cross) {
      this.crossNorm = makeNorm("cross_norm");
      this.crossOutNorm = peri ? makeNorm("cross_out_norm") : null;
      this.cross = new MultiHeadAttention(scope.child("cross"), {
        dim,
        heads,
        dropout: attnDrop,
        kind: "cross",
        ...linear,
        ...writers,
      });
    } else {
      this.crossNorm = this.crossOutNorm = this.cross = null;
    }
    this.ffnNorm = makeNorm("ffn_norm");
    this.ffnOutNorm = peri ? makeNorm("ffn_out_norm") : null;
    this.ffn = new FeedForward(scope.child("ffn"), {
      dim: residualDim,
      centerOutput: options.centered,
      hidden: options.ffnDim,
      activation: options.activation,
      dropout: options.activationDropout,
      ...linear,
    });
  }

  /** `[B, N, d]` → `[B, N, d]` (an inference plan in `ctx` may stand in for norms and weights). */
  apply(x: tf.Tensor, inputs: BlockInputs, ctx: ForwardContext): tf.Tensor {
    return tf.tidy(() => {
      const norm = (n: Norm, t: tf.Tensor) => this.#scaled(runNorm(n, t, ctx, inputs.normMask));
      const sub = (h: tf.Tensor, s: Sublayer, f: (t: tf.Tensor) => tf.Tensor): tf.Tensor => {
        switch (this.placement) {
          case "pre":
            return tf.add(h, dropout(f(norm(s.norm, h)), this.dropoutRate, ctx));
          case "post":
            return norm(s.norm, tf.add(h, dropout(f(h), this.dropoutRate, ctx)));
          case "peri": {
            const out = norm(s.outNorm!, f(norm(s.norm, h)));
            return tf.add(h, dropout(out, this.dropoutRate, ctx));
          }
        }
      };
      let h = sub(
        x,
        { norm: this.attnNorm, outNorm: this.attnOutNorm },
        (t) => this.attn.apply(t, { bias: inputs.bias }, ctx),
      );
      if (this.cross) {
        h = sub(
          h,
          { norm: this.crossNorm!, outNorm: this.crossOutNorm },
          (t) => this.cross!.apply(t, { memory: inputs.memory, bias: inputs.memoryBias }, ctx),
        );
      }
      return sub(
        h,
        { norm: this.ffnNorm, outNorm: this.ffnOutNorm },
        (t) => this.ffn.apply(t, ctx),
      );
    });
  }

  /**
   * Inference for one new position `[B, 1, d]` (incremental decoding): uses and extends the
   * self-attention cache; `memoryKv` holds the cross-attention keys/values of the memory.
   */
  step(
    x: tf.Tensor,
    state: { cache: KeyValueCache | null; memoryKv?: KeyValueCache; memoryBias?: tf.Tensor | null },
  ): { y: tf.Tensor; cache: KeyValueCache } {
    return tf.tidy(() => {
      const norm = (n: Norm, t: tf.Tensor) => this.#scaled(n.apply(t, { training: false }));
      let cache: KeyValueCache | null = null;
      const sub = (h: tf.Tensor, s: Sublayer, f: (t: tf.Tensor) => tf.Tensor): tf.Tensor => {
        switch (this.placement) {
          case "pre":
            return tf.add(h, f(norm(s.norm, h)));
          case "post":
            return norm(s.norm, tf.add(h, f(h)));
          case "peri":
            return tf.add(h, norm(s.outNorm!, f(norm(s.norm, h))));
        }
      };
      let h = sub(x, { norm: this.attnNorm, outNorm: this.attnOutNorm }, (t) => {
        const r = this.attn.step(t, { cache: state.cache });
        cache = r.cache;
        return r.y;
      });
      if (this.cross) {
        h = sub(
          h,
          { norm: this.crossNorm!, outNorm: this.crossOutNorm },
          (t) => this.cross!.step(t, { memoryKv: state.memoryKv, bias: state.memoryBias }).y,
        );
      }
      const y = sub(
        h,
        { norm: this.ffnNorm, outNorm: this.ffnOutNorm },
        (t) => this.ffn.apply(t, { training: false }),
      );
      return { y, cache: cache! };
    });
  }

  /** A norm output times the block's norm scale (no op at 1). */
  #scaled(t: tf.Tensor): tf.Tensor {
    return this.normScale === 1 ? t : tf.mul(t, this.normScale);
  }

  /** Every norm of the block, in order. */
  norms(): Norm[] {
    return [
      this.attnNorm,
      this.attnOutNorm,
      this.crossNorm,
      this.crossOutNorm,
      this.ffnNorm,
      this.ffnOutNorm,
    ].filter((n): n is Norm => n !== null);
  }

  /** Multiply-accumulates of one forward: `batch` sequences of `n` positions, memory `m`. */
  macs(batch: number, n: number, m = 0): number {
    const tokens = batch * n;
    return this.attn.macs(batch, n) + (this.cross ? this.cross.macs(batch, n, m) : 0) +
      this.ffn.macs(tokens);
  }
}
