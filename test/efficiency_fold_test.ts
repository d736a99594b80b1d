// Whole Pre-norm models folded for inference give the outputs of the zoo models they come from,
// for every foldable variant, on the same weights and non-trivial norm state — the converting
// variants (the LN model converted to Pre-RMSNorm / Pre-CRMSNorm) those of the LN model.
import assert from "node:assert/strict";
import * as tf from "../src/tf.ts";
import { initBackend } from "../src/backend/backend.ts";
import { type AnyModel, createModel } from "../src/models/presets.ts";
import { syntheticBatch } from "../src/models/synthetic.ts";
import type { Batch } from "../src/models/types.ts";
import type { Norm } from "../src/norms/types.ts";
import { hashSeed } from "../src/util/random.ts";
import { benchInfer } from "../src/bench/infer.ts";
import { measureEfficiency, withBackend } from "../src/bench/infer_task.ts";
import { buildInference } from "../src/inference/inference_model.ts";
import { randomizeNormState } from "../src/inference/norm_state.ts";
import { createNormSet, disposeNorms, normSlots } from "../src/inference/norm_slots.ts";
import { VARIANTS } from "../src/inference/variants.ts";
import { convertedModel } from "../src/inference/converted_model.ts";
import { UsageError } from "../src/util/errors.ts";
import { hasWebGpu, relErr, REQUIRE_WEBGPU } from "./helpers.ts";
import { efficiencySuite } from "../suites/efficiency.ts";
import { efficiencyChecks } from "../src/bench/infer_checks.ts";
import type { Json, RunRecord } from "../src/results/types.ts";

const gpu = await hasWebGpu();

/** The zoo model's own inference output for a batch (translator: log-probabilities of step 1). */
function zooOutput(model: AnyModel, batch: Batch): tf.Tensor {
  return tf.tidy(() => {
    switch (model.config.kind) {
      case "vit":
        return (model as Extract<AnyModel, { config: { kind: "vit" } }>).logits(batch as never);
      case "encoder":
        return (model as Extract<AnyModel, { config: { kind: "encoder" } }>)
          .classify(batch as never);
      default: {
        const t = model as Extract<AnyModel, { config: { kind: "translator" } }>;
        const b = batch as Extract<Batch, { kind: "translate" }>;
        const state = t.startSearch(tf.tensor2d(b.src, b.srcShape, "int32"));
        const bos = tf.fill([b.srcShape[0], 1], t.config.bosId, "int32");
        return t.stepSearch(bos, 0, { caches: t.decoder.blocks.map(() => null), ...state })
          .logProbs;
      }
    }
  });
}

/** The batch with its last sequence's last two tokens turned into padding (text models). */
function withPadding(batch: Batch): Batch {
  const pad = (ids: Int32Array, n: number) => {
    const out = ids.slice();
    out[out.length - 1] = 0;
    out[out.length - 2] = 0;
    return n > 2 ? out : ids;
  };
  if (batch.kind === "classify") return { ...batch, tokens: pad(batch.tokens, batch.shape[1]) };
  if (batch.kind === "translate") return { ...batch, src: pad(batch.src, batch.srcShape[1]) };
  return batch;
}

/** The engine's output in the zoo's form (translator logits → log-probabilities). */
function engineOutput(model: AnyModel, y: tf.Tensor): tf.Tensor {
  if (model.config.kind !== "translator") return y;
  return tf.tidy(() => tf.logSoftmax(tf.reshape(y, [y.shape[0], -1])));
}

const MODELS: { model: "vit" | "encoder" | "translator"; overrides?: Record<string, unknown> }[] = [
  { model: "vit" },
  { model: "encoder" }, // mean pooling: the final norm folds into the classifier
  { model: "encoder", overrides: { pooling: "cls" } }, // cls pooling: into the pooler
  { model: "translator" }, // encoder final norm into every cross.kv; tied output keeps an op
  { model: "vit", overrides: { lnScaling: true } }, // 1/√ℓ after the norms: affine ops stay
  { model: "encoder", overrides: { sigmaReparam: true } }, // folds into γ·W/σ
];

