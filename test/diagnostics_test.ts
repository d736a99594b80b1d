/**
 * Per-layer diagnostics: attention entropy, hidden-state variance and RMS, gradient-norm spikes,
 * layer skipping and importance, bit-identical training with diagnostics on, the LM experiment's
 * diagnostics output and the `bench train --diagnostics` overhead.
 */
import assert from "node:assert/strict";
import * as tf from "../src/tf.ts";
import { initBackend } from "../src/backend/backend.ts";
import {
  attentionBias,
  attentionCore,
  attentionEntropy,
  type ForwardRecorder,
  hiddenStats,
  LayerRecorder,
  MASKED_SCORE,
  Scope,
  TransformerStack,
} from "../src/nn/mod.ts";
import { createModel, type NextTokenBatch } from "../src/models/mod.ts";
import { resolveNorm } from "../src/norms/registry.ts";
import {
  captureVariables,
  checkDiagnostics,
  GradientSpikeDetector,
  layerImportance,
  train,
  type TrainConfig,
  Trainer,
  TrainingDiagnostics,
} from "../src/train/mod.ts";
import { trainLanguageModel } from "../src/experiments/language_model.ts";
import { benchTrain } from "../src/bench/train.ts";
import { UsageError } from "../src/util/errors.ts";

const close = (a: number, b: number, tol = 1e-5) =>
  assert.ok(Math.abs(a - b) <= tol * Math.max(1, Math.abs(b)), `${a} vs ${b}`);

/** A tiny LM batch with right padding in its second row (pad id 0). */
function paddedBatch(): NextTokenBatch {
  const tokens = Int32Array.from([3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 5, 6, 7, 0, 0, 0]);
  return { kind: "lm", tokens, shape: [2, 8] };
}

Deno.test("attention entropy: uniform → log n, one-hot → 0, masked keys and pad queries left out", async () => {
  await initBackend("cpu");
  const n = 5;
  const uniform = tf.fill([1, 1, 3, n], 1 / n);
  close((await attentionEntropy(uniform).data())[0], Math.log(n));
  const oneHot = tf.reshape(tf.cast(tf.oneHot(tf.tensor1d([0, 2, 4], "int32"), n), "float32"), [
    1,
    1,
    3,
    n,
  ]);
  assert.equal((await attentionEntropy(oneHot).data())[0], 0);
  // two heads through the attention core: equal scores, keys 2…4 masked → uniform over 2 keys
  const q = tf.zeros([2, 1, 3, 4]);
  const bias = tf.tensor4d([0, 0, MASKED_SCORE, MASKED_SCORE, MASKED_SCORE], [1, 1, 1, n]);
  let probs: tf.Tensor | null = null;
  attentionCore({
    q,
    k: tf.zeros([2, 1, n, 4]),
    v: tf.zeros([2, 1, n, 4]),
    bias,
    onProbabilities: (p) => (probs = tf.keep(p.clone())),
  });
  const masked = await attentionEntropy(probs!).data();
  assert.equal(masked.length, 2);
  for (const e of masked) close(e, Math.log(2));
  // a pad query (here: the uniform one) does not count
  const mixed = tf.concat([
    tf.slice(oneHot, [0, 0, 0, 0], [1, 1, 2, n]),
    tf.slice(uniform, 0, [1, 1, 1, n]),
  ], 2);
  const valid = tf.tensor2d([[1, 1, 0]]);
  assert.equal((await attentionEntropy(mixed, valid).data())[0], 0);
  close((await attentionEntropy(mixed).data())[0], Math.log(n) / 3);
});

Deno.test("a model's forward records variance and RMS per layer over its real tokens", async () => {
  await initBackend("cpu");
  const lm = createModel({ model: "lm", preset: "tiny", norm: "ln", overrides: { layers: 3 } });
  // a recorder that copies the residual stream, to compute the statistics directly
  const copies: tf.Tensor[] = [];
  let pad: tf.Tensor | null = null;
  const spy: ForwardRecorder = {
    padding: (m) => (pad = tf.keep(m.clone())),
    residual: (i, h) => (copies[i] = tf.keep(h.clone())),
    attention: () => {},
  };
  const record = new LayerRecorder();
  const both: ForwardRecorder = {
    padding: (m) => (spy.padding(m), record.padding(m)),
    residual: (i, h) => (spy.residual(i, h), record.residual(i, h)),
    attention: (l, p) => (spy.attention(l, p), record.attention(l, p)),
  };
  tf.tidy(() => lm.logits(paddedBatch(), { training: false, record: both }));
  const r = await record.read();
  assert.equal(copies.length, 4);
  assert.equal(r.tokens, 7 + 5); // the inputs of row 2 end in two pads
  assert.equal(r.variance.length, 4);
  assert.equal(r.entropy.length, 3);
  assert.ok(r.entropy.every((heads) => heads.length === 2 && heads.every((e) => e >= 0)));
  const padValues = await pad!.data();
  for (let i = 0; i < copies.length; i++) {
    const values = await copies[i].data();
    const d = copies[i].shape[2]!;
    const real: number[] = [];
    for (let t = 0; t < padValues.length; t++) {
      if (padValues[t] === 0) real.push(...values.subarray(t * d, (t + 1) * d));
    }
    const mean = real.reduce((a, b) => a + b, 0) / real.length;
    const variance = real.reduce((a, b) => a + (b - mean) ** 2, 0) / real.length;
    const rms = Math.sqrt(real.reduce((a, b) => a + b * b, 0) / real.length);
    close(r.variance[i], variance, 1e-4);
    close(r.rms[i], rms, 1e-4);
  }
  // the standalone op agrees, and without a mask counts every token
  const [v0] = await hiddenStats(copies[0], tf.sub(1, pad!)).data();
  close(v0, r.variance[0], 1e-6);
  tf.dispose([...copies, pad!]);
  lm.dispose();
});

