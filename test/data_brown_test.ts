// The Brown Corpus and the language-modelling task.
import assert from "node:assert/strict";
import { BROWN_GENRES, brownGenre, loadBrown, parseTaggedLine } from "../src/data/brown/brown.ts";
import { loadLanguageModelCorpus } from "../src/data/brown/lm_corpus.ts";
import { lmBatches } from "../src/data/brown/lm_batches.ts";
import type { WordVocab } from "../src/data/tokenize/word_vocab.ts";
import { BpeTokenizer } from "../src/data/tokenize/bpe.ts";

const quiet = { log: () => {} };

Deno.test("Brown: 500 files in 15 genres, 57,340 sentences, 1,161,192 tokens, tags stripped", async () => {
  const brown = await loadBrown(quiet);
  assert.equal(brown.files.length, 500);
  assert.equal(new Set(brown.files.map(brownGenre)).size, 15);
  assert.deepEqual(
    Object.keys(BROWN_GENRES).sort(),
    [...new Set(brown.files.map(brownGenre))].sort(),
  );
  assert.equal(brown.sentences.length, 57_340);
  assert.equal(brown.tokens, 1_161_192);
  assert.equal(
    brown.sentences[0],
    "The Fulton County Grand Jury said Friday an investigation of Atlanta's recent primary election produced `` no evidence '' that any irregularities took place .",
  );
  assert.equal(brown.tags[0].split(" ")[0], "at");
  assert.equal(brown.tags[0].split(" ").length, brown.sentences[0].split(" ").length);
  assert.equal(brown.files[brown.fileOf[57_339]], "cr09");
});

Deno.test("tagged tokens split at the last slash", () => {
  const { words, tags } = parseTaggedLine("\tAtlanta's/np$ 1/2/cd ./.");
  assert.deepEqual(words, ["Atlanta's", "1/2", "."]);
  assert.deepEqual(tags, ["np$", "cd", "."]);
});

Deno.test("LM task: files split genre-stratified 450/25/25, PTB-style 10k vocabulary with <unk>", async () => {
  const task = await loadLanguageModelCorpus({ ...quiet });
  assert.equal(task.summary.details.trainFiles, 450);
  assert.equal(task.summary.details.validFiles, 25);
  assert.equal(task.summary.details.testFiles, 25);
  for (const split of [task.valid, task.test]) {
    assert.equal(new Set(split.files.map(brownGenre)).size, 15); // every genre evaluated
  }
  const all = new Set([...task.train.files, ...task.valid.files, ...task.test.files]);
  assert.equal(all.size, 500);
  const { train, valid, test } = task.summary.sizes;
  assert.equal(train + valid + test, 57_340);
  assert.equal(task.vocabSize, 10_000);
  const vocab = task.vocab as WordVocab;
  assert.deepEqual(vocab.words.slice(0, 4), ["<pad>", "<unk>", "<eos>", "the"]);
  // One <eos> per sentence; words counted PTB-style with <eos>.
  const eos = task.valid.stream.filter((id) => id === vocab.eosId).length;
  assert.equal(eos, valid);
  assert.equal(task.valid.words, task.valid.stream.length);
  const unk = task.test.stream.filter((id) => id === vocab.unkId).length / task.test.stream.length;
  assert.ok(unk > 0.05 && unk < 0.15, `test <unk> rate ${unk}`); // 9.5% with seed 1
});

Deno.test("LM task with BPE counts words for per-word perplexity", async () => {
  const task = await loadLanguageModelCorpus({ ...quiet, tokenization: "bpe", vocabSize: 4000 });
  assert.ok(task.vocab instanceof BpeTokenizer);
  assert.equal(task.vocabSize, 4000);
  assert.ok(task.test.stream.length > task.test.words);
});

Deno.test("LM batches are contiguous [B, T+1] windows overlapping by one token", async () => {
  const task = await loadLanguageModelCorpus({ ...quiet });
  const stream = task.valid.stream;
  const B = 8;
  const T = 35;
  const batches = lmBatches(stream, { batchSize: B, seqLen: T });
  const rowLen = Math.floor(stream.length / B);
  assert.equal(batches.length, Math.floor((rowLen - 1) / T));
  for (const [w, b] of batches.entries()) {
    assert.deepEqual(b.shapes.tokens, [B, T + 1]);
    for (let r = 0; r < B; r++) {
      assert.equal(b.tokens[r * (T + 1)], stream[r * rowLen + w * T]);
      assert.equal(b.tokens[r * (T + 1) + T], stream[r * rowLen + w * T + T]);
    }
  }
  const shuffled = lmBatches(stream, { batchSize: B, seqLen: T, shuffle: true, seed: 1 });
  const again = lmBatches(stream, { batchSize: B, seqLen: T, shuffle: true, seed: 1 });
  assert.deepEqual(shuffled.map((b) => b.tokens[0]), again.map((b) => b.tokens[0]));
});
