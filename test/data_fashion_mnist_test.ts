// Fashion-MNIST: documented counts, the first training label, normalisation, the image task.
import assert from "node:assert/strict";
import {
  FASHION_MNIST_CLASSES,
  loadFashionMnist,
} from "../src/data/fashion_mnist/fashion_mnist.ts";
import {
  FASHION_MNIST_MEAN,
  FASHION_MNIST_STD,
  loadImageCorpus,
} from "../src/data/fashion_mnist/image_corpus.ts";
import { imageBatches } from "../src/data/fashion_mnist/image_batches.ts";

const quiet = { log: () => {} };

Deno.test("Fashion-MNIST has 60,000 training and 10,000 test images of 28×28", async () => {
  const { train, test, classes } = await loadFashionMnist(quiet);
  assert.equal(train.count, 60_000);
  assert.equal(test.count, 10_000);
  assert.equal(train.rows, 28);
  assert.equal(train.cols, 28);
  assert.equal(train.images.length, 60_000 * 784);
  assert.equal(test.labels.length, 10_000);
  assert.equal(classes.length, 10);
  // The first training image is an ankle boot (label 9), as in Zalando's README sprite.
  assert.equal(train.labels[0], 9);
  assert.equal(FASHION_MNIST_CLASSES[train.labels[0]], "Ankle boot");
  assert.equal(test.labels[0], 9);
  // Balanced classes: 6000 per class in training.
  const perClass = new Array(10).fill(0);
  for (const l of train.labels) perClass[l]++;
  assert.deepEqual(perClass, new Array(10).fill(6000));
});

Deno.test("the pinned normalisation constants are the training set's pixel mean and std", async () => {
  const { train } = await loadFashionMnist(quiet);
  let sum = 0;
  let sq = 0;
  for (const p of train.images) {
    sum += p / 255;
    sq += (p / 255) ** 2;
  }
  const mean = sum / train.images.length;
  const std = Math.sqrt(sq / train.images.length - mean * mean);
  assert.ok(Math.abs(mean - FASHION_MNIST_MEAN) < 1e-6);
  assert.ok(Math.abs(std - FASHION_MNIST_STD) < 1e-6);
});

Deno.test("image task: seeded validation carved from training, official test split", async () => {
  const task = await loadImageCorpus({ ...quiet, seed: 1 });
  assert.deepEqual(task.summary.sizes, { train: 55_000, valid: 5_000, test: 10_000 });
  const seen = new Set([...task.train, ...task.valid]);
  assert.equal(seen.size, 60_000);
  const again = await loadImageCorpus({ ...quiet, seed: 1, trainSize: 1000, testSize: 500 });
  assert.deepEqual([...again.valid], [...task.valid]);
  assert.equal(again.train.length, 1000);
  assert.equal(again.test.length, 500);
});

Deno.test("image batches are normalised [B, 28, 28, 1] floats with labels", async () => {
  const task = await loadImageCorpus({ ...quiet, trainSize: 1000 });
  const batches = [
    ...imageBatches(task.data.train, {
      batchSize: 256,
      indices: task.train,
      mean: task.mean,
      std: task.std,
      seed: 3,
    }),
  ];
  assert.deepEqual(batches.map((b) => b.size), [256, 256, 256, 232]);
  assert.deepEqual(batches[0].shapes.images, [256, 28, 28, 1]);
  let sum = 0;
  let n = 0;
  for (const b of batches) {
    for (const x of b.images) {
      sum += x;
      n++;
    }
    for (const [k, i] of b.index.entries()) assert.equal(b.labels[k], task.data.train.labels[i]);
  }
  assert.ok(Math.abs(sum / n) < 0.1, `mean after normalisation ${sum / n}`);
  const black = -task.mean / task.std;
  assert.ok(batches[0].images.every((x) => x >= black - 1e-6));
});