Deno.test("gradient-norm spikes: above 5× the running median of the previous norms", () => {
  const d = new GradientSpikeDetector({ window: 4, minHistory: 3 });
  const norms = [10, 1, 1, 1, 6, 1, 2, 4.9, 5.1, NaN, 30];
  const flagged = norms.map((n, i) => d.observe(i + 1, n)).filter((s) => s !== null);
  // step 2…4 have too little history; step 5: median(10,1,1,1) = 1 → 6 > 5; step 9: median of
  // (6,1,2,4.9) = 3.45 → 5.1 is not; NaN is skipped; step 11: median(1,2,4.9,5.1) = 3.45 → 30 is
  assert.deepEqual(flagged, [{ step: 5, norm: 6, median: 1 }, {
    step: 11,
    norm: 30,
    median: 3.45,
  }]);
  assert.deepEqual(d.spikes().map((s) => s.step), [5, 11]);
  const resumed = new GradientSpikeDetector({ window: 4, minHistory: 3 });
  resumed.setState(d.state());
  assert.equal(resumed.observe(12, 100)?.median, 4.9 / 2 + 5.1 / 2);
  assert.throws(() => new GradientSpikeDetector({ factor: 1 }), UsageError);
  assert.throws(() => checkDiagnostics({ every: 1.5 }), UsageError);
});

Deno.test("skipping a block equals running the stack without it", async () => {
  await initBackend("cpu");
  const stack = new TransformerStack(new Scope({ seed: 3 }), {
    layers: 3,
    dim: 8,
    heads: 2,
    ffnDim: 16,
    activation: "gelu",
    norm: resolveNorm("ln"),
    placement: "pre",
  });
  const x = tf.randomNormal([2, 4, 8], 0, 1, "float32", 1);
  const inputs = { bias: attentionBias({ causal: true, n: 4 }) };
  const ctx = { training: false };
  const skipped = stack.apply(x, inputs, { ...ctx, skipLayers: new Set([1]) });
  const manual = tf.tidy(() => {
    const h = stack.blocks[2].apply(stack.blocks[0].apply(x, inputs, ctx), inputs, ctx);
    return stack.finalNorm!.apply(h, { training: false });
  });
  assert.deepEqual(await skipped.data(), await manual.data());
  const full = stack.apply(x, inputs, ctx);
  assert.notDeepEqual(await full.data(), await skipped.data());
  assert.throws(() => stack.apply(x, inputs, { ...ctx, skipLayers: new Set([3]) }), UsageError);
  // layer importance on an LM: one loss change and one angle per block
  const lm = createModel({ model: "lm", preset: "tiny", norm: "ln", overrides: { layers: 3 } });
  const imp = await layerImportance(lm, { batches: [paddedBatch()] });
  assert.equal(imp.lossDelta.length, 3);
  assert.ok(imp.angularDistance.every((a) => a > 0 && a < 1));
  const manualLoss = tf.tidy(() =>
    lm.loss(paddedBatch(), { training: false, skipLayers: new Set([2]) })
  );
  close(imp.skippedLoss[2], (await manualLoss.data())[0], 1e-6);
  lm.dispose();
});

