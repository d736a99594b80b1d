/**
 * A small pre-activation ResNet for 28×28 images, the convolutional setting of the micro-batch
 * papers (BatchNorm, GroupNorm, Batch-Channel Norm + Weight Standardization, EvoNorm): a stem
 * convolution, three stages of residual blocks at widths w, 2w, 4w (the later two start with
 * stride 2), a final norm, global average pooling and a linear classifier.
 *
 * @module
 */
import * as tf from "../tf.ts";
import { type NormFactory, resolveNorm } from "../norms/registry.ts";
import type { Norm } from "../norms/types.ts";
import type { ForwardContext } from "../nn/context.ts";
import { runNorm } from "../nn/context.ts";
import { Conv2d } from "../nn/conv.ts";
import { crossEntropy } from "../nn/cross_entropy.ts";
import { Dense } from "../nn/dense.ts";
import { torchDefaultUniform } from "../nn/init.ts";
import { Scope } from "../nn/scope.ts";
import { BaseModel } from "./base.ts";
import type { ImageClassifyBatch, LossOptions } from "./types.ts";
import { UsageError } from "../util/errors.ts";

/** The shape of a {@linkcode Cnn} (plain data). */
export interface CnnConfig {
  /** Always `cnn`. */
  kind: "cnn";
  /** Square image side in pixels (divisible by 4: two stride-2 stages). */
  imageSize: number;
  /** Image channels (1 for Fashion-MNIST). */
  channels: number;
  /** Number of classes. */
  classes: number;
  /** Width w of the first stage (then 2w, 4w). */
  width: number;
  /** Residual blocks per stage. */
  blocks: number;
  /** Registry name of the norm of every slot, with weight options (`gn+ws`). */
  norm: string;
  /** The norm's options. */
  normOptions: Record<string, unknown>;
  /** Pre-activation: every norm sits before its convolution (`pre` only). */
  placement: "pre";
  /** Seed of the initial weights. */
  seed: number;
}

/** A norm followed by the activation, unless the norm is a normalization-activation layer. */
class NormAct {
  readonly norm: Norm;
  readonly #activation: boolean;

  constructor(scope: Scope, name: string, factory: NormFactory, channels: number) {
    this.norm = scope.norm(name, factory, channels);
    this.#activation = !factory.entry.activation;
  }

  apply(x: tf.Tensor, ctx: ForwardContext): tf.Tensor {
    return tf.tidy(() => {
      const h = runNorm(this.norm, x, ctx);
      return this.#activation ? tf.relu(h) : h;
    });
  }
}

/** A pre-activation residual block: (norm-act → conv) twice, plus a shortcut. */
class ResidualBlock {
  readonly normAct1: NormAct;
  readonly conv1: Conv2d;
  readonly normAct2: NormAct;
  readonly conv2: Conv2d;
  /** A 1×1 projection when the block changes width or resolution. */
  readonly shortcut: Conv2d | null;

  constructor(
    scope: Scope,
    factory: NormFactory,
    inDim: number,
    outDim: number,
    stride: 1 | 2,
  ) {
    const standardize = factory.weightStandardization;
    this.normAct1 = new NormAct(scope, "norm1", factory, inDim);
    this.conv1 = new Conv2d(scope.child("conv1"), 3, inDim, outDim, { stride, standardize });
    this.normAct2 = new NormAct(scope, "norm2", factory, outDim);
    this.conv2 = new Conv2d(scope.child("conv2"), 3, outDim, outDim, { standardize });
    this.shortcut = stride !== 1 || inDim !== outDim
      ? new Conv2d(scope.child("shortcut"), 1, inDim, outDim, { stride, standardize })
      : null;
  }

  apply(x: tf.Tensor4D, ctx: ForwardContext): tf.Tensor4D {
    return tf.tidy(() => {
      const h = this.normAct1.apply(x, ctx) as tf.Tensor4D;
      const skip = this.shortcut ? this.shortcut.apply(h) : x;
      const y = this.conv2.apply(this.normAct2.apply(this.conv1.apply(h), ctx) as tf.Tensor4D);
      return tf.add(y, skip) as tf.Tensor4D;
    });
  }

  norms(): Norm[] {
    return [this.normAct1.norm, this.normAct2.norm];
  }

  macs(batch: number, size: number): number {
    const out = size / this.conv1.stride;
    return this.conv1.macs(batch, size, size) + this.conv2.macs(batch, out, out) +
      (this.shortcut?.macs(batch, size, size) ?? 0);
  }
}

