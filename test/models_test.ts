/**
 * The model zoo: every model with ln, bn and un learns a small synthetic task; placements,
 * presets, variable names, search and bad input.
 */
import assert from "node:assert/strict";
import * as tf from "../src/tf.ts";
import { initBackend } from "../src/backend/backend.ts";
import {
  type AnyModel,
  beamSearch,
  type ClassifyBatch,
  createModel,
  type ImageClassifyBatch,
  type NextTokenBatch,
  PRESETS,
  resolveModelConfig,
  type SearchModel,
  type TranslateBatch,
  type Translator,
} from "../src/models/mod.ts";
import { SeededRng } from "../src/util/random.ts";
import { attentionBias } from "../src/nn/masks.ts";
import type { Dense } from "../src/nn/dense.ts";
import type { KeyValueCache } from "../src/nn/attention.ts";
import { train } from "../src/train/train.ts";
import { checkTrainingBatch } from "../src/experiments/common.ts";
import { UsageError } from "../src/util/errors.ts";

const NORMS = ["ln", "bn", "un"] as const;
/** UN with a short warm-up, so that its windowed phase (and compensation) runs in the test. */
const NORM_OPTIONS: Record<string, Record<string, unknown>> = {
  un: { warmup: 40, window: 4, compensationStart: 60 },
};

// ---- synthetic tasks ----------------------------------------------------------------------

/** 8×8 images; class c lights quadrant c (plus noise). */
function imageBatch(seed: number, b = 32): ImageClassifyBatch {
  const rng = new SeededRng(seed);
  const images = new Float32Array(b * 64);
  const labels = new Int32Array(b);
  for (let i = 0; i < b; i++) {
    const c = rng.int(4);
    labels[i] = c;
    for (let y = 0; y < 8; y++) {
      for (let x = 0; x < 8; x++) {
        const q = (y < 4 ? 0 : 2) + (x < 4 ? 0 : 1);
        images[i * 64 + y * 8 + x] = (q === c ? 1 : 0) + 0.3 * rng.normal();
      }
    }
  }
  return { kind: "image", images, shape: [b, 8, 8, 1], labels };
}

/** Sequences of 8 ids in 3..31 (last two padded for half the rows); label 1 iff 7 occurs. */
function classifyBatch(seed: number, b = 32): ClassifyBatch {
  const rng = new SeededRng(seed);
  const n = 8;
  const tokens = new Int32Array(b * n);
  const labels = new Int32Array(b);
  for (let i = 0; i < b; i++) {
    const positive = rng.uniform() < 0.5;
    const len = i % 2 ? n : n - 2;
    for (let j = 0; j < len; j++) {
      let t = 3 + rng.int(29);
      if (t === 7) t = 8;
      tokens[i * n + j] = t;
    }
    if (positive) tokens[i * n + rng.int(len)] = 7;
    labels[i] = positive ? 1 : 0;
  }
  return { kind: "classify", tokens, shape: [b, n], labels };
}

/** Reverse a random sequence of 5 ids in 7..31: src = x + EOS, tgt = reverse(x) + EOS. */
function reverseBatch(seed: number, b = 32): TranslateBatch {
  const { bosId, eosId } = resolveModelConfig({ model: "translator", preset: "tiny", norm: "ln" });
  const rng = new SeededRng(seed);
  const n = 5;
  const src = new Int32Array(b * (n + 1));
  const tgtIn = new Int32Array(b * (n + 1));
  const tgtOut = new Int32Array(b * (n + 1));
  for (let i = 0; i < b; i++) {
    const x = Array.from({ length: n }, () => 7 + rng.int(25));
    const y = [...x].reverse();
    src.set([...x, eosId], i * (n + 1));
    tgtIn.set([bosId, ...y], i * (n + 1));
    tgtOut.set([...y, eosId], i * (n + 1));
  }
  return { kind: "translate", src, srcShape: [b, n + 1], tgtIn, tgtOut, tgtShape: [b, n + 1] };
}

/** A repeating cycle 3,4,…,9 with a random phase, 16 inputs + 1 target. */
function cycleBatch(seed: number, b = 16): NextTokenBatch {
  const rng = new SeededRng(seed);
  const n = 17;
  const tokens = new Int32Array(b * n);
  for (let i = 0; i < b; i++) {
    const phase = rng.int(7);
    for (let j = 0; j < n; j++) tokens[i * n + j] = 3 + ((phase + j) % 7);
  }
  return { kind: "lm", tokens, shape: [b, n] };
}