Deno.test("training with diagnostics on is bit-identical to off (losses, gradients, weights)", async () => {
  await initBackend("wasm");
  const batches = [paddedBatch(), {
    ...paddedBatch(),
    tokens: paddedBatch().tokens.map((t) => t && (t % 20) + 1),
  }];
  const run = async (diagnostics: TrainConfig["diagnostics"]) => {
    // UN updates its state in the forward, dropout draws from the training RNG
    const model = createModel({
      model: "lm",
      preset: "tiny",
      norm: "un",
      overrides: { dropout: 0.1 },
    });
    const result = await train(model, {
      steps: 6,
      seed: 2,
      optimizer: { kind: "adamw", lr: 3e-3, weightDecay: 0.01 },
      clipNorm: 0.5,
      quiet: true,
      diagnostics,
    }, { batch: (s) => batches[s % 2] });
    const weights = await captureVariables(model.variables());
    model.dispose();
    return { result, weights };
  };
  const off = await run(undefined);
  const on = await run({ every: 1 });
  assert.deepEqual(on.result.losses, off.result.losses);
  assert.deepEqual(on.weights, off.weights);
  assert.equal(off.result.diagnostics, undefined);
  const d = on.result.diagnostics!;
  assert.deepEqual(d.steps, [1, 2, 3, 4, 5, 6]);
  assert.equal(d.variance[0].length, 3);
  assert.equal(d.entropy[5].length, 2);
  // the gradient norms the spike detector saw are the trainer's own, also bit for bit
  const norms = async (record: boolean) => {
    const model = createModel({ model: "lm", preset: "tiny", norm: "ln" });
    const trainer = new Trainer(model, { steps: 2, optimizer: { kind: "adam", lr: 1e-3 } });
    const out: number[] = [];
    for (const step of [1, 2]) {
      const diag = new TrainingDiagnostics({ every: 1 });
      const rec = record ? diag.recorder(step) : undefined;
      out.push((await trainer.update(batches[0], step, { record: rec })).gradNorm);
      await diag.observe(step, out[out.length - 1], rec);
    }
    trainer.dispose();
    model.dispose();
    return out;
  };
  assert.deepEqual(await norms(true), await norms(false));
  // no tensor leaks with diagnostics on
  const before = tf.memory().numTensors;
  await run({ every: 2 });
  assert.equal(tf.memory().numTensors, before);
});

Deno.test("the LM experiment with diagnostics returns per-layer series of the right shapes", async () => {
  await initBackend("wasm");
  const layers = 3;
  const out = await trainLanguageModel({
    model: { preset: "small", overrides: { layers, dim: 32, heads: 2, ffnDim: 64 } },
    norm: "ln",
    placement: "pre",
    recipe: {
      steps: 12,
      batchSize: 4,
      seqLen: 16,
      lr: 3e-3,
      warmupFraction: 0.1,
      schedule: "cosine",
      weightDecay: 0.01,
    },
    data: { tokenization: "bpe", vocabSize: 500 },
    evalEvery: 0,
    evalTokens: 0,
    skipTest: true,
    diagnostics: { every: 4, importanceTokens: 256 },
    seed: 0,
  }, { progress: () => {} });
  const curves = out.curves!;
  assert.equal(curves.variance_by_layer.length, layers + 1);
  assert.equal(curves.rms_by_layer.length, layers + 1);
  assert.equal(curves.entropy_by_layer.length, layers);
  assert.equal(curves.importance_loss_by_layer.length, layers);
  assert.equal(curves.importance_angle_by_layer.length, layers);
  const d = out.notes!.diagnostics as {
    steps: number[];
    variance: number[][];
    entropy: number[][][];
    spikes: unknown[];
    importance: { lossDelta: number[] };
  };
  assert.deepEqual(d.steps, [4, 8, 12]);
  assert.ok(d.variance.every((row) => row.length === layers + 1));
  assert.ok(d.entropy.every((row) => row.length === layers && row.every((h) => h.length === 2)));
  assert.ok(Array.isArray(d.spikes));
  assert.equal(d.importance.lossDelta.length, layers);
  // plain JSON, and small
  assert.deepEqual(JSON.parse(JSON.stringify(out)), out);
  assert.ok(JSON.stringify(out.notes!.diagnostics).length < 4000);
  await assert.rejects(
    () =>
      trainLanguageModel({
        model: { preset: "tiny" },
        norm: "ln",
        recipe: {
          steps: 1,
          batchSize: 2,
          seqLen: 8,
          lr: 1e-3,
          warmupFraction: 0,
          schedule: "cosine",
          weightDecay: 0,
        },
        data: { tokenization: "bpe", vocabSize: 500 },
        evalEvery: 0,
        evalTokens: 0,
        diagnostics: { every: 0 },
        seed: 0,
      }, { progress: () => {} }),
    UsageError,
  );
});

Deno.test("bench train prices the diagnostics: overhead per update, amortized over k", async () => {
  await initBackend("wasm");
  const row = await benchTrain({
    model: "lm",
    preset: "tiny",
    norm: "ln",
    warmup: 1,
    repeats: 3,
    diagnostics: 10,
  });
  const d = row.diagnostics!;
  assert.equal(d.every, 10);
  assert.equal(d.msPlain, row.msPerStep);
  assert.ok(d.msDiagnostic > 0 && Number.isFinite(d.overhead));
  close(d.overhead, (d.msDiagnostic - d.msPlain) / (10 * d.msPlain), 1e-12);
  await assert.rejects(
    () => benchTrain({ model: "lm", preset: "tiny", norm: "ln", diagnostics: 0 }),
    UsageError,
  );
});