for (const backend of ["wasm", "cpu", "webgpu"] as const) {
  Deno.test({
    name: `efficiency fold (${backend}): every variant of a whole model matches the zoo model`,
    ignore: backend === "webgpu" && !gpu && !REQUIRE_WEBGPU,
  }, async () => {
    await initBackend(backend);
    const before = tf.memory().numTensors;
    for (const m of MODELS) {
      for (const variant of VARIANTS) {
        const model = createModel({
          model: m.model,
          preset: "tiny",
          norm: variant.norm,
          overrides: m.overrides,
          seed: 5,
        });
        // non-trivial state: γ, β, running statistics, φ, α, η all drawn at random
        model.norms().forEach((n, i) => randomizeNormState(n, hashSeed(11, i)));
        const batch = withPadding(syntheticBatch(model, { batch: 3, seed: 4 }));
        // The reference is the zoo model's plain inference; on WebGPU the `zoo` treatment of the
        // same norms (validated against the plain inference on wasm and cpu above).
        const twin = backend === "webgpu" ? buildInference(model, { treatment: "zoo" }) : null;
        const twinRaw = twin?.run(batch);
        const expected = twinRaw ? engineOutput(model, twinRaw) : zooOutput(model, batch);
        twin?.dispose();
        if (variant.convert && m.overrides?.sigmaReparam) {
          // σReparam writers rescale every step: the converters refuse them
          assert.throws(() => convertedModel(model, variant.convert!), UsageError);
          tf.dispose([expected, ...(twinRaw ? [twinRaw] : [])]);
          model.dispose();
          continue;
        }
        // a converting variant runs the LN model converted, against the LN model's outputs
        const target = variant.convert ? convertedModel(model, variant.convert) : model;
        const inference = buildInference(target, { treatment: variant.treatment });
        const raw = inference.run(batch);
        const got = engineOutput(model, raw);
        const err = await relErr(got, expected);
        const what = `${backend} ${m.model}${
          m.overrides ? JSON.stringify(m.overrides) : ""
        } ${variant.name}`;
        assert.ok(err <= 1e-4, `${what}: rel err ${err}`);
        if (variant.treatment === "fold" && variant.norm !== "none") {
          // the fold really changed the consumers: the first block's qkv kernel is new
          assert.ok(inference.weightBytes() > 0);
        }
        tf.dispose([expected, raw, got, ...(twinRaw ? [twinRaw] : [])]);
        inference.dispose();
        if (target !== model) target.dispose();
        model.dispose();
      }
    }
    assert.equal(tf.memory().numTensors, before, "tensors leaked");
  });
}

Deno.test("efficiency fold: a teacher-forced translator matches the zoo's forward", async () => {
  await initBackend("wasm");
  for (const variant of VARIANTS.filter((v) => ["un-folded", "ln-fused", "pn"].includes(v.name))) {
    const model = createModel({ model: "translator", preset: "tiny", norm: variant.norm, seed: 2 });
    model.norms().forEach((n, i) => randomizeNormState(n, hashSeed(3, i)));
    const batch = withPadding(syntheticBatch(model, { batch: 2, seed: 1 })) as Extract<
      Batch,
      { kind: "translate" }
    >;
    const inference = buildInference(model, { treatment: variant.treatment });
    const got = inference.run(batch, { teacherForcing: true });
    const expected = tf.tidy(() =>
      model.forward(
        tf.tensor2d(batch.src, batch.srcShape, "int32"),
        tf.tensor2d(batch.tgtIn, batch.tgtShape, "int32"),
        { training: false },
      )
    );
    assert.deepEqual(got.shape, expected.shape);
    assert.ok((await relErr(got, expected)) <= 1e-4, variant.name);
    tf.dispose([got, expected]);
    inference.dispose();
    model.dispose();
  }
});

Deno.test("efficiency fold: folding removes every norm kernel of un, bn and repbn", async () => {
  await initBackend("wasm");
  const base = createModel({ model: "vit", preset: "tiny", norm: "none" });
  const batch = syntheticBatch(base, { batch: 2 });
  const count = async (norm: string, treatment: "fold" | "affine" | "identity") => {
    const norms = createNormSet(base, norm, {}, 3);
    const inference = buildInference(base, { treatment, norms });
    const profile = await tf.profile(() => inference.run(batch));
    inference.dispose();
    disposeNorms(norms);
    return profile.kernels.filter((k) => tf.getKernel(k.name, "wasm")).length;
  };
  const none = await count("none", "identity");
  for (const norm of ["un", "bn", "repbn"]) {
    assert.equal(await count(norm, "fold"), none, `${norm} folded`);
    // kept as an affine op: a mul and an add per norm (5 norms)
    assert.equal(await count(norm, "affine"), none + 2 * 5, `${norm} affine`);
  }
  base.dispose();
});

