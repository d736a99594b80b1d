/**
 * The image-classification corpus (the ImageNet analogue): Fashion-MNIST's official 60k/10k split,
 * with a validation split carved from training by a fixed seed, and the training set's pixel mean
 * and standard deviation for normalisation.
 *
 * @module
 */
import { type FashionMnist, loadFashionMnist } from "./fashion_mnist.ts";
import { type DataOptions, resolveDataOptions } from "../provision/options.ts";
import { createRng, permutation } from "../../util/random.ts";
import type { CorpusSummary } from "../bible/translation_corpus.ts";

/**
 * Mean of Fashion-MNIST training pixels scaled to [0, 1] (all 60,000 images).
 *
 * @example
 * ```ts
 * import { FASHION_MNIST_MEAN } from "@normbench/normbench";
 * console.assert(Math.abs(FASHION_MNIST_MEAN - 0.286) < 1e-3);
 * ```
 */
export const FASHION_MNIST_MEAN = 0.2860406;
/**
 * Standard deviation of Fashion-MNIST training pixels scaled to [0, 1].
 *
 * @example
 * ```ts
 * import { FASHION_MNIST_STD } from "@normbench/normbench";
 * console.assert(Math.abs(FASHION_MNIST_STD - 0.353) < 1e-3);
 * ```
 */
export const FASHION_MNIST_STD = 0.3530242;

/** Options of {@linkcode loadImageCorpus}. */
export interface ImageCorpusOptions extends DataOptions {
  /** Images carved from training for validation (default 5000). */
  validSize?: number;
  /** Use at most this many training images (a seeded subset; default all). */
  trainSize?: number;
  /** Use at most this many test images (a seeded subset; default all 10,000). */
  testSize?: number;
  /** Seed (default 1). */
  seed?: number;
}

/** The image corpus: index lists into the data's train and test sets. */
export interface ImageCorpus {
  /** The decoded data. */
  readonly data: FashionMnist;
  /** Indices into `data.train` for training. */
  readonly train: Int32Array;
  /** Indices into `data.train` for validation. */
  readonly valid: Int32Array;
  /** Indices into `data.test`. */
  readonly test: Int32Array;
  /** Normalisation for {@linkcode imageBatches}. */
  readonly mean: number;
  /** Normalisation for {@linkcode imageBatches}. */
  readonly std: number;
  /** Number of classes (10). */
  readonly classes: number;
  /** Sizes for reports. */
  readonly summary: CorpusSummary;
}

/**
 * Loads the Fashion-MNIST corpus.
 *
 * @example
 * ```ts ignore
 * import { imageBatches, loadImageCorpus } from "@normbench/normbench";
 * const corpus = await loadImageCorpus({ trainSize: 10000 });
 * const batches = imageBatches(corpus.data.train, { batchSize: 64, indices: corpus.train, mean: corpus.mean, std: corpus.std });
 * console.log(corpus.summary.sizes, batches.next().value?.shapes.images);
 * ```
 */
export async function loadImageCorpus(options: ImageCorpusOptions = {}): Promise<ImageCorpus> {
  const opts = resolveDataOptions(options);
  const seed = options.seed ?? 1;
  const data = await loadFashionMnist(opts);
  const validSize = options.validSize ?? 5000;
  const p = permutation(data.train.count, createRng(seed, "fashion-valid"));
  const valid = p.slice(0, validSize).sort();
  const train = p.slice(validSize, validSize + (options.trainSize ?? Infinity)).sort();
  const testAll = permutation(data.test.count, createRng(seed, "fashion-test"));
  const test = (options.testSize ? testAll.slice(0, options.testSize) : testAll).sort();
  return {
    data,
    train,
    valid,
    test,
    mean: FASHION_MNIST_MEAN,
    std: FASHION_MNIST_STD,
    classes: data.classes.length,
    summary: {
      dataset: "fashion-mnist",
      sizes: { train: train.length, valid: valid.length, test: test.length },
      vocabSize: 0,
      details: { seed, officialTrain: data.train.count, officialTest: data.test.count },
    },
  };
}
