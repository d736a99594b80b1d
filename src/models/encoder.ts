/**
 * A BERT-like encoder: token and learned position embeddings, a Transformer stack, a pooled
 * classification head and a masked-language-model head tied to the token embeddings.
 *
 * @module
 */
import * as tf from "../tf.ts";
import type { Norm } from "../norms/types.ts";
import { activate } from "../nn/activations.ts";
import { normEntry, parseNormSpec, resolveNorm } from "../norms/registry.ts";
import { type ForwardContext, runNorm } from "../nn/context.ts";
import { crossEntropy } from "../nn/cross_entropy.ts";
import { Dense } from "../nn/dense.ts";
import { dropout } from "../nn/dropout.ts";
import { Embedding } from "../nn/embedding.ts";
import { constant, normal, truncatedNormal } from "../nn/init.ts";
import { attentionBias, padMaskOf } from "../nn/masks.ts";
import { LearnedPositions } from "../nn/positions.ts";
import { Scope } from "../nn/scope.ts";
import { TransformerStack } from "../nn/stack.ts";
import { residualInput, residualWidth } from "../nn/zero_mean.ts";
import { BaseModel } from "./base.ts";
import type { StackConfig } from "./config.ts";
import type { ClassifyBatch, LossOptions, MlmBatch } from "./types.ts";
import { UsageError } from "../util/errors.ts";

/** The shape and recipe of an {@linkcode Encoder} (plain data). */
export interface EncoderConfig extends StackConfig {
  /** Always `encoder`. */
  kind: "encoder";
  /** Vocabulary size. */
  vocab: number;
  /** Longest sequence. */
  maxLen: number;
  /** Number of classes of the classification head. */
  classes: number;
  /** Blocks. */
  layers: number;
  /** Whether the pad mask is passed to the norms (default in presets: false). */
  maskNorms: boolean;
  /** The padding id (masked in attention). */
  padId: number;
  /** `cls`: the first token through a tanh pooler (BERT); `mean`: mean over non-pad tokens. */
  pooling: "cls" | "mean";
  /**
   * The MLM head's norm when it differs from the stack's `norm` (it reads a GELU output, not the
   * residual stream, so a Pre-RMSNorm conversion keeps LayerNorm there); it takes those of the
   * model's `normOptions` it knows.
   */
  mlmNorm?: string;
}

/**
 * BERT-like encoder: `embed`, `pos`, `stack`, `pooler` and `classifier` (classification),
 * `mlm/dense`, `mlm/norm` and `mlm/bias` (MLM head, output tied to `embed`).
 *
 * @example
 * ```ts
 * import { createModel } from "@normbench/normbench";
 * const enc = createModel({ model: "encoder", preset: "tiny", norm: "un" });
 * const batch = { kind: "classify" as const, tokens: new Int32Array([5, 6, 7, 0]), shape: [1, 4] as [number, number], labels: new Int32Array([1]) };
 * console.assert(enc.classify(batch).shape.join() === "1,2");
 * ```
 */
export class Encoder extends BaseModel<EncoderConfig, ClassifyBatch | MlmBatch> {
  /** Token embeddings `[vocab, d]` (also the MLM output projection). */
  readonly embed: Embedding;
  /** Learned positions. */
  readonly pos: LearnedPositions;
  /** The blocks and the final norm. */
  readonly stack: TransformerStack;
  /** The pooler `[d, d]` (tanh), used with `cls` pooling. */
  readonly pooler: Dense;
  /** The classifier `[d, classes]`. */
  readonly classifier: Dense;
  /** The MLM transform `[d, d]` (GELU, then `mlmNorm`). */
  readonly mlmDense: Dense;
  /** The MLM transform's norm. */
  readonly mlmNorm: Norm;
  /** The MLM output bias `[vocab]`. */
  readonly mlmBias: tf.Variable;