Deno.test("efficiency fold: converted models keep only the per-token statistics", async () => {
  await initBackend("wasm");
  const before = tf.memory().numTensors;
  const base = createModel({ model: "vit", preset: "tiny", norm: "none" });
  const batch = syntheticBatch(base, { batch: 2 });
  const lnNorms = createNormSet(base, "ln", {}, 3);
  const count = async (model: AnyModel, norms?: Map<string, Norm>) => {
    const inference = buildInference(model, { treatment: norms ? "fold" : "identity", norms });
    const profile = await tf.profile(() => inference.run(batch));
    tf.dispose(profile.result as tf.Tensor);
    inference.dispose();
    return profile.kernels.filter((k) => tf.getKernel(k.name, "wasm")).map((k) => k.name);
  };
  const none = (await count(base)).length;
  const rmsNorms = createNormSet(base, "rms", {}, 3);
  const rms = (await count(base, rmsNorms)).length;
  disposeNorms(rmsNorms);
  const slots = normSlots(base).length; // 2 blocks × 2 + the final norm
  // Pre-RMS: the kernels of a folded RMSNorm model plus the embedding sum's centring (mean,
  // sub); the 4 centring writers run with weights centred once (in the forward, each would add
  // a mean and a sub for its kernel and its bias)
  const rmsModel = convertedModel(base, "pre-rms", lnNorms);
  assert.equal((await count(rmsModel)).length, none + 2, "without norms: the writers baked");
  const rmsKernels = await count(rmsModel, new Map());
  assert.equal(rmsKernels.length, rms + 2);
  rmsModel.dispose();
  // Pre-CRMS: 7 kernels of compressed-RMS statistic per norm, the embedding sum centred and its
  // last channel dropped (mean, sub, slice); every affine map folded
  const crmsModel = convertedModel(base, "pre-crms", lnNorms);
  assert.equal((await count(crmsModel, new Map())).length, none + 7 * slots + 3);
  crmsModel.dispose();
  disposeNorms(lnNorms);
  base.dispose();
  assert.equal(tf.memory().numTensors, before, "tensors leaked");
});

Deno.test("efficiency fold: norm slots name each norm's consumers", () => {
  const t = createModel({ model: "translator", preset: "tiny", norm: "un" });
  const slots = normSlots(t);
  const encoderFinal = slots.find((s) => s.path === "encoder/final_norm")!;
  assert.equal(encoderFinal.consumers.length, t.config.decoderLayers);
  assert.equal(slots.find((s) => s.path === "decoder/final_norm")!.consumers.length, 0);
  assert.equal(slots.length, t.norms().length);
  t.dispose();
});

Deno.test("efficiency: Post-norm and Peri-norm models are timed through the zoo's own forward", async () => {
  await initBackend("wasm");
  const before = tf.memory().numTensors;
  for (const placement of ["post", "peri"]) {
    const r = await benchInfer({
      model: "vit",
      preset: "tiny",
      batch: 2,
      placement,
      variants: ["un-folded", "bn-folded"],
      measure: { warmup: 1, minRounds: 2, maxRounds: 2 },
      profileRuns: 1,
    });
    const un = r.variants.find((v) => v.variant === "un-folded")!;
    assert.ok(un.twinError! <= 1e-4, `${placement}: ${un.twinError}`);
    assert.ok(un.ms > 0 && un.kernels > 0);
    // under Post-norm every norm's output is the residual stream: nothing folds, the affine
    // maps stay (2 ops a norm: 2 × 2 blocks + no final norm); under Peri-norm the input norms
    // and the final norm fold, the 4 output norms stay
    assert.equal(un.normKernels, 2 * 4);
    const ln = r.variants.find((v) => v.variant === "ln")!;
    assert.ok(ln.normKernels > un.normKernels);
  }
  assert.equal(tf.memory().numTensors, before, "tensors leaked");
  // every placement of every kind runs through the same path: an LM and a Mix-norm translator
  for (
    const spec of [{ model: "lm" as const }, { model: "translator" as const, placement: "mix" }]
  ) {
    const model = createModel({ ...spec, preset: "tiny", norm: "un", seed: 2 });
    model.norms().forEach((n, i) => randomizeNormState(n, hashSeed(3, i)));
    const batch = syntheticBatch(model, { batch: 2, seed: 1 });
    const twin = buildInference(model, { treatment: "zoo" });
    const folded = buildInference(model, { treatment: "fold" });
    const [a, b] = [twin.run(batch), folded.run(batch)];
    assert.ok((await relErr(b, a)) <= 1e-4, spec.model);
    tf.dispose([a, b]);
    twin.dispose();
    folded.dispose();
    model.dispose();
  }
});

Deno.test("efficiency: a cell checks every variant against its twin and leaks nothing", async () => {
  await initBackend("wasm");
  const before = tf.memory().numTensors;
  const r = await benchInfer({
    model: "translator",
    preset: "tiny",
    batch: 2,
    seq: 5,
    measure: { warmup: 1, minRounds: 3, maxRounds: 3 },
    profileRuns: 1,
  });
  assert.equal(tf.memory().numTensors, before);
  assert.deepEqual(r.variants.map((v) => v.variant), VARIANTS.map((v) => v.name));
  for (const v of r.variants) {
    assert.equal(v.n, 3);
    if (v.variant !== "none") assert.ok(v.twinError! <= 1e-4, `${v.variant}: ${v.twinError}`);
    assert.ok(v.ms > 0 && v.peakMb > 0 && v.kernels > 0);
  }
  const un = r.variants.find((v) => v.variant === "un-folded")!;
  assert.equal(un.normKernels, 2); // only the decoder's final affine map (tied output embedding)
  assert.equal(r.variants.find((v) => v.variant === "ln-fused")!.normKernels, 12);
});