async function accuracy(logits: tf.Tensor, labels: Int32Array): Promise<number> {
  const pred = Array.from(await tf.argMax(logits, -1).data());
  tf.dispose(logits);
  return pred.reduce((s: number, p: number, i: number) => s + (p === labels[i] ? 1 : 0), 0) /
    labels.length;
}

/**
 * AdamW with a cosine schedule whose linear warm-up takes a third of the steps: UN's approximate
 * backward (ψ is a running average of the gradient statistic, as in the authors' code) lags
 * behind at the start, and without a learning-rate warm-up some runs never leave the initial
 * plateau.
 */
async function fit(model: AnyModel, steps: number, batch: (s: number) => unknown, lr = 3e-3) {
  return await train(model as never, {
    steps,
    optimizer: { kind: "adamw", lr, weightDecay: 0.01 },
    schedule: { kind: "cosine", warmup: Math.round(steps / 3) },
    clipNorm: 1,
    quiet: true,
  }, { batch: batch as never });
}

// ---- learning ---------------------------------------------------------------------------

for (const norm of NORMS) {
  const normOptions = NORM_OPTIONS[norm] ?? {};

  Deno.test(`vit/tiny/${norm} separates quadrant images (accuracy ≥ 0.95)`, async () => {
    await initBackend("wasm");
    const model = createModel({ model: "vit", preset: "tiny", norm, normOptions, seed: 1 });
    const result = await fit(model, 300, (s) => imageBatch(s));
    assert.equal(result.collapse, null);
    const test = imageBatch(10_000, 128);
    const acc = await accuracy(model.logits(test), test.labels);
    assert.ok(acc >= 0.95, `accuracy ${acc}`);
    model.dispose();
  });

  Deno.test(`encoder/tiny/${norm} detects a token (accuracy ≥ 0.95)`, async () => {
    await initBackend("wasm");
    const model = createModel({ model: "encoder", preset: "tiny", norm, normOptions, seed: 1 });
    const result = await fit(model, 150, (s) => classifyBatch(s));
    assert.equal(result.collapse, null);
    const test = classifyBatch(10_000, 128);
    const acc = await accuracy(model.classify(test), test.labels);
    assert.ok(acc >= 0.95, `accuracy ${acc}`);
    model.dispose();
  });

  Deno.test(`translator/tiny/${norm} reverses sequences (greedy token accuracy ≥ 0.9)`, async () => {
    await initBackend("wasm");
    const model = createModel({ model: "translator", preset: "tiny", norm, normOptions, seed: 1 });
    const result = await fit(model, 250, (s) => reverseBatch(s), 5e-3);
    assert.equal(result.collapse, null);
    const test = reverseBatch(10_000, 64);
    const out = await model.greedy(test, { maxLen: 8 });
    let right = 0;
    out.forEach((ids, i) => {
      const want = test.tgtOut.subarray(i * 6, i * 6 + 5);
      want.forEach((w, j) => (right += ids[j] === w ? 1 : 0));
    });
    const acc = right / (64 * 5);
    assert.ok(acc >= 0.9, `token accuracy ${acc}`);
    model.dispose();
  });

  Deno.test(`lm/tiny/${norm} continues a cycle (next-token accuracy ≥ 0.98)`, async () => {
    await initBackend("wasm");
    const model = createModel({ model: "lm", preset: "tiny", norm, normOptions, seed: 1 });
    const result = await fit(model, 300, (s) => cycleBatch(s));
    assert.equal(result.collapse, null);
    const test = cycleBatch(10_000, 32);
    const logits = model.logits(test);
    const targets = Int32Array.from(
      { length: 32 * 16 },
      (_, k) => test.tokens[Math.floor(k / 16) * 17 + (k % 16) + 1],
    );
    const acc = await accuracy(tf.reshape(logits, [-1, 32]), targets);
    assert.ok(acc >= 0.98, `accuracy ${acc}`);
    model.dispose();
  });
}

// ---- structure ----------------------------------------------------------------------------

