// The collapse criterion of the stability suite: a run stuck at unigram level is a collapse
// ("no progress"), on planted losses and on a real language-model run that cannot learn (a
// vanishing learning rate), while a healthy run of the same model is not.
import assert from "node:assert/strict";
import { CollapseDetector } from "../src/train/collapse.ts";
import { trainLanguageModel } from "../src/experiments/language_model.ts";
import { initBackend } from "../src/backend/backend.ts";
import { loadLanguageModelCorpus } from "../src/data/brown/lm_corpus.ts";
import { unigramEntropy } from "../src/metrics/perplexity.ts";

Deno.test("collapse: planted losses stuck above the floor are 'no progress', below it are not", () => {
  const stuck = new CollapseDetector({ floor: 4.74, floorWindow: 50 });
  const healthy = new CollapseDetector({ floor: 4.74, floorWindow: 50 });
  for (let step = 1; step <= 300; step++) {
    // both start at ln(500) and fall to the unigram plateau (4.94); only one leaves it
    const plateau = Math.max(4.94, 6.2 - step / 20);
    assert.equal(stuck.observe(step, plateau + 0.01 * Math.sin(step), 1), null);
    assert.equal(healthy.observe(step, step < 150 ? plateau : 4.4, 1), null);
  }
  const record = stuck.finish(300);
  assert.equal(record?.reason, "no-progress");
  assert.match(record!.detail, /last 50 steps 4\.9\d+ is above the floor 4\.74/);
  assert.equal(healthy.finish(300), null);
  // without a floor nothing is decided at the end
  assert.equal(new CollapseDetector().finish(10), null);
});

const STUCK_INPUT = {
  model: { preset: "small", overrides: { layers: 2 } },
  norm: "ln",
  placement: "pre",
  recipe: {
    steps: 300,
    batchSize: 8,
    seqLen: 32,
    lr: 3e-3,
    warmupFraction: 0.1,
    schedule: "cosine",
    weightDecay: 0.01,
  },
  data: { tokenization: "bpe", vocabSize: 500 },
  evalEvery: 0,
  evalTokens: 0,
  collapse: { blowUp: 1.5, belowUnigram: 0.2 },
  skipTest: true,
  seed: 0,
};

Deno.test("collapse: an LM run planted at unigram level is flagged; a healthy one is not", async () => {
  await initBackend("wasm");
  const task = await loadLanguageModelCorpus({ tokenization: "bpe", vocabSize: 500 });
  const unigram = unigramEntropy(task.train.stream, task.vocabSize);
  // a learning rate so small the model never leaves its initial, near-uniform prediction
  const planted = await trainLanguageModel(
    { ...STUCK_INPUT, recipe: { ...STUCK_INPUT.recipe, steps: 60, lr: 1e-7 } },
    { progress: () => {} },
  );
  assert.equal(planted.collapse?.step, 60);
  assert.match(planted.collapse!.reason, /^no-progress: mean loss of the last 50 steps/);
  assert.ok((planted.metrics.train_loss as number) > unigram - 0.2);
  // the same model at a sound learning rate learns context past the unigram plateau
  const healthy = await trainLanguageModel(STUCK_INPUT, { progress: () => {} });
  assert.equal(healthy.collapse, null, JSON.stringify(healthy.collapse));
  assert.ok((healthy.metrics.train_loss as number) < unigram - 0.2);
  assert.equal(healthy.notes?.unigramEntropy, unigram);
});