/**
 * The zoo's CNN: `stem` (3×3 conv), `stages/<s>/<b>/{norm1, conv1, norm2, conv2, shortcut}`,
 * `final_norm`, global average pooling and `head`. Every norm slot takes the model's norm; a
 * ReLU follows each norm unless the norm includes its activation (EvoNorm). With `+ws` every
 * convolution standardises its kernel; the classifier keeps raw weights.
 *
 * @example
 * ```ts
 * import { createModel } from "@normbench/normbench";
 * const cnn = createModel({ model: "cnn", preset: "tiny", norm: "gn+ws" });
 * const batch = {
 *   kind: "image" as const, images: new Float32Array(2 * 28 * 28), shape: [2, 28, 28, 1] as
 *     [number, number, number, number], labels: new Int32Array(2),
 * };
 * console.assert(cnn.logits(batch).shape.join() === "2,10");
 * cnn.dispose();
 * ```
 */
export class Cnn extends BaseModel<CnnConfig, ImageClassifyBatch> {
  /** The stem convolution. */
  readonly stem: Conv2d;
  /** The residual blocks, stage by stage. */
  readonly blocks: ResidualBlock[];
  /** The norm (and activation) before pooling. */
  readonly finalNorm: NormAct;
  /** The classifier `[4w, classes]`. */
  readonly head: Dense;

  /** Builds the CNN with freshly initialised weights (seed `config.seed`). */
  constructor(config: CnnConfig) {
    const scope = new Scope({ seed: config.seed });
    super(config, scope);
    if (config.placement !== "pre") {
      throw new UsageError(
        `the cnn is a pre-activation ResNet: placement '${config.placement}' does not apply`,
        "leave the placement out (pre)",
      );
    }
    if (config.imageSize % 4 !== 0) {
      throw new UsageError(
        `the cnn halves the image twice: imageSize ${config.imageSize} is not divisible by 4`,
        "use an image size divisible by 4 (28 for Fashion-MNIST)",
      );
    }
    const factory = resolveNorm(config.norm, config.normOptions);
    const { width } = config;
    this.stem = new Conv2d(scope.child("stem"), 3, config.channels, width, {
      inputGrad: false,
      standardize: factory.weightStandardization,
    });
    this.blocks = [];
    let inDim = width;
    for (const [s, outDim] of [width, 2 * width, 4 * width].entries()) {
      for (let b = 0; b < config.blocks; b++) {
        const stride = s > 0 && b === 0 ? 2 : 1;
        const blockScope = scope.child("stages").child(s).child(b);
        this.blocks.push(new ResidualBlock(blockScope, factory, inDim, outDim, stride));
        inDim = outDim;
      }
    }
    this.finalNorm = new NormAct(scope, "final_norm", factory, inDim);
    const fanIn = inDim;
    this.head = new Dense(scope.child("head"), inDim, config.classes, {
      init: torchDefaultUniform(fanIn),
      biasInit: torchDefaultUniform(fanIn),
    });
  }

  /** Every norm, in forward order. */
  norms(): Norm[] {
    return [...this.blocks.flatMap((b) => b.norms()), this.finalNorm.norm];
  }

  /** Class logits `[B, classes]` for a batch of images `[B, H, W, C]`. */
  forward(images: tf.Tensor4D, ctx: ForwardContext): tf.Tensor2D {
    return tf.tidy(() => {
      let h = this.stem.apply(images);
      for (const block of this.blocks) h = block.apply(h, ctx);
      const pooled = tf.mean(this.finalNorm.apply(h, ctx), [1, 2]);
      return this.head.apply(pooled, ctx) as tf.Tensor2D;
    });
  }

  /** Inference logits for a plain-data batch. */
  logits(batch: ImageClassifyBatch, ctx: ForwardContext = { training: false }): tf.Tensor2D {
    return tf.tidy(() => this.forward(this.#images(batch), ctx));
  }

  /** Mean cross-entropy of the class logits. */
  loss(batch: ImageClassifyBatch, ctx: ForwardContext, options: LossOptions = {}): tf.Scalar {
    return tf.tidy(() =>
      crossEntropy(this.forward(this.#images(batch), ctx), tf.tensor1d(batch.labels, "int32"), {
        smoothing: options.labelSmoothing,
      })
    );
  }

  /** Multiply-accumulates of one forward pass (convolutions and the classifier). */
  macs(batch: ImageClassifyBatch): number {
    const b = batch.shape[0];
    let size = this.config.imageSize;
    let total = this.stem.macs(b, size, size);
    for (const block of this.blocks) {
      total += block.macs(b, size);
      size /= block.conv1.stride;
    }
    return total + this.head.macs(b);
  }

  /** The stem's input is data: its input-gradient product is skipped. */
  override inputMacs(batch: ImageClassifyBatch): number {
    const size = this.config.imageSize;
    return this.stem.macs(batch.shape[0], size, size);
  }

  #images(batch: ImageClassifyBatch): tf.Tensor4D {
    const [b, h, w, c] = batch.shape;
    const { imageSize, channels } = this.config;
    if (h !== imageSize || w !== imageSize || c !== channels) {
      throw new UsageError(
        `images of shape [${batch.shape.join(", ")}] do not fit the model`,
        `expected [B, ${imageSize}, ${imageSize}, ${channels}]`,
      );
    }
    return tf.tensor4d(batch.images, [b, h, w, c]);
  }
}
