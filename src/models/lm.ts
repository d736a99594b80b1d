/**
 * A decoder-only (GPT-like) language model: token and learned position embeddings, a causal
 * Transformer stack, and an output projection tied to the token embeddings (optionally untied).
 *
 * @module
 */
import * as tf from "../tf.ts";
import { resolveNorm } from "../norms/registry.ts";
import type { Norm } from "../norms/types.ts";
import type { ForwardContext } from "../nn/context.ts";
import { crossEntropy } from "../nn/cross_entropy.ts";
import { Dense } from "../nn/dense.ts";
import { dropout } from "../nn/dropout.ts";
import { Embedding } from "../nn/embedding.ts";
import { normal, truncatedNormal } from "../nn/init.ts";
import { attentionBias } from "../nn/masks.ts";
import { LearnedPositions } from "../nn/positions.ts";
import { Scope } from "../nn/scope.ts";
import { TransformerStack } from "../nn/stack.ts";
import { residualInput, residualWidth } from "../nn/zero_mean.ts";
import { BaseModel } from "./base.ts";
import type { StackConfig } from "./config.ts";
import type { LossOptions, NextTokenBatch } from "./types.ts";

/** The shape and recipe of a {@linkcode LanguageModel} (plain data). */
export interface LmConfig extends StackConfig {
  /** Always `lm`. */
  kind: "lm";
  /** Vocabulary size. */
  vocab: number;
  /** Longest context. */
  maxLen: number;
  /** Blocks. */
  layers: number;
  /** Whether the pad mask is passed to the norms. */
  maskNorms: boolean;
  /** Padding id (ignored as a target, masked as a key). */
  padId: number;
  /** Whether the output projection is the transposed token embedding. */
  tieEmbeddings: boolean;
}

/**
 * Decoder-only LM: `embed`, `pos`, `stack` (causal), and `head` when embeddings are untied.
 *
 * @example
 * ```ts
 * import { createModel } from "@normbench/normbench";
 * const lm = createModel({ model: "lm", preset: "tiny", norm: "rms" });
 * const logits = lm.logits({ kind: "lm", tokens: new Int32Array([3, 4, 5, 6]), shape: [1, 4] });
 * console.assert(logits.shape.join() === "1,3,32");
 * ```
 */
export class LanguageModel extends BaseModel<LmConfig, NextTokenBatch> {
  /** Token embeddings `[vocab, d]`. */
  readonly embed: Embedding;
  /** Learned positions. */
  readonly pos: LearnedPositions;
  /** Causal blocks and the final norm. */
  readonly stack: TransformerStack;
  /**
   * The untied output projection `[d, vocab]` (compressed: `[d−1, vocab]` with a bias, the final
   * norm's affine folded in), or null when tied.
   */
  readonly head: Dense | null;

  /** Builds the LM with freshly initialised weights (seed `config.seed`). */
  constructor(config: LmConfig) {
    const scope = new Scope({ seed: config.seed });
    super(config, scope);
    const init = truncatedNormal(0.02);
    // fairseq's embeddings (the UN and PowerNorm authors' code base): N(0, 1/d) rows scaled by
    // √d, learned positions N(0, 1/d), so tokens enter block 0 at unit scale for every norm.
    const embedInit = normal(config.dim ** -0.5);
    this.embed = new Embedding(scope.child("embed"), config.vocab, config.dim, {
      init: embedInit,
    });
    this.pos = new LearnedPositions(scope.child("pos"), config.maxLen, config.dim, {
      init: embedInit,
    });
    const norm = resolveNorm(config.norm, config.normOptions, { ...config, causal: true });
    const residualDim = residualWidth(config.dim, config);
    this.stack = new TransformerStack(scope.child("stack"), {
      ...config,
      norm,
      init,
      residualDim,
    });
    this.head = config.tieEmbeddings
      ? null
      : new Dense(scope.child("head"), residualDim, config.vocab, {
        init,
        bias: config.compressed === true,
      });
  }

  /** Every norm of the stack. */
  norms(): Norm[] {
    return this.stack.norms();
  }

  /** Next-token logits `[B, N, vocab]` for inputs `[B, N]`. */
  forward(tokens: tf.Tensor, ctx: ForwardContext): tf.Tensor3D {
    return tf.tidy(() => {
      const pad = tf.cast(tf.equal(tokens, this.config.padId), "float32");
      ctx.record?.padding(pad);
      const x = residualInput(
        dropout(
          this.pos.apply(this.embed.apply(tokens, Math.sqrt(this.config.dim))),
          this.config.dropout,
          ctx,
        ),
        this.config,
      );
      const h = this.stack.apply(x, {
        bias: attentionBias({ padMask: pad, causal: true }),
        normMask: this.config.maskNorms ? pad : undefined,
      }, ctx);
      return (this.head ? this.head.apply(h, ctx) : this.embed.logits(h)) as tf.Tensor3D;
    });
  }

  /** Inference logits `[B, N, vocab]` for a batch's inputs (`tokens[:, :-1]`). */
  logits(batch: NextTokenBatch, ctx: ForwardContext = { training: false }): tf.Tensor3D {
    return tf.tidy(() => this.forward(this.#split(batch).inputs, ctx));
  }

  /** Mean next-token cross-entropy over non-pad targets. */
  loss(batch: NextTokenBatch, ctx: ForwardContext, options: LossOptions = {}): tf.Scalar {
    return tf.tidy(() => {
      const { inputs, targets } = this.#split(batch);
      return crossEntropy(this.forward(inputs, ctx), targets, {
        smoothing: options.labelSmoothing,
        ignoreIndex: this.config.padId,
      });
    });
  }

  /** Multiply-accumulates of one forward pass over `batch` (matrix products only). */
  macs(batch: NextTokenBatch): number {
    const [b, n1] = batch.shape;
    const n = n1 - 1;
    return this.stack.macs(b, n) + b * n * this.config.dim * this.config.vocab;
  }

  #split(batch: NextTokenBatch): { inputs: tf.Tensor2D; targets: tf.Tensor2D } {
    const [b, n1] = batch.shape;
    const all = tf.tensor2d(batch.tokens, [b, n1], "int32");
    return {
      inputs: tf.slice(all, [0, 0], [b, n1 - 1]),
      targets: tf.slice(all, [0, 1], [b, n1 - 1]),
    };
  }
}
