// UCI Sentiment Labelled Sentences (Kotzias et al. 2015) and the classification task.
import assert from "node:assert/strict";
import { loadSentiment, parseSentimentJson } from "../src/data/sentiment/sentiment.ts";
import { loadClassificationCorpus } from "../src/data/sentiment/classification_corpus.ts";
import { classificationBatches } from "../src/data/sentiment/classification_batches.ts";
import { CLS_ID, PAD_ID } from "../src/util/special_tokens.ts";

const quiet = { log: () => {} };

Deno.test("3 × 1000 labelled sentences, 500 per class per source", async () => {
  const rows = await loadSentiment(quiet);
  assert.equal(rows.length, 3000);
  for (const source of ["amazon", "imdb", "yelp"]) {
    const mine = rows.filter((r) => r.source === source);
    assert.equal(mine.length, 1000);
    assert.equal(mine.filter((r) => r.label === 1).length, 500);
  }
  assert.deepEqual(rows[0], {
    text: "So there is no way for me to plug it in here in the US unless I go by a converter.",
    label: 0,
    source: "amazon",
  });
  assert.deepEqual(rows[1], { text: "Good case, Excellent value.", label: 1, source: "amazon" });
});

Deno.test("the trailing empty entry is dropped, other malformed entries are errors", () => {
  assert.equal(
    parseSentimentJson('[{"text":"ok","class":1},{"text":"","class":null}]', "x").length,
    1,
  );
  assert.throws(() => parseSentimentJson('[{"text":"","class":null},{"text":"a","class":1}]', "x"));
  assert.throws(() => parseSentimentJson('[{"text":"a","class":2}]', "x"));
});

Deno.test("classification task: 80/10/10 split stratified by source × label", async () => {
  const task = await loadClassificationCorpus({ ...quiet, vocabSize: 2000 });
  assert.deepEqual(task.summary.sizes, { train: 2400, valid: 300, test: 300 });
  assert.equal(task.tokenizer.vocabSize, 2000);
  for (const split of [task.valid, task.test]) {
    for (const source of ["amazon", "imdb", "yelp"]) {
      for (const label of [0, 1]) {
        assert.equal(split.filter((e) => e.source === source && e.label === label).length, 50);
      }
    }
  }
  const texts = new Set(
    [...task.train, ...task.valid, ...task.test].map((e) => `${e.source}:${e.text}`),
  );
  assert.equal(texts.size, 2983); // 17 sentences repeat verbatim within their source (e.g. "Works great.")
  for (const e of task.test) assert.equal(task.tokenizer.decode(e.ids), e.text);
});

Deno.test("classification batches: <cls> first, pad mask 1 on padding, truncation", async () => {
  const task = await loadClassificationCorpus({ ...quiet, vocabSize: 2000 });
  const batches = classificationBatches(task.train, { batchSize: 32, maxLen: 24, seed: 2 });
  assert.equal(batches.length, Math.ceil(2400 / 32));
  for (const b of batches) {
    assert.ok(b.length <= 24);
    for (let r = 0; r < b.size; r++) {
      const ex = task.train[b.index[r]];
      const n = Math.min(24, ex.ids.length + 1);
      assert.equal(b.ids[r * b.length], CLS_ID);
      assert.equal(b.labels[r], ex.label);
      for (let t = 0; t < b.length; t++) {
        assert.equal(b.mask[r * b.length + t], t < n ? 0 : 1);
        if (t >= n) assert.equal(b.ids[r * b.length + t], PAD_ID);
        else if (t > 0) assert.equal(b.ids[r * b.length + t], ex.ids[t - 1]);
      }
    }
  }
});
