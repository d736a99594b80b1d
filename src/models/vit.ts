/**
 * A Vision Transformer: patch embedding, class token, positions (T2T-ViT's sinusoid or a
 * learned table), a Transformer stack and a linear head on the class token.
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
import { torchDefaultUniform, truncatedNormal } from "../nn/init.ts";
import {
  LearnedPositions,
  type PositionKind,
  type Positions,
  SinusoidalPositions,
} from "../nn/positions.ts";
import { Scope } from "../nn/scope.ts";
import { TransformerStack } from "../nn/stack.ts";
import { residualInput, residualWidth } from "../nn/zero_mean.ts";
import { BaseModel } from "./base.ts";
import type { StackConfig } from "./config.ts";
import type { ImageClassifyBatch, LossOptions } from "./types.ts";
import { UsageError } from "../util/errors.ts";

/** The shape and recipe of a {@linkcode VisionTransformer} (plain data). */
export interface VitConfig extends StackConfig {
  /** Always `vit`. */
  kind: "vit";
  /** Square image side in pixels. */
  imageSize: number;
  /** Image channels (1 for Fashion-MNIST). */
  channels: number;
  /** Square patch side (must divide `imageSize`). */
  patch: number;
  /** Number of classes. */
  classes: number;
  /** Blocks. */
  layers: number;
  /**
   * Position encoding of the class token and patches: `sinusoidal` (T2T-ViT's fixed table, at
   * the tokens' unit scale) or `learned` (DeiT/timm's table, initialised N(0, 0.02²)).
   */
  positions: PositionKind;
  /**
   * Initialisation of the patch embedding: `torch` — PyTorch's default for timm's Conv2d patch
   * embedding, U(±1/√fanIn), tokens at about 0.6 × the pixels' scale — or `truncated-normal` —
   * N(0, 0.02²) truncated, the rule T2T-ViT applies to its token projection (tokens at 0.02·√fanIn).
   */
  patchInit: "torch" | "truncated-normal";
}

/**
 * ViT: `patch_embed` (a dense layer on flattened patches), `cls_token`, `pos`, `stack`
 * (`layers/<i>/…`, `final_norm`), `head`.
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs-core";
 * import { createModel } from "@normbench/normbench";
 * const vit = createModel({ model: "vit", preset: "tiny", norm: "ln" });
 * const logits = vit.logits({ kind: "image", images: new Float32Array(2 * 8 * 8), shape: [2, 8, 8, 1], labels: new Int32Array(2) });
 * console.assert(logits.shape.join() === "2,4");
 * ```
 */
export class VisionTransformer extends BaseModel<VitConfig, ImageClassifyBatch> {
  /** Linear patch embedding `[p·p·C, d]`. */
  readonly patchEmbed: Dense;
  /** The class token `[1, 1, d]`. */
  readonly clsToken: tf.Variable;
  /** Positions of the class token and the patches (see `config.positions`). */
  readonly pos: Positions;
  /** The blocks and the final norm. */
  readonly stack: TransformerStack;
  /** The classifier `[d, classes]`. */
  readonly head: Dense;

  /** Builds the ViT with freshly initialised weights (seed `config.seed`). */
  constructor(config: VitConfig) {
    if (config.imageSize % config.patch !== 0) {
      throw new UsageError(
        `patch ${config.patch} does not divide image size ${config.imageSize}`,
        "choose a patch size that divides the image side",
      );
    }
    const scope = new Scope({ seed: config.seed });
    super(config, scope);
    const init = truncatedNormal(0.02);
    const { patch, channels, dim } = config;
    const patches = (config.imageSize / patch) ** 2;
    // timm keeps PyTorch's default initialisation for the patch embedding (a Conv2d): tokens
    // enter block 0 at about unit scale, as the norms of the papers' ViTs see them.
    const fanIn = patch * patch * channels;
    const torch = config.patchInit !== "truncated-normal";
    this.patchEmbed = new Dense(scope.child("patch_embed"), fanIn, dim, {
      init: torch ? torchDefaultUniform(fanIn) : init,
      biasInit: torch ? torchDefaultUniform(fanIn) : undefined,
      inputGrad: false,
    });
    this.clsToken = scope.param("cls_token", [1, 1, dim], init);
    this.pos = config.positions === "learned"
      ? new LearnedPositions(scope.child("pos"), patches + 1, dim, { init })
      : new SinusoidalPositions(patches + 1, dim);
    const norm = resolveNorm(config.norm, config.normOptions, config);
    const residualDim = residualWidth(dim, config);
    this.stack = new TransformerStack(scope.child("stack"), {
      ...config,
      norm,
      init,
      residualDim,
    });
    this.head = new Dense(scope.child("head"), residualDim, config.classes, { init });
  }

