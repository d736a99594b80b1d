// The KJV ↔ RV1909 parallel corpus and the translation task built on it.
import assert from "node:assert/strict";
import { loadBible } from "../src/data/bible/bible.ts";
import { loadTranslationCorpus } from "../src/data/bible/translation_corpus.ts";
import { translationBatches } from "../src/data/bible/translation_batches.ts";
import { BOS_ID, EOS_ID, PAD_ID } from "../src/util/special_tokens.ts";

const quiet = { log: () => {} };

Deno.test("the Bibles align 31,150 non-empty slot pairs, 31,084 verse pairs without headings", async () => {
  const { pairs, counts } = await loadBible(quiet);
  assert.deepEqual(counts, {
    slots: 32_361,
    nonEmptySlotPairs: 31_150,
    verseSlots: 31_102,
    versePairs: 31_084,
    oneSided: 18,
  });
  assert.equal(pairs.length, 31_084);
  assert.deepEqual(pairs[0], {
    ref: "Gen.1.1",
    en: "In the beginning God created the heaven and the earth.",
    es: "EN el principio crió Dios los cielos y la tierra.",
  });
  assert.deepEqual(pairs.at(-1), {
    ref: "Rev.22.21",
    en: "The grace of our Lord Jesus Christ be with you all. Amen.",
    es: "La gracia de nuestro Señor Jesucristo sea con todos vosotros. Amén.",
  });
  const john316 = pairs.find((p) => p.ref === "John.3.16")!;
  assert.match(john316.en, /^For God so loved the world/);
  assert.match(john316.es, /^Porque de tal manera amó Dios al mundo/);
});

Deno.test("verse text carries no OSIS tags, footnotes, USFM markers or pilcrows", async () => {
  const { pairs } = await loadBible(quiet);
  for (const p of pairs) {
    for (const text of [p.en, p.es]) {
      assert.ok(!/[<>¶\\]/.test(text), `${p.ref}: ${text}`);
      assert.equal(text, text.trim());
      assert.ok(!/\s{2}/.test(text), `${p.ref}: ${text}`);
    }
  }
  // Gen 1:5 carries a KJV footnote ("Heb. And the evening was…"): it must be gone.
  const gen15 = pairs.find((p) => p.ref === "Gen.1.5")!;
  assert.equal(
    gen15.en,
    "And God called the light Day, and the darkness he called Night. And the evening and the morning were the first day.",
  );
});

Deno.test("translation task: ≈11.7k pairs of ≤ 20 words, seeded 1000/500 test/valid split", async () => {
  const task = await loadTranslationCorpus({ ...quiet, vocabSize: 8000 });
  assert.equal(task.summary.details.afterLengthFilter, 11_712);
  assert.deepEqual(task.summary.sizes, { train: 10_212, valid: 500, test: 1000 });
  assert.equal(task.summary.vocabSize, 8000);
  const refs = new Set([...task.train, ...task.valid, ...task.test].map((e) => e.ref));
  assert.equal(refs.size, 11_712);
  // Spanish → English by default; every test pair round-trips through the joint BPE.
  for (const ex of task.test) {
    assert.equal(task.tokenizer.decode(ex.src), ex.srcText);
    assert.equal(task.tokenizer.decode(ex.tgt), ex.tgtText);
  }
  assert.ok(task.test.every((e) => e.srcText.split(" ").length <= 20));
  // The vocabulary is joint: it has pieces of both languages.
  assert.ok(task.tokenizer.id(" the") !== undefined && task.tokenizer.id(" el") !== undefined);
  const again = await loadTranslationCorpus({ ...quiet, vocabSize: 8000 });
  assert.deepEqual(again.test.map((e) => e.ref), task.test.map((e) => e.ref));
});

Deno.test("translation batches stay within the token budget and mark padding with 1", async () => {
  const task = await loadTranslationCorpus({ ...quiet, vocabSize: 8000 });
  const maxTokens = 1024;
  const batches = translationBatches(task.train, { maxTokens, seed: 5 });
  assert.equal(batches.reduce((n, b) => n + b.size, 0), task.train.length);
  let padded = 0;
  let real = 0;
  for (const b of batches) {
    assert.ok(b.size * Math.max(b.srcLen, b.tgtLen) <= maxTokens);
    for (let r = 0; r < b.size; r++) {
      const ex = task.train[b.index[r]];
      assert.equal(b.tgtIn[r * b.tgtLen], BOS_ID);
      assert.equal(b.src[r * b.srcLen + ex.src.length], EOS_ID);
      assert.equal(b.tgtOut[r * b.tgtLen + ex.tgt.length], EOS_ID);
      for (let t = 0; t < b.srcLen; t++) {
        const isPad = t > ex.src.length;
        assert.equal(b.srcMask[r * b.srcLen + t], isPad ? 1 : 0);
        if (isPad) assert.equal(b.src[r * b.srcLen + t], PAD_ID);
      }
      padded += b.tgtMask.subarray(r * b.tgtLen, (r + 1) * b.tgtLen).reduce((s, x) => s + x, 0);
    }
    real += b.targetTokens;
  }
  // Bucketing by length keeps padding small.
  assert.ok(padded / (padded + real) < 0.1, `padding ${padded} of ${padded + real}`);
  // Same seed and epoch → same batches; another epoch → another order.
  const again = translationBatches(task.train, { maxTokens, seed: 5 });
  assert.deepEqual(again.map((b) => b.index[0]), batches.map((b) => b.index[0]));
  const epoch1 = translationBatches(task.train, { maxTokens, seed: 5, epoch: 1 });
  assert.notDeepEqual(epoch1.map((b) => b.index[0]), batches.map((b) => b.index[0]));
});
