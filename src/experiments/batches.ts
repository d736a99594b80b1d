/**
 * Adapters from the batches of `src/data` (corpora, tokenizers, batching) to the models' batch
 * types. Both are plain typed arrays; only field names and the `kind` tag differ.
 *
 * @module
 */
import type { ClassificationBatch } from "../data/sentiment/classification_batches.ts";
import type { ImageBatch } from "../data/fashion_mnist/image_batches.ts";
import type { LmBatch } from "../data/brown/lm_batches.ts";
import type { MlmMasking } from "../data/brown/mlm.ts";
import type { TranslationBatch } from "../data/bible/translation_batches.ts";
import type {
  ClassifyBatch,
  ImageClassifyBatch,
  MlmBatch,
  NextTokenBatch,
  TranslateBatch,
} from "../models/types.ts";

/**
 * A `src/data` image batch (`[B, H, W, 1]`) as a ViT batch.
 *
 * @example
 * ```ts
 * import { imageBatchFromData } from "@normbench/normbench";
 * const b = imageBatchFromData({
 *   size: 1, images: new Float32Array(4), labels: new Int32Array(1), index: new Int32Array(1),
 *   shapes: { images: [1, 2, 2, 1], labels: [1] },
 * });
 * console.assert(b.kind === "image" && b.shape.join() === "1,2,2,1");
 * ```
 */
export function imageBatchFromData(batch: ImageBatch): ImageClassifyBatch {
  const [b, h, w, c] = batch.shapes.images;
  return { kind: "image", images: batch.images, shape: [b, h, w, c], labels: batch.labels };
}

/**
 * A `src/data` classification batch (padded ids, pad id 0) as an encoder batch.
 *
 * @example
 * ```ts
 * import { classifyBatchFromData } from "@normbench/normbench";
 * const b = classifyBatchFromData({
 *   size: 1, length: 2, ids: new Int32Array([7, 0]), mask: new Uint8Array([0, 1]),
 *   labels: new Int32Array([1]), index: new Int32Array(1), shapes: {},
 * });
 * console.assert(b.kind === "classify" && b.shape.join() === "1,2");
 * ```
 */
export function classifyBatchFromData(batch: ClassificationBatch): ClassifyBatch {
  return {
    kind: "classify",
    tokens: batch.ids,
    shape: [batch.size, batch.length],
    labels: batch.labels,
  };
}

/**
 * Masked ids of `[B, N]` (`src/data`'s `maskTokens`) as an MLM batch: targets where the weight
 * is 1, −1 elsewhere.
 *
 * @example
 * ```ts
 * import { mlmBatchFromData } from "@normbench/normbench";
 * const b = mlmBatchFromData({
 *   input: new Int32Array([4, 9]), target: new Int32Array([8, 9]), weight: new Float32Array([1, 0]),
 * }, [1, 2]);
 * console.assert(b.targets[0] === 8 && b.targets[1] === -1);
 * ```
 */
export function mlmBatchFromData(masking: MlmMasking, shape: [number, number]): MlmBatch {
  const targets = Int32Array.from(masking.target, (t, i) => (masking.weight[i] > 0 ? t : -1));
  return { kind: "mlm", tokens: masking.input, shape, targets };
}

/**
 * A `src/data` LM batch (`[B, T+1]` tokens) as a language-model batch.
 *
 * @example
 * ```ts
 * import { nextTokenBatchFromData } from "@normbench/normbench";
 * const b = nextTokenBatchFromData({ size: 1, seqLen: 2, tokens: new Int32Array([5, 6, 7]), shapes: {} });
 * console.assert(b.kind === "lm" && b.shape.join() === "1,3");
 * ```
 */
export function nextTokenBatchFromData(batch: LmBatch): NextTokenBatch {
  return { kind: "lm", tokens: batch.tokens, shape: [batch.size, batch.seqLen + 1] };
}

/**
 * A `src/data` translation batch (source + `<eos>`, `<bos>` + target, target + `<eos>`) as a
 * translator batch.
 *
 * @example
 * ```ts
 * import { translateBatchFromData } from "@normbench/normbench";
 * const b = translateBatchFromData({
 *   size: 1, srcLen: 2, tgtLen: 2, src: new Int32Array([9, 3]), srcMask: new Uint8Array(2),
 *   tgtIn: new Int32Array([2, 8]), tgtOut: new Int32Array([8, 3]), tgtMask: new Uint8Array(2),
 *   index: new Int32Array(1), targetTokens: 2, shapes: {},
 * });
 * console.assert(b.kind === "translate" && b.tgtShape.join() === "1,2");
 * ```
 */
export function translateBatchFromData(batch: TranslationBatch): TranslateBatch {
  return {
    kind: "translate",
    src: batch.src,
    srcShape: [batch.size, batch.srcLen],
    tgtIn: batch.tgtIn,
    tgtOut: batch.tgtOut,
    tgtShape: [batch.size, batch.tgtLen],
  };
}