Deno.test("efficiency: the task measures on its backend and restores the worker's", async () => {
  await initBackend("wasm");
  const out = await measureEfficiency({
    backend: "cpu",
    cell: {
      model: "vit",
      preset: "tiny",
      batch: 1,
      variants: ["un-folded"],
      measure: { warmup: 0, minRounds: 2, maxRounds: 2 },
      profileRuns: 1,
    },
  }, { progress: () => {} });
  assert.equal(tf.getBackend(), "wasm");
  assert.equal((out.notes!.cell as { backend: string }).backend, "cpu");
  for (
    const key of [
      "ms.ln",
      "vs_ln.un-folded",
      "settled.vs_fused",
      "proxy.vs_fused.kernels",
      "proxy.vs_fused.bytes",
      "twin_ppm.un-folded",
      // (not the bound share's interval: null when LN ran no slower than no norm, as a short
      // cpu cell can)
      "vs_none.un-folded",
      "claim.vs_none_lo",
      "mb_moved.un-folded",
      "claim.peak_red",
    ]
  ) {
    assert.equal(typeof out.metrics[key], "number", key);
  }
  // folded UN runs fewer kernels than LayerNorm as ops and moves fewer bytes
  assert.ok(out.metrics["proxy.vs_ln.kernels"]! > 1 && out.metrics["proxy.vs_ln.bytes"]! > 1);
  await assert.rejects(
    () => withBackend("cpu", () => Promise.reject(new Error("boom"))),
    /boom/,
  );
  assert.equal(tf.getBackend(), "wasm");
});

Deno.test("efficiency suite: Post-norm and Peri-norm cells run end to end and carry their placement", async () => {
  await initBackend("wasm");
  const smoke = efficiencySuite.runs("smoke");
  // the Pre-norm cells keep the ids they had before placements; the others name theirs
  assert.ok(smoke.some((r) => r.id === "wasm/vit/small/B1" && r.labels.placement === "pre"));
  for (const profile of ["smoke", "quick"] as const) {
    const placements = new Set(efficiencySuite.runs(profile).map((r) => r.labels.placement));
    assert.deepEqual([...placements].sort(), ["peri", "post", "pre"], profile);
  }
  const records: RunRecord[] = [];
  for (const placement of ["post", "peri"]) {
    const spec = smoke.find((r) => r.labels.placement === placement)!;
    assert.equal(spec.id, `wasm/vit/small/B1/${placement}`);
    assert.equal(spec.labels.cell, `vit/small/B1/${placement}`);
    // a quicker twin of the suite's own input: same cell and placement, fewer rounds
    const input = spec.input as unknown as { backend: string; cell: Record<string, unknown> };
    const cell = {
      ...input.cell,
      preset: "tiny",
      measure: { warmup: 0, minRounds: 2, maxRounds: 2 },
      profileRuns: 1,
    };
    assert.equal(input.cell.placement, placement);
    const out = await measureEfficiency({ ...input, cell } as unknown as Json, {
      progress: () => {},
    });
    assert.equal((out.notes!.cell as { placement: string }).placement, placement);
    for (const v of ["ln", "rms", "un-folded", "none"]) {
      assert.equal(typeof out.metrics[`ms.${v}`], "number", `${placement}: ms.${v}`);
      assert.equal(typeof out.metrics[`kernels.${v}`], "number", `${placement}: kernels.${v}`);
    }
    assert.equal(typeof out.metrics["norm_share.ln"], "number");
    // the claims are about Pre-norm folding and conversion: no claim reads this cell
    for (const key of Object.keys(out.metrics).filter((k) => k.startsWith("claim."))) {
      assert.equal(out.metrics[key], null, `${placement}: ${key}`);
    }
    assert.equal(out.metrics["ms.rms-converted"], undefined);
    records.push({ id: spec.id, labels: spec.labels, output: out } as unknown as RunRecord);
  }
  // under Post nothing folds: the folding checks see no Pre cell here, the twin check sees both
  const checks = efficiencyChecks(records, ["wasm"]);
  assert.match(checks[0].detail, /in 2 cells/);
  assert.ok(checks[0].ok);
  assert.equal(checks[1].detail, "no wasm or cpu cell");
});
