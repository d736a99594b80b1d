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
  assert.match(record!.detail, /last 50 steps 4\.9\d+ is not below the floor 4\.74/);
  assert.equal(healthy.finish(300), null);
  // without a floor nothing is decided at the end
  assert.equal(new CollapseDetector().finish(10), null);
});

Deno.test("collapse: floorZ flags a run sitting on the floor, not a slow one that has left it", () => {
  const floor = 4.942; // the unigram entropy of the stability suite's LM
  const noise = (step: number) => 0.08 * Math.sin(step * 2.39996); // batch noise, s.d. ≈ 0.057
  const detectors = {
    // on the plateau: a hair under the floor by luck of the batches, not detectably below it
    onFloor: [floor - 0.004, new CollapseDetector({ floor, floorZ: 3 })],
    onFloorPlainMean: [floor - 0.004, new CollapseDetector({ floor })],
    // slow but past the plateau (an lr 1e-3 run of the first sweep ended 4.80)
    slow: [4.8, new CollapseDetector({ floor, floorZ: 3 })],
  } as const;
  for (let step = 1; step <= 300; step++) {
    for (const [level, d] of Object.values(detectors)) {
      assert.equal(d.observe(step, Math.max(level, 6.2 - step / 20) + noise(step), 1), null);
    }
  }
  const onFloor = detectors.onFloor[1].finish(300);
  assert.equal(onFloor?.reason, "no-progress");
  assert.match(onFloor!.detail, /is not 3 s\.e\. \(0\.00\d+\) below the floor 4\.9420/);
  // the plain mean is fooled by the noise; the slow run is no collapse
  assert.equal(detectors.onFloorPlainMean[1].finish(300), null);
  assert.equal(detectors.slow[1].finish(300), null);
  // a short tail of identical losses has no spread: the plain comparison decides
  const flat = new CollapseDetector({ floor, floorZ: 3, floorWindow: 5 });
  for (let step = 1; step <= 5; step++) flat.observe(step, floor - 0.01, 1);
  assert.equal(flat.finish(5), null);
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
  collapse: { blowUp: 1.5, belowUnigram: 0, unigramZ: 3 },
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
  assert.match(planted.collapse!.reason, /is not 3 s\.e\. \([\d.]+\) below the unigram entropy/);
  assert.ok((planted.metrics.train_loss as number) > unigram - 0.2);
  // the same model at a sound learning rate learns context past the unigram plateau
  const healthy = await trainLanguageModel(STUCK_INPUT, { progress: () => {} });
  assert.equal(healthy.collapse, null, JSON.stringify(healthy.collapse));
  assert.ok((healthy.metrics.train_loss as number) < unigram - 0.2);
  assert.equal(healthy.notes?.unigramEntropy, unigram);
});