Deno.test("every placement and norm builds and trains one step; names are stable", async () => {
  await initBackend("wasm");
  for (const placement of ["pre", "post", "peri", "mix"]) {
    for (const norm of ["ln", "rms", "bn", "pn", "un", "dyt", "repbn", "none"]) {
      const model = createModel({ model: "encoder", preset: "tiny", norm, placement });
      const r = await fit(model, 1, () => classifyBatch(1, 4));
      assert.equal(r.completedSteps, 1, `${placement}/${norm}`);
      const names = Object.keys(model.variables());
      assert.ok(names.includes("stack/layers/0/attn/qkv/kernel"));
      assert.ok(names.includes("stack/layers/1/ffn/fc1/kernel"));
      if (norm !== "none") assert.ok(names.includes("stack/layers/0/attn_norm/weight"), norm);
      assert.equal(
        names.includes("stack/layers/0/attn_out_norm/weight"),
        placement === "peri" && norm !== "none",
      );
      assert.equal(model.stack.finalNorm === null, placement === "post");
      model.dispose();
    }
  }
  // mix with 4 layers: the first one post, the rest pre.
  const mix = createModel({
    model: "lm",
    preset: "tiny",
    norm: "ln",
    placement: "mix",
    overrides: { layers: 4 },
  });
  assert.deepEqual(mix.stack.blocks.map((b) => b.placement), ["post", "pre", "pre", "pre"]);
  mix.dispose();
  // PowerNorm's group scaling gets groups = heads unless given.
  const pn = createModel({ model: "vit", preset: "tiny", norm: "pn" });
  assert.equal(pn.stack.blocks[0].attnNorm.options.groups, 2);
  pn.dispose();
  const pn1 = createModel({ model: "vit", preset: "tiny", norm: "pn", normOptions: { groups: 1 } });
  assert.equal(pn1.stack.blocks[0].attnNorm.options.groups, 1);
  pn1.dispose();
  // UN state lives under the norm's path.
  const un = createModel({ model: "translator", preset: "tiny", norm: "un" });
  const names = Object.keys(un.variables());
  for (
    const n of [
      "embed/weight",
      "decoder/layers/0/cross/kv/kernel",
      "decoder/layers/0/cross_norm/bufX2",
      "encoder/final_norm/runningVar",
    ]
  ) {
    assert.ok(names.includes(n), n);
  }
  un.dispose();
});

Deno.test("maskNorms decides whether norms see the pad mask", async () => {
  await initBackend("wasm");
  // Appending padding changes BN's batch statistics unless the norms are given the pad mask.
  const real = classifyBatch(3, 4);
  const longer = new Int32Array(4 * 12);
  for (let i = 0; i < 4; i++) longer.set(real.tokens.subarray(i * 8, i * 8 + 8), i * 12);
  const hidden = async (maskNorms: boolean, tokens: Int32Array, n: number) => {
    const model = createModel({ model: "encoder", preset: "tiny", norm: "bn", maskNorms, seed: 5 });
    const h = model.encode(tf.tensor2d(tokens, [4, n], "int32"), { training: true });
    const out = await tf.slice(h, [1, 0, 0], [1, 8, 16]).data(); // row 1 has no padding
    model.dispose();
    return out;
  };
  const same = (
    a: Float32Array | Int32Array | Uint8Array,
    b: Float32Array | Int32Array | Uint8Array,
  ) => a.every((v, i) => Math.abs(v - b[i]) < 1e-4);
  assert.ok(same(await hidden(true, real.tokens, 8), await hidden(true, longer, 12)));
  assert.ok(!same(await hidden(false, real.tokens, 8), await hidden(false, longer, 12)));
  const cfg = resolveModelConfig({ model: "translator", preset: "small", norm: "un" });
  assert.equal(cfg.maskNorms, false); // the UN authors' translation model passes no mask
});

