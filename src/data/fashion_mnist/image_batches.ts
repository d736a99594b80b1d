/**
 * Image batches: pixels scaled to [0, 1] and standardised with the training set's mean and
 * standard deviation, as `[B, H, W, 1]` float arrays with integer labels.
 *
 * @module
 */
import type { ImageSet } from "./fashion_mnist.ts";
import { createRng, permutation } from "../../util/random.ts";

/** One batch of images. */
export interface ImageBatch {
  /** Number of images B. */
  readonly size: number;
  /** `[B, H, W, 1]` normalised pixels. */
  readonly images: Float32Array;
  /** `[B]` class ids. */
  readonly labels: Int32Array;
  /** `[B]` index of each image in the image set. */
  readonly index: Int32Array;
  /** Shape of every array field, for {@linkcode batchTensors}. */
  readonly shapes: Readonly<Record<string, readonly number[]>>;
}

/** Options of {@linkcode imageBatches}. */
export interface ImageBatchOptions {
  /** Images per batch. */
  batchSize: number;
  /** Which images (default all), e.g. a split's indices. */
  indices?: ArrayLike<number>;
  /** Mean of pixel/255 subtracted (default 0). */
  mean?: number;
  /** Standard deviation divided by (default 1). */
  std?: number;
  /** Shuffle the order (default true). */
  shuffle?: boolean;
  /** Seed of the shuffle (default 0). */
  seed?: number;
  /** Epoch: a different order per epoch (default 0). */
  epoch?: number;
  /** Drop a last incomplete batch (default false). */
  dropLast?: boolean;
  /**
   * Mirror each image left–right with probability ½ (the standard augmentation of
   * Fashion-MNIST; seeded by `seed` and `epoch`). Default false.
   */
  flip?: boolean;
}

/**
 * Yields normalised image batches lazily (a full epoch of floats is never held at once).
 *
 * @example
 * ```ts
 * import { imageBatches } from "@normbench/normbench";
 * const set = { images: new Uint8Array(5 * 4).fill(255), labels: new Uint8Array(5), count: 5, rows: 2, cols: 2 };
 * const batches = [...imageBatches(set, { batchSize: 2, mean: 0.5, std: 0.5 })];
 * console.assert(batches.length === 3 && batches[0].images[0] === 1);
 * ```
 */
export function* imageBatches(set: ImageSet, options: ImageBatchOptions): Generator<ImageBatch> {
  const { batchSize } = options;
  const mean = options.mean ?? 0;
  const std = options.std ?? 1;
  const base = options.indices ? Int32Array.from(options.indices) : Int32Array.from(
    { length: set.count },
    (_, i) => i,
  );
  let order = base;
  if (options.shuffle ?? true) {
    const p = permutation(
      base.length,
      createRng(options.seed ?? 0, `images:${options.epoch ?? 0}`),
    );
    order = p.map((j) => base[j]);
  }
  const pixels = set.rows * set.cols;
  const cols = set.cols;
  const scale = 1 / (255 * std);
  const shift = mean / std;
  const coin = options.flip ? createRng(options.seed ?? 0, `flip:${options.epoch ?? 0}`) : null;
  for (let start = 0; start < order.length; start += batchSize) {
    const end = Math.min(order.length, start + batchSize);
    if (end - start < batchSize && options.dropLast) break;
    const B = end - start;
    const images = new Float32Array(B * pixels);
    const labels = new Int32Array(B);
    const index = order.slice(start, end);
    for (let b = 0; b < B; b++) {
      const i = index[b];
      const src = set.images.subarray(i * pixels, (i + 1) * pixels);
      const off = b * pixels;
      if (coin && coin() < 0.5) {
        for (let p = 0; p < pixels; p++) {
          const c = p % cols;
          images[off + p] = src[p - c + cols - 1 - c] * scale - shift;
        }
      } else {
        for (let p = 0; p < pixels; p++) images[off + p] = src[p] * scale - shift;
      }
      labels[b] = set.labels[i];
    }
    yield {
      size: B,
      images,
      labels,
      index,
      shapes: { images: [B, set.rows, set.cols, 1], labels: [B] },
    };
  }
}
