// Splits, batching budgets, masks, seeding, MLM masking and the tensor helper, on small inputs.
import assert from "node:assert/strict";
import { seededSplit, stratifiedSplit } from "../src/data/splits.ts";
import { translationBatches } from "../src/data/bible/translation_batches.ts";
import { classificationBatches } from "../src/data/sentiment/classification_batches.ts";
import { lmBatches } from "../src/data/brown/lm_batches.ts";
import { maskTokens } from "../src/data/brown/mlm.ts";
import { createRng, permutation } from "../src/util/random.ts";
import { batchTensors } from "../src/data/tensors.ts";
import { imageBatches } from "../src/data/fashion_mnist/image_batches.ts";
import { MASK_ID } from "../src/util/special_tokens.ts";
import { initBackend } from "../src/backend/backend.ts";

Deno.test("seeded splits are disjoint, complete and reproducible", () => {
  const a = seededSplit(1000, { testSize: 100, validSize: 50, seed: 7 });
  const b = seededSplit(1000, { testSize: 100, validSize: 50, seed: 7 });
  const c = seededSplit(1000, { testSize: 100, validSize: 50, seed: 8 });
  assert.deepEqual(a, b);
  assert.notDeepEqual(a.test, c.test);
  const all = new Set([...a.train, ...a.valid, ...a.test]);
  assert.equal(all.size, 1000);
  assert.equal(a.train.length, 850);
  assert.throws(() => seededSplit(10, { testSize: 8, validSize: 5, seed: 1 }), RangeError);
});

Deno.test("stratified split keeps proportions per stratum and a minimum per stratum", () => {
  const strata = [...new Array(40).fill("a"), ...new Array(6).fill("m")];
  const s = stratifiedSplit(strata, { valid: 0.05, test: 0.05, seed: 1, minPerStratum: 1 });
  assert.equal(s.test.length, 2 + 1);
  assert.equal(s.valid.length, 2 + 1);
  assert.equal(s.train.length, 46 - 6);
  assert.ok([...s.test].some((i) => strata[i] === "m"));
});

Deno.test("the PRNG is seeded (no Math.random): same seed, same permutation", () => {
  assert.deepEqual(permutation(20, createRng(3, "x")), permutation(20, createRng(3, "x")));
  assert.notDeepEqual(permutation(20, createRng(3, "x")), permutation(20, createRng(3, "y")));
});

Deno.test("translation batches: budget counts padding, max sentences, oversize example refused", () => {
  const ex = Array.from({ length: 200 }, (_, i) => ({
    src: new Int32Array(3 + (i * 7) % 30).fill(10),
    tgt: new Int32Array(2 + (i * 11) % 25).fill(11),
  }));
  for (const maxTokens of [40, 100, 500]) {
    const batches = translationBatches(ex, { maxTokens, seed: 1 });
    assert.equal(batches.reduce((n, b) => n + b.size, 0), 200);
    for (const b of batches) assert.ok(b.size * Math.max(b.srcLen, b.tgtLen) <= maxTokens);
  }
  const capped = translationBatches(ex, { maxTokens: 10_000, maxSentences: 16, shuffle: false });
  assert.ok(capped.every((b) => b.size <= 16));
  // Without shuffling, batches come in length order and index restores corpus order.
  const lengths = capped.map((b) => b.srcLen);
  assert.deepEqual(lengths, [...lengths].sort((x, y) => x - y));
  assert.throws(() => translationBatches(ex, { maxTokens: 20 }), /more than the batch budget/);
});

Deno.test("classification batches pad to the longest sentence or to maxLen", () => {
  const ex = [{ ids: Int32Array.of(9, 9, 9), label: 1 }, { ids: Int32Array.of(9), label: 0 }];
  const [b] = classificationBatches(ex, { batchSize: 2, shuffle: false });
  assert.equal(b.length, 4);
  assert.deepEqual(Array.from(b.mask), [0, 0, 0, 0, 0, 0, 1, 1]);
  const [fixed] = classificationBatches(ex, {
    batchSize: 2,
    shuffle: false,
    padToMax: true,
    maxLen: 6,
  });
  assert.equal(fixed.length, 6);
  const [noCls] = classificationBatches(ex, { batchSize: 2, shuffle: false, cls: false });
  assert.deepEqual(Array.from(noCls.ids), [9, 9, 9, 9, 0, 0]);
});

Deno.test("LM batches drop the incomplete tail window", () => {
  const stream = Int32Array.from({ length: 1000 }, (_, i) => i);
  const batches = lmBatches(stream, { batchSize: 4, seqLen: 30 });
  assert.equal(batches.length, 8); // rows of 250 tokens: 8 windows of 30 (+1)
  assert.equal(batches[1].tokens[0], 30);
  assert.equal(batches[0].tokens[31], 250);
});

Deno.test("MLM masking: ~15% chosen, 80% <mask>, specials and padding never chosen", () => {
  const ids = Int32Array.from({ length: 20_000 }, (_, i) => (i % 10 === 0 ? 0 : 10 + (i % 90)));
  const m = maskTokens(ids, { vocabSize: 100, rng: createRng(1) });
  let chosen = 0;
  let masked = 0;
  for (let i = 0; i < ids.length; i++) {
    if (ids[i] === 0) assert.equal(m.weight[i], 0);
    if (m.weight[i]) {
      chosen++;
      if (m.input[i] === MASK_ID) masked++;
    } else assert.equal(m.input[i], ids[i]);
  }
  const rate = chosen / 18_000;
  assert.ok(rate > 0.13 && rate < 0.17, `rate ${rate}`);
  assert.ok(masked / chosen > 0.77 && masked / chosen < 0.83);
  assert.deepEqual(m.target, ids);
});

Deno.test("batchTensors turns ids into int32 and masks/pixels into float32 tensors", async () => {
  await initBackend("cpu");
  const [b] = translationBatches([{ src: Int32Array.of(10, 11), tgt: Int32Array.of(12) }], {
    maxTokens: 100,
  });
  const t = batchTensors(b);
  try {
    assert.equal(t.src.dtype, "int32");
    assert.deepEqual(t.src.shape, [1, 3]);
    assert.equal(t.srcMask.dtype, "float32");
    assert.deepEqual(t.tgtIn.shape, [1, 2]);
  } finally {
    Object.values(t).forEach((x) => x.dispose());
  }
});

Deno.test("image batches: flip mirrors about half the images left–right, reproducibly", () => {
  // 40 images of 2×3 whose pixel values encode their column
  const count = 40;
  const set = {
    count,
    rows: 2,
    cols: 3,
    images: Uint8Array.from({ length: count * 6 }, (_, i) => 10 * ((i % 6) % 3) + 1),
    labels: new Uint8Array(count),
  };
  const plain = [...imageBatches(set as never, { batchSize: count, shuffle: false })][0];
  const flipped =
    [...imageBatches(set as never, { batchSize: count, shuffle: false, flip: true })][0];
  const again =
    [...imageBatches(set as never, { batchSize: count, shuffle: false, flip: true })][0];
  assert.deepEqual(flipped.images, again.images);
  let mirrored = 0;
  for (let b = 0; b < count; b++) {
    const row = (img: Float32Array) => Array.from(img.subarray(b * 6, b * 6 + 3));
    const p = row(plain.images);
    const f = row(flipped.images);
    if (f.join() === [...p].reverse().join()) mirrored++;
    else assert.deepEqual(f, p, "an image is either kept or mirrored");
  }
  assert.ok(mirrored > 8 && mirrored < 32, `${mirrored} of ${count} mirrored`);
});