  /** Builds the encoder with freshly initialised weights (seed `config.seed`). */
  constructor(config: EncoderConfig) {
    const scope = new Scope({ seed: config.seed });
    super(config, scope);
    const init = truncatedNormal(0.02);
    const { dim } = config;
    // fairseq's embeddings (the UN and PowerNorm authors' code base): N(0, 1/d) rows scaled by
    // √d, learned positions N(0, 1/d), so tokens enter block 0 at unit scale for every norm.
    const embedInit = normal(dim ** -0.5);
    this.embed = new Embedding(scope.child("embed"), config.vocab, dim, { init: embedInit });
    this.pos = new LearnedPositions(scope.child("pos"), config.maxLen, dim, { init: embedInit });
    const norm = resolveNorm(config.norm, config.normOptions, config);
    const residualDim = residualWidth(dim, config);
    this.stack = new TransformerStack(scope.child("stack"), {
      ...config,
      norm,
      init,
      residualDim,
    });
    this.pooler = new Dense(scope.child("pooler"), residualDim, dim, { init });
    const pooled = config.pooling === "cls" ? dim : residualDim;
    this.classifier = new Dense(scope.child("classifier"), pooled, config.classes, { init });
    const mlm = scope.child("mlm");
    this.mlmDense = new Dense(mlm.child("dense"), residualDim, dim, { init });
    this.mlmNorm = mlm.norm("norm", mlmNormFactory(config) ?? norm, dim);
    this.mlmBias = mlm.param("bias", [config.vocab], constant(0));
  }

  /** Every norm: the stack's and the MLM head's. */
  norms(): Norm[] {
    return [...this.stack.norms(), this.mlmNorm];
  }

  /**
   * Embedded tokens `[B, N]` → `[B, N, d]`: √d-scaled rows plus learned positions, dropout
   * (centered with `centered`; `[B, N, d−1]` with `compressed`).
   */
  embedTokens(tokens: tf.Tensor, ctx: ForwardContext): tf.Tensor {
    return tf.tidy(() =>
      residualInput(
        dropout(
          this.pos.apply(this.embed.apply(tokens, Math.sqrt(this.config.dim))),
          this.config.dropout,
          ctx,
        ),
        this.config,
      )
    );
  }

  /**
   * Hidden states `[B, N, d]` for token ids `[B, N]`; `pad` (1 = padding) defaults to
   * `tokens == padId`.
   */
  encode(tokens: tf.Tensor, ctx: ForwardContext, pad?: tf.Tensor): tf.Tensor3D {
    return tf.tidy(() => {
      pad ??= tf.cast(tf.equal(tokens, this.config.padId), "float32");
      const x = this.embedTokens(tokens, ctx);
      return this.stack.apply(x, {
        bias: attentionBias({ padMask: pad }),
        normMask: this.config.maskNorms ? pad : undefined,
      }, ctx) as tf.Tensor3D;
    });
  }

  /**
   * Pooled representation `[B, d]` of hidden states: the first token through the tanh pooler
   * (`cls`), or the mean over non-pad tokens; with `preActivation`, the pooler's output before
   * its tanh (`cls` only).
   */
  pool(
    hidden: tf.Tensor,
    pad: tf.Tensor,
    ctx: ForwardContext = { training: false },
    preActivation = false,
  ): tf.Tensor2D {
    return tf.tidy(() => {
      const [b, , d] = hidden.shape;
      if (this.config.pooling === "cls") {
        const first = tf.reshape(tf.slice(hidden, [0, 0, 0], [b, 1, d]), [b, d]);
        const pre = this.pooler.apply(first, ctx);
        return (preActivation ? pre : tf.tanh(pre)) as tf.Tensor2D;
      }
      const keep = tf.expandDims(tf.sub(1, pad), -1);
      const sum = tf.sum(tf.mul(hidden, keep), 1);
      return tf.div(sum, tf.maximum(tf.sum(keep, 1), 1)) as tf.Tensor2D;
    });
  }

  /** Class logits `[B, classes]`; `pad` (1 = padding) defaults to `tokens == padId`. */
  forwardClassify(tokens: tf.Tensor, ctx: ForwardContext, pad?: tf.Tensor): tf.Tensor2D {
    return tf.tidy(() => {
      pad ??= tf.cast(tf.equal(tokens, this.config.padId), "float32");
      const hidden = this.encode(tokens, ctx, pad);
      const pooled = dropout(this.pool(hidden, pad, ctx), this.config.dropout, ctx);
      return this.classifier.apply(pooled, ctx) as tf.Tensor2D;
    });
  }

  /**
   * Inference class logits for a plain-data batch (`ctx` may carry an inference plan); with
   * `preActivation` and `cls` pooling, the pooler's output before its tanh — the layer the final
   * norm folds into, before a nonlinearity random weights can saturate.
   */
  classify(
    batch: ClassifyBatch,
    ctx: ForwardContext = { training: false },
    options: { preActivation?: boolean } = {},
  ): tf.Tensor2D {
    return tf.tidy(() => {
      const tokens = this.#tokens(batch);
      const pad = padMaskOf(batch.tokens, batch.shape, this.config.padId);
      if (options.preActivation && this.config.pooling === "cls") {
        return this.pool(this.encode(tokens, ctx, pad), pad, ctx, true);
      }
      return this.forwardClassify(tokens, ctx, pad);
    });
  }

