/**
 * What every model shares: plain-data batches (no tensors, so they cross worker boundaries) and
 * the {@linkcode Model} interface the training loop drives.
 *
 * @module
 */
import type * as tf from "../tf.ts";
import type { Norm } from "../norms/types.ts";
import type { ForwardContext } from "../nn/context.ts";
import type { NamedVariables } from "../nn/scope.ts";

/** The model families. */
export type ModelKind = "encoder" | "translator" | "vit" | "lm" | "cnn";

/** Sentence classification: `tokens` `[B, N]` (pad id = the model's `padId`), `labels` `[B]`. */
export interface ClassifyBatch {
  /** Always `classify`. */
  kind: "classify";
  /** Token ids, row-major `[B, N]`. */
  tokens: Int32Array;
  /** `[B, N]` */
  shape: [number, number];
  /** Class per sequence `[B]`. */
  labels: Int32Array;
}

/** Masked-language-model pre-training: predict `targets` where they are not −1. */
export interface MlmBatch {
  /** Always `mlm`. */
  kind: "mlm";
  /** Token ids after masking, row-major `[B, N]`. */
  tokens: Int32Array;
  /** `[B, N]` */
  shape: [number, number];
  /** The original id at masked positions, −1 elsewhere, `[B, N]`. */
  targets: Int32Array;
}

/** Translation: source `[B, S]`, decoder input (BOS + target) and output (target + EOS) `[B, T]`. */
export interface TranslateBatch {
  /** Always `translate`. */
  kind: "translate";
  /** Source ids, row-major `[B, S]`. */
  src: Int32Array;
  /** `[B, S]` */
  srcShape: [number, number];
  /** Decoder input ids `[B, T]` (starts with BOS). */
  tgtIn: Int32Array;
  /** Decoder targets `[B, T]` (ends with EOS; pad id where there is nothing to predict). */
  tgtOut: Int32Array;
  /** `[B, T]` */
  tgtShape: [number, number];
}

/** Image classification: `images` `[B, H, W, C]` (float), `labels` `[B]`. */
export interface ImageClassifyBatch {
  /** Always `image`. */
  kind: "image";
  /** Pixels, row-major `[B, H, W, C]`. */
  images: Float32Array;
  /** `[B, H, W, C]` */
  shape: [number, number, number, number];
  /** Class per image `[B]`. */
  labels: Int32Array;
}

/** Language modelling: `tokens` `[B, N+1]`; inputs are `[:, :-1]`, targets `[:, 1:]`. */
export interface NextTokenBatch {
  /** Always `lm`. */
  kind: "lm";
  /** Token ids, row-major `[B, N+1]`; pad-id targets are ignored. */
  tokens: Int32Array;
  /** `[B, N+1]` */
  shape: [number, number];
}

/** Any batch. */
export type Batch = ClassifyBatch | MlmBatch | TranslateBatch | ImageClassifyBatch | NextTokenBatch;

/** Options of a model's loss. */
export interface LossOptions {
  /** Label smoothing ε (default 0). */
  labelSmoothing?: number;
}

/** A model the training loop can drive. */
export interface Model<C = unknown, B extends Batch = Batch> {
  /** The model's configuration (plain data; rebuilding from it gives the same model). */
  readonly config: C;
  /** Every variable by stable path: trainable parameters and norm state. */
  variables(): NamedVariables;
  /** The trainable parameters by path. */
  trainableVariables(): NamedVariables;
  /** Every norm of the model. */
  norms(): Norm[];
  /** Mean loss of a batch (training mode when `ctx.training`). */
  loss(batch: B, ctx: ForwardContext, options?: LossOptions): tf.Scalar;
  /** Multiply-accumulates of one forward pass over `batch` (matrix products only). */
  macs(batch: B): number;
  /** Analytic FLOPs of one training step on `batch`: forward + backward matrix products. */
  trainingFlops(batch: B): number;
  /** Number of trainable scalars. */
  parameterCount(): number;
  /** Frees every variable. */
  dispose(): void;
}
