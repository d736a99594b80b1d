/**
 * An encoder–decoder Transformer for translation as in fairseq's `transformer_iwslt_de_en` with
 * `--share-all-embeddings`: one embedding table (scaled by √d) for source, target and the output
 * projection, sinusoidal positions, Pre/Post/Peri/Mix stacks, greedy and beam search.
 *
 * @module
 */
import * as tf from "../tf.ts";
import { resolveNorm } from "../norms/registry.ts";
import type { Norm } from "../norms/types.ts";
import type { KeyValueCache } from "../nn/attention.ts";
import type { ForwardContext } from "../nn/context.ts";
import { crossEntropy } from "../nn/cross_entropy.ts";
import { dropout } from "../nn/dropout.ts";
import { Embedding } from "../nn/embedding.ts";
import { normal, xavierUniform } from "../nn/init.ts";
import { attentionBias, padBias, padMaskOf } from "../nn/masks.ts";
import { SinusoidalPositions } from "../nn/positions.ts";
import { Scope } from "../nn/scope.ts";
import { TransformerStack } from "../nn/stack.ts";
import { Dense } from "../nn/dense.ts";
import { residualInput, residualWidth } from "../nn/zero_mean.ts";
import { BaseModel } from "./base.ts";
import type { StackConfig } from "./config.ts";
import { beamSearch, type BeamSearchOptions, greedySearch, type SearchModel } from "./search.ts";
import type { LossOptions, TranslateBatch } from "./types.ts";

/** The shape and recipe of a {@linkcode Translator} (plain data). */
export interface TranslatorConfig extends StackConfig {
  /** Always `translator`. */
  kind: "translator";
  /** Joint source/target vocabulary size. */
  vocab: number;
  /** Longest sequence (source or target). */
  maxLen: number;
  /** Encoder blocks. */
  encoderLayers: number;
  /** Decoder blocks. */
  decoderLayers: number;
  /** Dropout after the feed-forward activation. */
  activationDropout: number;
  /** Whether the pad mask is passed to the norms (authors: false). */
  maskNorms: boolean;
  /**
   * The decoder's norm when it differs from the encoder's `norm` (PowerNorm's IWSLT14 runs put
   * PN in the encoder and LN in the decoder); it takes its default options.
   */
  decoderNorm?: string;
  /** Padding id. */
  padId: number;
  /** First decoder input id. */
  bosId: number;
  /** End-of-sentence id. */
  eosId: number;
}

/**
 * Translator: `embed` (shared by encoder, decoder and output), `encoder` and `decoder` stacks
 * (`layers/<i>/…`, `final_norm`; decoder blocks have `cross` attention).
 *
 * @example
 * ```ts
 * import { createModel } from "@normbench/normbench";
 * const t = createModel({ model: "translator", preset: "tiny", norm: "ln" });
 * const out = await t.greedy({ src: new Int32Array([5, 6, 2]), srcShape: [1, 3] }, { maxLen: 4 });
 * console.assert(out.length === 1);
 * ```
 */
export class Translator extends BaseModel<TranslatorConfig, TranslateBatch> implements SearchModel {
  /** The shared embedding table `[vocab, d]`. */
  readonly embed: Embedding;
  /** Sinusoidal positions. */
  readonly pos: SinusoidalPositions;
  /** Encoder blocks and final norm. */
  readonly encoder: TransformerStack;
  /** Decoder blocks (with cross-attention) and final norm. */
  readonly decoder: TransformerStack;
  /**
   * With `compressed` only: the output projection `[d−1, vocab]` with a bias (the transposed
   * table with the decoder's final-norm affine folded in); else null — the output is tied.
   */
  readonly head: Dense | null;

  /** Builds the translator with freshly initialised weights (seed `config.seed`). */
  constructor(config: TranslatorConfig) {
    const scope = new Scope({ seed: config.seed });
    super(config, scope);
    const { dim } = config;
    this.embed = new Embedding(scope.child("embed"), config.vocab, dim, {
      init: normal(dim ** -0.5),
    });
    this.pos = new SinusoidalPositions(config.maxLen + 1, dim);
    const norm = resolveNorm(config.norm, config.normOptions, config);
    const residualDim = residualWidth(dim, config);
    const common = { ...config, norm, init: xavierUniform(), residualDim };
    this.encoder = new TransformerStack(scope.child("encoder"), {
      ...common,
      layers: config.encoderLayers,
    });
    // A decoder norm of its own takes its defaults (the norm options are the encoder norm's).
    const ownDecoderNorm = config.decoderNorm !== undefined && config.decoderNorm !== config.norm;
    this.decoder = new TransformerStack(scope.child("decoder"), {
      ...common,
      norm: resolveNorm(
        ownDecoderNorm ? config.decoderNorm! : config.norm,
        ownDecoderNorm ? {} : config.normOptions,
        { ...config, causal: true },
      ),
      layers: config.decoderLayers,
      cross: true,
    });
    this.head = config.compressed
      ? new Dense(scope.child("head"), residualDim, config.vocab, { init: xavierUniform() })
      : null;
  }

  /** Every norm: the encoder's, then the decoder's. */
  norms(): Norm[] {
    return [...this.encoder.norms(), ...this.decoder.norms()];
  }

  /**
   * Embedded tokens `[B, N]` → `[B, N, d]` (√d scale, positions from `offset`; centered with
   * `centered`, `[B, N, d−1]` with `compressed`).
   */
  embedTokens(tokens: tf.Tensor, ctx: ForwardContext, offset = 0): tf.Tensor {
    return tf.tidy(() =>
      residualInput(
        dropout(
          this.pos.apply(this.embed.apply(tokens, Math.sqrt(this.config.dim)), offset),
          this.config.dropout,
          ctx,
        ),
        this.config,
      )
    );
  }