  /** Every norm of the stack. */
  norms(): Norm[] {
    return this.stack.norms();
  }

  /** Tokens per image: patches + the class token. */
  get tokens(): number {
    return (this.config.imageSize / this.config.patch) ** 2 + 1;
  }

  /** `[B, H, W, C]` images → `[B, patches, p·p·C]` (row-major patch order). */
  patchify(images: tf.Tensor): tf.Tensor3D {
    return tf.tidy(() => {
      const [b, h, w, c] = images.shape;
      const p = this.config.patch;
      const x = tf.reshape(images, [b, h / p, p, w / p, p * c]);
      return tf.reshape(tf.transpose(x, [0, 1, 3, 2, 4]), [
        b,
        (h / p) * (w / p),
        p * p * c,
      ]) as tf.Tensor3D;
    });
  }

  /** Class logits `[B, classes]` for a batch of images. */
  forward(images: tf.Tensor, ctx: ForwardContext): tf.Tensor2D {
    return tf.tidy(() => {
      const b = images.shape[0];
      const x = this.patchEmbed.apply(this.patchify(images), ctx);
      // A broadcasting add: its gradient is one reduction (tile's, and so broadcastTo's, is a
      // slice and an add per copy).
      const cls = tf.add(tf.zeros([b, 1, this.config.dim]), this.clsToken);
      const h = residualInput(
        dropout(this.pos.apply(tf.concat([cls, x], 1)), this.config.dropout, ctx),
        this.config,
      );
      const out = this.stack.apply(h, {}, ctx);
      const first = tf.reshape(tf.slice(out, [0, 0, 0], [b, 1, -1]), [b, -1]);
      return this.head.apply(first, ctx) as tf.Tensor2D;
    });
  }

  /** Inference logits for a plain-data batch (`ctx` may carry an inference plan). */
  logits(batch: ImageClassifyBatch, ctx: ForwardContext = { training: false }): tf.Tensor2D {
    return tf.tidy(() => this.forward(this.#images(batch), ctx));
  }

  /** Mean cross-entropy of the class logits. */
  loss(batch: ImageClassifyBatch, ctx: ForwardContext, options: LossOptions = {}): tf.Scalar {
    return tf.tidy(() => {
      const logits = this.forward(this.#images(batch), ctx);
      return crossEntropy(logits, tf.tensor1d(batch.labels, "int32"), {
        smoothing: options.labelSmoothing,
      });
    });
  }

  /** Multiply-accumulates of one forward pass over `batch` (matrix products only). */
  macs(batch: ImageClassifyBatch): number {
    const b = batch.shape[0];
    const n = this.tokens;
    return this.patchEmbed.macs(b * (n - 1)) + this.stack.macs(b, n) + this.head.macs(b);
  }

  /** The first layer's input needs no gradient: its dx product is skipped. */
  override inputMacs(batch: ImageClassifyBatch): number {
    return this.patchEmbed.macs(batch.shape[0] * (this.tokens - 1));
  }

  #images(batch: ImageClassifyBatch): tf.Tensor4D {
    const [b, h, w, c] = batch.shape;
    if (h !== this.config.imageSize || w !== this.config.imageSize || c !== this.config.channels) {
      throw new UsageError(
        `images of shape [${batch.shape.join(", ")}] do not fit the model`,
        `expected [B, ${this.config.imageSize}, ${this.config.imageSize}, ${this.config.channels}]`,
      );
    }
    return tf.tensor4d(batch.images, [b, h, w, c]);
  }
}