Deno.test("cnn: every norm of the micro-batch papers trains it; ReLU only after plain norms", async () => {
  await initBackend("wasm");
  const images = (b: number): ImageClassifyBatch => {
    const rng = new SeededRng(b);
    const labels = Int32Array.from({ length: b }, () => rng.int(2));
    // two classes: a bright left or right half
    const px = new Float32Array(b * 28 * 28);
    labels.forEach((l, i) => {
      for (let y = 0; y < 28; y++) {
        for (let x = 0; x < 14; x++) px[i * 784 + y * 28 + (l ? 14 + x : x)] = 1 + rng.uniform();
      }
    });
    return { kind: "image", images: px, shape: [b, 28, 28, 1], labels };
  };
  for (const norm of ["bn", "gn", "gn+ws", "bcn+ws", "evonorm-b0", "evonorm-s0", "none"]) {
    const cnn = createModel({ model: "cnn", preset: "tiny", norm, seed: 2 });
    const batch = norm === "bn" || norm === "evonorm-b0" ? 8 : 2;
    const r = await fit(cnn, 25, () => images(batch), 3e-3);
    assert.ok(r.final.trainLoss < r.losses[0], `${norm}: ${r.losses[0]} → ${r.final.trainLoss}`);
    const names = Object.keys(cnn.variables());
    for (const n of ["stem/kernel", "stages/1/0/shortcut/kernel", "head/kernel"]) {
      assert.ok(names.includes(n), `${norm}: ${n}`);
    }
    if (norm !== "none") assert.ok(names.includes("stages/2/0/norm2/weight"), norm);
    assert.equal(cnn.blocks[0].conv1.standardize, norm.endsWith("+ws"));
    assert.equal(cnn.norms().length, 7);
    cnn.dispose();
  }
  const s0 = createModel({ model: "cnn", preset: "tiny", norm: "evonorm-s0" });
  const x = tf.fill([1, 4, 4, 8], -5) as tf.Tensor4D;
  // EvoNorm is a normalization-activation layer: no ReLU after it, so negative outputs pass
  const out =
    (s0.blocks[0] as unknown as { normAct1: { apply(x: tf.Tensor, c: object): tf.Tensor } })
      .normAct1.apply(x, { training: false });
  assert.ok((await out.data()).some((v) => v < 0));
  s0.dispose();
  assert.throws(
    () => createModel({ model: "cnn", preset: "tiny", norm: "ln", placement: "post" }),
    /the cnn is a pre-activation ResNet: placement 'post' does not apply/,
  );
  assert.throws(
    () => createModel({ model: "cnn", preset: "tiny", norm: "ln", overrides: { imageSize: 30 } }),
    /imageSize 30 is not divisible by 4/,
  );
  assert.throws(() => createModel({ model: "cnn", preset: "tiny", norm: "ws" }), /weight option/);
  // batch 1: an error naming the fix for BN-type norms, allowed where the papers train at 1
  for (const norm of ["bn", "evonorm-b0"]) {
    assert.throws(
      () => checkTrainingBatch(norm, 1),
      (e: Error) =>
        e instanceof UsageError &&
        /needs at least 2 samples per training batch, got 1 \(raise the batch size/.test(
          e.oneLine(),
        ),
    );
  }
  for (const norm of ["gn", "gn+ws", "bcn+ws", "evonorm-s0", "ln"]) checkTrainingBatch(norm, 1);
  const gn1 = createModel({ model: "cnn", preset: "tiny", norm: "bcn+ws", seed: 1 });
  const one = await fit(gn1, 3, () => images(1), 3e-3);
  assert.ok(one.losses.every(Number.isFinite), "bcn+ws trains at batch 1");
  gn1.dispose();
});

Deno.test("norm+ws: every linear layer of the blocks trains on its standardised kernel", async () => {
  const model = createModel({ model: "vit", preset: "tiny", norm: "gn+ws", seed: 3 });
  const block = (model as unknown as { stack: { blocks: Record<string, unknown>[] } }).stack
    .blocks[0];
  const attn = block.attn as { qkv: Dense; out: Dense };
  const ffn = block.ffn as { fc1: Dense; fc2: Dense };
  for (const d of [attn.qkv, attn.out, ffn.fc1, ffn.fc2]) assert.ok(d.standardize);
  const w = ffn.fc1.weight();
  const { mean, variance } = tf.moments(w, 0);
  assert.ok((await mean.data()).every((m) => Math.abs(m) < 1e-5));
  // per output unit, the unbiased variance becomes s²/(s² + ε) (s² the raw kernel's, ε = 1e-5)
  const n = w.shape[0];
  const raw = await tf.moments(ffn.fc1.kernel, 0).variance.data();
  const got = await variance.data();
  for (const [j, v] of raw.entries()) {
    const s2 = (v * n) / (n - 1);
    assert.ok(Math.abs((got[j] * n) / (n - 1) - s2 / (s2 + 1e-5)) < 1e-3, `unit ${j}`);
  }
  const plain = createModel({ model: "vit", preset: "tiny", norm: "gn", seed: 3 });
  const { imageSize: s, channels: c } = model.config as { imageSize: number; channels: number };
  const images = await tf.randomNormal([2, s, s, c], 0, 1, "float32", 1).data() as Float32Array;
  const batch: ImageClassifyBatch = {
    kind: "image",
    images,
    shape: [2, s, s, c],
    labels: Int32Array.of(1, 2),
  };
  const a = await (model as never as { logits(b: ImageClassifyBatch): tf.Tensor }).logits(batch)
    .data();
  const b = await (plain as never as { logits(b: ImageClassifyBatch): tf.Tensor }).logits(batch)
    .data();
  assert.ok(a.some((v, i) => Math.abs(v - b[i]) > 1e-4), "standardised weights change the output");
  model.dispose();
  plain.dispose();
});

Deno.test("lnScaling: block ℓ's norm outputs are scaled by 1/√ℓ; cached decoding equals the full pass", async () => {
  await initBackend("wasm");
  const spec = { model: "lm" as const, preset: "tiny", norm: "ln", seed: 5 };
  const scaled = createModel({ ...spec, overrides: { layers: 3, lnScaling: true } });
  const plain = createModel({ ...spec, overrides: { layers: 3 } });
  assert.deepEqual(scaled.stack.blocks.map((b) => b.normScale), [
    1,
    1 / Math.sqrt(2),
    1 / 3 ** 0.5,
  ]);
  // The same as LayerNorms whose γ and β of block ℓ are divided by √ℓ (the final norm unscaled).
  const vars = plain.variables();
  for (const [name, v] of Object.entries(vars)) {
    const m = name.match(/^stack\/layers\/(\d+)\/\w+_norm\/(weight|bias)$/);
    if (m) v.assign(tf.div(v, Math.sqrt(Number(m[1]) + 1)));
  }
  const batch = cycleBatch(1, 2);
  const a = await scaled.logits(batch).data();
  const b = await plain.logits(batch).data();
  a.forEach((v, i) => assert.ok(Math.abs(v - b[i]) < 1e-4, `logit ${i}: ${v} vs ${b[i]}`));
  // Incremental decoding (the translator's search path) applies the same factors.
  const stack = scaled.stack;
  const x = tf.randomNormal([2, 4, scaled.config.dim], 0, 1, "float32", 3);
  const full = await stack.apply(x, { bias: attentionBias({ causal: true, n: 4 }) }, {
    training: false,
  }).array() as number[][][];
  let caches: (KeyValueCache | null)[] = stack.blocks.map(() => null);
  for (let t = 0; t < 4; t++) {
    const r = stack.step(tf.slice(x, [0, t, 0], [2, 1, scaled.config.dim]), { caches });
    caches = r.caches;
    const row = await r.y.array() as number[][][];
    for (let i = 0; i < 2; i++) {
      row[i][0].forEach((v, j) => assert.ok(Math.abs(v - full[i][t][j]) < 1e-4, `t ${t}`));
    }
  }
  scaled.dispose();
  plain.dispose();
});

Deno.test("sigmaReparam: every linear of the blocks is γ·W/σ; training iterates σ, inference does not", async () => {
  await initBackend("wasm");
  const model = createModel({
    model: "lm",
    preset: "tiny",
    norm: "none",
    seed: 2,
    overrides: { sigmaReparam: true },
  });
  const names = Object.keys(model.variables());
  const reparam = names.filter((n) => n.endsWith("/sigma_reparam/gamma")).sort();
  const layers = model.stack.blocks.length;
  assert.equal(reparam.length, 4 * layers, reparam.join());
  for (const part of ["attn/qkv", "attn/out", "ffn/fc1", "ffn/fc2"]) {
    assert.ok(reparam.includes(`stack/layers/0/${part}/sigma_reparam/gamma`), part);
  }
  const sigma = () => model.variables()["stack/layers/0/ffn/fc1/sigma_reparam/sigma"].data();
  const before = Array.from(await sigma());
  model.logits(cycleBatch(2, 2)).dispose();
  assert.deepEqual(Array.from(await sigma()), before, "inference leaves σ alone");
  const r = await fit(model, 3, () => cycleBatch(3, 4));
  assert.equal(r.completedSteps, 3);
  const after = Array.from(await sigma());
  assert.ok(Number.isFinite(after[0]) && after[0] !== before[0], "training moves σ");
  model.dispose();
  assert.throws(
    () =>
      createModel({
        model: "vit",
        preset: "tiny",
        norm: "ln+ws",
        overrides: { sigmaReparam: true },
      }),
    /both Weight Standardization and σReparam/,
  );
});

Deno.test("mixFraction: Mix-LN's share of post-norm blocks; bad values name the setting", () => {
  const mix = resolveModelConfig({
    model: "lm",
    preset: "tiny",
    norm: "ln",
    placement: "mix",
    overrides: { layers: 8, mixFraction: 0.5 },
  });
  const model = createModel({
    model: "lm",
    preset: "tiny",
    norm: "ln",
    placement: "mix",
    overrides: { layers: 8, mixFraction: 0.5 },
  });
  assert.equal(mix.mixFraction, 0.5);
  assert.deepEqual(
    model.stack.blocks.map((b) => b.placement),
    ["post", "post", "post", "post", "pre", "pre", "pre", "pre"],
  );
  model.dispose();
  const bad = (overrides: Record<string, unknown>) => () =>
    resolveModelConfig({ model: "lm", preset: "tiny", norm: "ln", overrides });
  assert.throws(bad({ mixFraction: 1.5 }), /'mixFraction' must be in \[0, 1\]/);
  assert.throws(bad({ lnScaling: "yes" }), /'lnScaling' of model 'lm' must be a boolean/);
  assert.throws(bad({ sigmaReparam: 1 }), /'sigmaReparam' of model 'lm' must be a boolean/);
});

Deno.test("presets: paper shapes and bad input", () => {
  const iwslt = resolveModelConfig({ model: "translator", preset: "iwslt", norm: "un" });
  assert.deepEqual(
    [iwslt.encoderLayers, iwslt.decoderLayers, iwslt.dim, iwslt.ffnDim, iwslt.heads],
    [6, 6, 512, 1024, 4],
  );
  const bert = resolveModelConfig({ model: "encoder", preset: "bert-base", norm: "ln" });
  assert.deepEqual([bert.layers, bert.dim, bert.heads], [12, 768, 12]);
  const t2t = resolveModelConfig({ model: "vit", preset: "t2t-vit-14", norm: "ln" });
  assert.deepEqual([t2t.layers, t2t.dim, t2t.heads, t2t.ffnDim / t2t.dim], [14, 384, 6, 3]);
  for (const kind of ["vit", "encoder", "translator", "lm"] as const) {
    assert.ok("tiny" in PRESETS[kind] && "small" in PRESETS[kind]);
  }
  const bad: [Record<string, unknown>, RegExp][] = [
    [{ model: "rnn", preset: "tiny", norm: "ln" }, /unknown model 'rnn'.*vit, encoder/],
    [{ model: "vit", preset: "huge", norm: "ln" }, /unknown preset 'huge'.*tiny, small/],
    [{ model: "vit", preset: "tiny", norm: "xn" }, /unknown norm 'xn'.*ln/],
    [
      { model: "vit", preset: "tiny", norm: "ln", placement: "side" },
      /unknown placement 'side'.*pre, post, peri, mix/,
    ],
    [{ model: "vit", preset: "tiny", norm: "ln", overrides: { depth: 3 } }, /no setting 'depth'/],
    [
      { model: "vit", preset: "tiny", norm: "ln", overrides: { dim: 15 } },
      /heads \(2\) must divide dim/,
    ],
    [{ model: "vit", preset: "tiny", norm: "un", normOptions: { window: 0 } }, /window/],
    [{ model: "vit", preset: "tiny", norm: "ws" }, /'ws' is a weight option, not a norm/],
    [{ model: "lm", preset: "tiny", norm: "gn" }, /norm 'gn' normalises over a sample's/],
    [
      { model: "translator", preset: "tiny", norm: "ln", overrides: { decoderNorm: "bcn" } },
      /norm 'bcn' normalises over a sample's positions, so in a causal model/,
    ],
    [{ model: "vit", preset: "tiny", norm: "gn", normOptions: { groups: 5 } }, /groups \(5\)/],
  ];
  for (const [spec, re] of bad) {
    assert.throws(
      () => createModel(spec as never).dispose(),
      (e: Error) => e instanceof UsageError && re.test((e as UsageError).oneLine()),
    );
  }
});

// ---- search -------------------------------------------------------------------------------

/** A fake decoder with fixed next-token log-probabilities per prefix (vocab: 0 pad, 1 bos, 2 eos, 3, 4). */
function fakeModel(table: (prefix: number[]) => number[]): SearchModel {
  const dummy = (): KeyValueCache => ({
    k: tf.zeros([1, 1, 0, 1]) as tf.Tensor4D,
    v: tf.zeros([1, 1, 0, 1]) as tf.Tensor4D,
  });
  return {
    config: { bosId: 1, eosId: 2 },
    startSearch: () => ({ memoryKv: [dummy()], memoryBias: tf.zeros([1]) }),
    stepSearch: (tokens, position, state) => {
      // Caches carry each row's prefix as a [1, R, t, 1] tensor, reordered by the search.
      const ids = tokens.arraySync() as number[];
      const prev = state.caches[0];
      const t = prev ? prev.k.shape[2] : 0;
      const flat = prev ? Array.from(prev.k.dataSync()) : [];
      const old = ids.map((_, r) => flat.slice(r * t, (r + 1) * t));
      const next = old.map((p, r) => (position === 0 ? [] : [...p, ids[r]]));
      const k = tf.tensor4d(next.flat(), [1, next.length, position, 1]);
      const logProbs = tf.tensor2d(next.map((p) => table(p)));
      return { logProbs, caches: [{ k, v: k }] };
    },
  };
}

Deno.test("beam search: finds the best sequence and applies the length penalty", async () => {
  await initBackend("cpu");
  // Next-token probabilities by prefix (ids: 2 = EOS, 3, 4; the rest ~0).
  const table = (p: number[]): number[] => {
    const probs = [0, 0, 0, 0, 0];
    if (p.length === 0) [probs[3], probs[4]] = [0.55, 0.45];
    else if (p[0] === 4) [probs[2], probs[3]] = p.length === 1 ? [0.6, 0.4] : [1, 0];
    else if (p.length < 3) [probs[2], probs[3]] = [0.3, 0.7];
    else probs[2] = 1;
    return probs.map((x) => Math.log(Math.max(x, 1e-9)));
  };
  const batch = { src: new Int32Array([5, 5]), srcShape: [1, 2] as [number, number] };
  const search = (beam: number, lengthPenalty: number) =>
    beamSearch(fakeModel(table), batch, { beam, lengthPenalty, maxLen: 6 });
  // Beam 1 follows the most likely token: 3, 3, 3, EOS.
  assert.deepEqual((await search(1, 1))[0], [3, 3, 3]);
  // Beam 2 finishes [4] (log .45 + log .6 = −1.31 over 2 tokens) and [4, 3]
  // (log .45 + log .4 + log 1 = −1.71 over 3): per token −0.655 vs −0.57, so α = 1 picks [4, 3];
  // unnormalised (α = 0), −1.31 > −1.71 picks [4].
  assert.deepEqual((await search(2, 1))[0], [4, 3]);
  assert.deepEqual((await search(2, 0))[0], [4]);
});

Deno.test("translator: beam search on a trained model agrees with greedy on easy inputs", async () => {
  await initBackend("wasm");
  const model = createModel({
    model: "translator",
    preset: "tiny",
    norm: "ln",
    seed: 2,
  }) as Translator;
  await fit(model, 200, (s) => reverseBatch(s), 5e-3);
  const test = reverseBatch(20_000, 8);
  const greedy = await model.greedy(test, { maxLen: 8 });
  const beam = await model.beam(test, { beam: 4, lengthPenalty: 1, maxLen: 8 });
  assert.equal(beam.length, 8);
  let same = 0;
  beam.forEach((b, i) => (same += b.join() === greedy[i].join() ? 1 : 0));
  assert.ok(same >= 6, `beam and greedy agree on ${same}/8`);
  const before = tf.memory().numTensors;
  await model.beam(test, { beam: 3, maxLen: 8 });
  await model.greedy(test, { maxLen: 8 });
  assert.equal(tf.memory().numTensors, before, "search leaks no tensors");
  model.dispose();
});