  /** Output logits `[…, vocab]` of decoder states: the tied table, or `head` when compressed. */
  #output(h: tf.Tensor, ctx?: ForwardContext): tf.Tensor {
    return this.head ? this.head.apply(h, ctx) : this.embed.logits(h);
  }

  /**
   * Encoder output `[B, S, d]` and the source pad mask `[B, S]` (1 = pad; default
   * `src == padId`).
   */
  encode(
    src: tf.Tensor,
    ctx: ForwardContext,
    srcPad?: tf.Tensor,
  ): { memory: tf.Tensor; pad: tf.Tensor } {
    return tf.tidy(() => {
      const pad = srcPad ?? tf.cast(tf.equal(src, this.config.padId), "float32");
      const memory = this.encoder.apply(this.embedTokens(src, ctx), {
        bias: attentionBias({ padMask: pad }),
        normMask: this.config.maskNorms ? pad : undefined,
      }, ctx);
      return { memory, pad };
    });
  }

  /**
   * Teacher-forced logits `[B, T, vocab]`; the pad masks (1 = pad) default to `ids == padId`.
   */
  forward(
    src: tf.Tensor,
    tgtIn: tf.Tensor,
    ctx: ForwardContext,
    pads: { src?: tf.Tensor; tgt?: tf.Tensor } = {},
  ): tf.Tensor3D {
    return tf.tidy(() => {
      const { memory, pad } = this.encode(src, ctx, pads.src);
      const tgtPad = pads.tgt ?? tf.cast(tf.equal(tgtIn, this.config.padId), "float32");
      const h = this.decoder.apply(this.embedTokens(tgtIn, ctx), {
        bias: attentionBias({ padMask: tgtPad, causal: true }),
        memory,
        memoryBias: padBias(pad),
        normMask: this.config.maskNorms ? tgtPad : undefined,
      }, ctx);
      return this.#output(h, ctx) as tf.Tensor3D;
    });
  }

  /**
   * Teacher-forced logits `[B, T, vocab]` of a plain-data batch (`ctx` may carry an inference
   * plan); pad masks are built from the ids on the CPU.
   */
  logits(
    batch: Pick<TranslateBatch, "src" | "srcShape" | "tgtIn" | "tgtShape">,
    ctx: ForwardContext = { training: false },
  ): tf.Tensor3D {
    return tf.tidy(() => {
      const src = tf.tensor2d(batch.src, batch.srcShape, "int32");
      const tgtIn = tf.tensor2d(batch.tgtIn, batch.tgtShape, "int32");
      return this.forward(src, tgtIn, ctx, {
        src: padMaskOf(batch.src, batch.srcShape, this.config.padId),
        tgt: padMaskOf(batch.tgtIn, batch.tgtShape, this.config.padId),
      });
    });
  }

  /** Mean teacher-forced cross-entropy over non-pad target tokens. */
  loss(batch: TranslateBatch, ctx: ForwardContext, options: LossOptions = {}): tf.Scalar {
    return tf.tidy(() => {
      const tgtOut = tf.tensor2d(batch.tgtOut, batch.tgtShape, "int32");
      return crossEntropy(this.logits(batch, ctx), tgtOut, {
        smoothing: options.labelSmoothing,
        ignoreIndex: this.config.padId,
      });
    });
  }

  /** Multiply-accumulates of one forward pass over `batch` (matrix products only). */
  macs(batch: TranslateBatch): number {
    const [b, s] = batch.srcShape;
    const t = batch.tgtShape[1];
    return this.encoder.macs(b, s) + this.decoder.macs(b, t, s) +
      b * t * this.config.dim * this.config.vocab;
  }

  /** Search state for a source batch: memory keys/values per decoder layer and the pad bias. */
  startSearch(src: tf.Tensor): { memoryKv: KeyValueCache[]; memoryBias: tf.Tensor } {
    return tf.tidy(() => {
      const { memory, pad } = this.encode(src, { training: false });
      const memoryKv = this.decoder.blocks.map((b) => b.cross!.memoryKeysValues(memory));
      return { memoryKv, memoryBias: padBias(pad) };
    });
  }

  /** Log-probabilities `[R, vocab]` of the next token for `R` rows, extending the caches. */
  stepSearch(
    tokens: tf.Tensor,
    position: number,
    state: { caches: (KeyValueCache | null)[]; memoryKv: KeyValueCache[]; memoryBias: tf.Tensor },
  ): { logProbs: tf.Tensor2D; caches: KeyValueCache[] } {
    return tf.tidy(() => {
      const x = this.embedTokens(tf.reshape(tokens, [-1, 1]), { training: false }, position);
      const { y, caches } = this.decoder.step(x, state);
      const logits = tf.reshape(this.#output(y), [-1, this.config.vocab]);
      return { logProbs: tf.logSoftmax(logits) as tf.Tensor2D, caches };
    });
  }

  /** Greedy decoding of a source batch; returns token ids per sentence (without BOS/EOS). */
  greedy(
    batch: Pick<TranslateBatch, "src" | "srcShape">,
    options: { maxLen?: number } = {},
  ): Promise<number[][]> {
    return greedySearch(this, batch, { maxLen: options.maxLen ?? this.config.maxLen });
  }

  /** Beam search with length penalty; returns the best hypothesis per sentence. */
  beam(
    batch: Pick<TranslateBatch, "src" | "srcShape">,
    options: Partial<BeamSearchOptions> = {},
  ): Promise<number[][]> {
    return beamSearch(this, batch, {
      beam: options.beam ?? 5,
      lengthPenalty: options.lengthPenalty ?? 1,
      maxLen: options.maxLen ?? this.config.maxLen,
    });
  }
}