  /** MLM logits `[P, vocab]` at the flat positions `positions` (int32 `[P]`). */
  forwardMlm(tokens: tf.Tensor, positions: tf.Tensor, ctx: ForwardContext): tf.Tensor2D {
    return tf.tidy(() => {
      const hidden = this.encode(tokens, ctx);
      const rows = tf.gather(tf.reshape(hidden, [-1, hidden.shape[2]]), positions);
      const t = activate(this.mlmDense.apply(rows, ctx), "gelu");
      const h = runNorm(this.mlmNorm, tf.expandDims(t, 0), ctx);
      return tf.add(this.embed.logits(tf.squeeze(h, [0])), this.mlmBias) as tf.Tensor2D;
    });
  }

  /** Mean cross-entropy: class labels for `classify` batches, masked tokens for `mlm` ones. */
  loss(batch: ClassifyBatch | MlmBatch, ctx: ForwardContext, options: LossOptions = {}): tf.Scalar {
    return tf.tidy(() => {
      const tokens = this.#tokens(batch);
      if (batch.kind === "classify") {
        const pad = padMaskOf(batch.tokens, batch.shape, this.config.padId);
        return crossEntropy(
          this.forwardClassify(tokens, ctx, pad),
          tf.tensor1d(batch.labels, "int32"),
          { smoothing: options.labelSmoothing },
        );
      }
      const { positions, targets } = maskedPositions(batch);
      return crossEntropy(this.forwardMlm(tokens, positions, ctx), targets, {
        smoothing: options.labelSmoothing,
      });
    });
  }

  /** Multiply-accumulates of one forward pass over `batch` (matrix products only). */
  macs(batch: ClassifyBatch | MlmBatch): number {
    const [b, n] = batch.shape;
    const body = this.stack.macs(b, n);
    if (batch.kind === "classify") {
      return body + (this.config.pooling === "cls" ? this.pooler.macs(b) : 0) +
        this.classifier.macs(b);
    }
    const p = batch.targets.reduce((s, t) => s + (t >= 0 ? 1 : 0), 0);
    return body + this.mlmDense.macs(p) + p * this.config.dim * this.config.vocab;
  }

  #tokens(batch: ClassifyBatch | MlmBatch): tf.Tensor2D {
    const [b, n] = batch.shape;
    if (n > this.config.maxLen) {
      throw new UsageError(
        `sequence length ${n} exceeds the encoder's maxLen ${this.config.maxLen}`,
        "truncate the batch or use a preset with a larger maxLen",
      );
    }
    return tf.tensor2d(batch.tokens, [b, n], "int32");
  }
}

/** The MLM head's own norm (`mlmNorm`) with the model options it knows, or null for the stack's. */
function mlmNormFactory(config: EncoderConfig) {
  if (config.mlmNorm === undefined || config.mlmNorm === config.norm) return null;
  const known = normEntry(parseNormSpec(config.mlmNorm).norm).options;
  const options = Object.fromEntries(
    Object.entries(config.normOptions).filter(([key]) => Object.hasOwn(known, key)),
  );
  return resolveNorm(config.mlmNorm, options, config);
}

/**
 * The flat positions (`[P]`) and targets (`[P]`) of an MLM batch's masked tokens.
 *
 * @example
 * ```ts
 * import { maskedPositions } from "@normbench/normbench";
 * const { positions } = maskedPositions({ kind: "mlm", tokens: Int32Array.of(5, 4, 7), shape: [1, 3], targets: Int32Array.of(-1, 9, -1) });
 * console.assert(positions.dataSync()[0] === 1);
 * ```
 */
export function maskedPositions(batch: MlmBatch): { positions: tf.Tensor1D; targets: tf.Tensor1D } {
  const positions: number[] = [];
  const targets: number[] = [];
  batch.targets.forEach((t, i) => {
    if (t >= 0) {
      positions.push(i);
      targets.push(t);
    }
  });
  if (positions.length === 0) {
    throw new UsageError("an MLM batch has no masked position", "mask at least one token");
  }
  return {
    positions: tf.tensor1d(positions, "int32"),
    targets: tf.tensor1d(targets, "int32"),
  };
}
