/**
 * Fashion-MNIST: 60,000 training and 10,000 test images, 28×28 grey, 10 classes, from the
 * Debian package `dataset-fashion-mnist` (or a directory of the four `.gz` files).
 *
 * @module
 */
import { cachedBundle } from "../cache/decoded_cache.ts";
import { gunzip } from "../cache/compression.ts";
import { parseIdx } from "./idx.ts";
import { type DataOptions, resolveDataOptions } from "../provision/options.ts";
import { provideDataset } from "../provision/provision.ts";

/**
 * Class names in label order.
 *
 * @example
 * ```ts
 * import { FASHION_MNIST_CLASSES } from "@normbench/normbench";
 * console.assert(FASHION_MNIST_CLASSES[9] === "Ankle boot");
 * ```
 */
export const FASHION_MNIST_CLASSES: readonly string[] = [
  "T-shirt/top",
  "Trouser",
  "Pullover",
  "Dress",
  "Coat",
  "Sandal",
  "Shirt",
  "Sneaker",
  "Bag",
  "Ankle boot",
];

/** A set of grey images with labels. */
export interface ImageSet {
  /** Pixels 0–255, `[count, rows, cols]` row-major. */
  readonly images: Uint8Array;
  /** Class per image. */
  readonly labels: Uint8Array;
  /** Number of images. */
  readonly count: number;
  /** Image height. */
  readonly rows: number;
  /** Image width. */
  readonly cols: number;
}

/** The official Fashion-MNIST split. */
export interface FashionMnist {
  /** 60,000 training images. */
  readonly train: ImageSet;
  /** 10,000 test images. */
  readonly test: ImageSet;
  /** Class names. */
  readonly classes: readonly string[];
}

async function decodePair(imagesPath: string, labelsPath: string): Promise<ImageSet> {
  const images = parseIdx(await gunzip(await Deno.readFile(imagesPath)));
  const labels = parseIdx(await gunzip(await Deno.readFile(labelsPath)));
  const [count, rows, cols] = images.dims;
  if (labels.dims[0] !== count) throw new Error(`${labelsPath}: label count ≠ image count`);
  return { images: images.data.slice(), labels: labels.data.slice(), count, rows, cols };
}

/**
 * Loads Fashion-MNIST (provisioning it on first use); decoded pixels are cached, so a second
 * load is one file read.
 *
 * @example
 * ```ts ignore
 * import { loadFashionMnist } from "@normbench/normbench";
 * const { train, test } = await loadFashionMnist();
 * console.log(train.count, test.count, train.labels[0]); // 60000 10000 9
 * ```
 */
export async function loadFashionMnist(options: DataOptions = {}): Promise<FashionMnist> {
  const opts = resolveDataOptions(options);
  const data = await provideDataset("fashion-mnist", opts);
  const [trainImages, trainLabels, testImages, testLabels] = data.paths;
  const bundle = await cachedBundle(data.spec, "idx-1", opts.cacheDir, async () => {
    const train = await decodePair(trainImages, trainLabels);
    const test = await decodePair(testImages, testLabels);
    return {
      meta: { train: train.count, test: test.count, rows: train.rows, cols: train.cols },
      columns: {
        trainImages: train.images,
        trainLabels: train.labels,
        testImages: test.images,
        testLabels: test.labels,
      },
    };
  });
  const m = bundle.meta as { train: number; test: number; rows: number; cols: number };
  const c = bundle.columns as Record<string, Uint8Array>;
  const set = (images: Uint8Array, labels: Uint8Array, count: number): ImageSet => ({
    images,
    labels,
    count,
    rows: m.rows,
    cols: m.cols,
  });
  return {
    train: set(c.trainImages, c.trainLabels, m.train),
    test: set(c.testImages, c.testLabels, m.test),
    classes: FASHION_MNIST_CLASSES,
  };
}
