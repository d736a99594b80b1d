/**
 * The training engine: optimizers against hand-computed updates, schedules, determinism,
 * bit-exact resume, no tensor leaks, collapse as a result, checkpoint files, the plain-data
 * entry point and the training benchmark.
 */
import assert from "node:assert/strict";
import * as tf from "../src/tf.ts";
import { initBackend } from "../src/backend/backend.ts";
import { createModel, syntheticBatch } from "../src/models/mod.ts";
import type { AnyModel, Batch } from "../src/models/mod.ts";
import {
  Adam,
  captureVariables,
  type Checkpoint,
  CollapseDetector,
  learningRate,
  loadCheckpoint,
  runTraining,
  saveCheckpoint,
  train,
  type TrainConfig,
  Trainer,
} from "../src/train/mod.ts";
import { benchTrain } from "../src/bench/train.ts";
import { setUNStateKernels } from "../src/backend/un_state.ts";
import {
  LAYER_NORM_TRAIN_BACKWARD,
  setLayerNormTrainKernels,
} from "../src/backend/layer_norm_train.ts";
import { hasWebGpu, REQUIRE_WEBGPU, runCliCaptured, runCliProcess } from "./helpers.ts";
import { UsageError } from "../src/util/errors.ts";

const webgpu = await hasWebGpu();

Deno.test("Adam and AdamW match hand-computed updates", async () => {
  await initBackend("cpu");
  const run = async (kind: "adam" | "adamw") => {
    const w = tf.variable(tf.tensor2d([[1, -2]]));
    const b = tf.variable(tf.tensor1d([0.5]));
    const opt = new Adam({ w, b }, {
      kind,
      lr: 0.1,
      beta1: 0.9,
      beta2: 0.99,
      eps: 1e-8,
      weightDecay: 0.1,
    });
    for (const g of [[0.5, -1, 2], [1, 1, -1]]) {
      opt.apply(opt.flatten({ w: tf.tensor2d([g.slice(0, 2)]), b: tf.tensor1d([g[2]]) }), 0.1);
    }
    return [...await w.data(), ...await b.data()];
  };
  // Reference in plain JS: decay on the matrix only (decayOn "matrices" is the default).
  const reference = (kind: "adam" | "adamw") => {
    const p = [1, -2, 0.5];
    const m = [0, 0, 0];
    const v = [0, 0, 0];
    const grads = [[0.5, -1, 2], [1, 1, -1]];
    grads.forEach((g0, t0) => {
      const t = t0 + 1;
      for (let i = 0; i < 3; i++) {
        const decay = i < 2 ? 0.1 : 0;
        const g = kind === "adam" ? g0[i] + decay * p[i] : g0[i];
        m[i] = 0.9 * m[i] + 0.1 * g;
        v[i] = 0.99 * v[i] + 0.01 * g * g;
        if (kind === "adamw") p[i] -= 0.1 * decay * p[i];
        p[i] -= 0.1 * (m[i] / (1 - 0.9 ** t)) / (Math.sqrt(v[i] / (1 - 0.99 ** t)) + 1e-8);
      }
    });
    return p;
  };
  for (const kind of ["adam", "adamw"] as const) {
    const got = await run(kind);
    reference(kind).forEach((r, i) =>
      assert.ok(Math.abs(got[i] - r) < 1e-5, `${kind}[${i}] ${got[i]} vs ${r}`)
    );
  }
  assert.throws(() => new Adam({}, { kind: "sgd" as never, lr: 1 }), UsageError);
  assert.throws(() => new Adam({}, { kind: "adam", lr: -1 }), UsageError);
});

Deno.test("schedules: warm-up, inverse square root, cosine", () => {
  const inv = { kind: "inverse-sqrt", warmup: 4, warmupInit: 1e-7 } as const;
  assert.ok(Math.abs(learningRate(inv, 1e-3, 2, 100) - (1e-7 + (1e-3 - 1e-7) / 2)) < 1e-15);
  assert.equal(learningRate(inv, 1e-3, 16, 100), 1e-3 * 2 / 4);
  const cos = { kind: "cosine", warmup: 10, minLr: 1e-5 } as const;
  assert.equal(learningRate(cos, 1e-3, 10, 110), 1e-3);
  assert.ok(Math.abs(learningRate(cos, 1e-3, 60, 110) - (1e-5 + (1e-3 - 1e-5) / 2)) < 1e-12);
  assert.ok(Math.abs(learningRate(cos, 1e-3, 110, 110) - 1e-5) < 1e-12);
  assert.equal(learningRate({ kind: "constant" }, 3, 7, 10), 3);
});

function setup(norm = "un", dropout = 0.1): { model: AnyModel; batch: (s: number) => Batch } {
  const model = createModel({
    model: "encoder",
    preset: "tiny",
    norm,
    normOptions: norm === "un" ? { warmup: 3, window: 2, compensationStart: 4 } : {},
    seed: 3,
    overrides: { dropout, attentionDropout: dropout },
  });
  return {
    model,
    batch: (s) => syntheticBatch(model, { batch: 8, seq: 6, seed: s }),
  };
}

const RECIPE: TrainConfig = {
  steps: 10,
  seed: 7,
  optimizer: { kind: "adamw", lr: 2e-3, weightDecay: 0.05 },
  schedule: { kind: "cosine", warmup: 3 },
  clipNorm: 0.5,
  labelSmoothing: 0.1,
  quiet: true,
};

for (const backend of ["wasm", "cpu"] as const) {
  Deno.test(`determinism: same seed and backend give identical losses (${backend})`, async () => {
    await initBackend(backend);
    const losses = [];
    for (let i = 0; i < 2; i++) {
      const { model, batch } = setup();
      losses.push((await train(model as never, RECIPE, { batch: batch as never })).losses);
      model.dispose();
    }
    assert.deepEqual(losses[0], losses[1]);
    const { model, batch } = setup();
    const other = await train(model as never, { ...RECIPE, seed: 8 }, { batch: batch as never });
    model.dispose();
    assert.notDeepEqual(other.losses, losses[0]); // the seed drives dropout
  });
}

Deno.test("resume: 2k updates equal k + checkpoint (through a file) + k, bit for bit", async () => {
  await initBackend("wasm");
  const k = 5;
  const full = setup();
  const fullResult = await train(full.model as never, { ...RECIPE, steps: 2 * k }, {
    batch: full.batch as never,
  });
  const fullWeights = await captureVariables(full.model.variables());

  const first = setup();
  let saved: Checkpoint | null = null;
  await train(first.model as never, { ...RECIPE, steps: 2 * k, stopAt: k }, {
    batch: first.batch as never,
    onCheckpoint: (c) => {
      saved = c;
    },
  });
  first.model.dispose();
  assert.equal(saved!.step, k);
  const path = await Deno.makeTempFile({ suffix: ".ckpt" });
  await saveCheckpoint(path, saved!);
  const restored = await loadCheckpoint(path);
  await Deno.remove(path);

  const second = setup(); // fresh weights, replaced by the checkpoint's
  const resumed = await train(second.model as never, { ...RECIPE, steps: 2 * k }, {
    batch: second.batch as never,
    resume: restored,
  });
  const resumedWeights = await captureVariables(second.model.variables());
  assert.deepEqual(resumed.losses, fullResult.losses);
  for (const [name, t] of Object.entries(fullWeights)) {
    assert.deepEqual(resumedWeights[name].data, t.data, name);
  }
  // UN's state (counters, windows, running statistics) is part of what resumed.
  assert.ok(Object.keys(fullWeights).some((n) => n.endsWith("attn_norm/bufGz")));
  assert.equal(resumed.normCounters["stack/layers/0/attn_norm/iters"], 2 * k);
  full.model.dispose();
  second.model.dispose();
  await assert.rejects(loadCheckpoint(import.meta.filename!), /not a normbench checkpoint/);
});

Deno.test("no tensor leaks: the tensor count stays flat across updates", async () => {
  await initBackend("wasm");
  for (const kind of ["encoder", "translator", "vit", "lm"] as const) {
    const model = createModel({
      model: kind,
      preset: "tiny",
      norm: "un",
      overrides: { dropout: 0.1 },
    });
    const trainer = new Trainer(model as never, RECIPE);
    const batch = syntheticBatch(model, { batch: 4, seq: 5 });
    await trainer.update(batch as never, 1);
    const after1 = tf.memory().numTensors;
    for (let s = 2; s <= 8; s++) await trainer.update(batch as never, s);
    assert.equal(tf.memory().numTensors, after1, kind);
    trainer.dispose();
    model.dispose();
  }
  // train() itself leaves nothing behind but the model's variables.
  const before = tf.memory().numTensors;
  const { model, batch } = setup();
  await train(model as never, RECIPE, { batch: batch as never, evaluate: () => ({ x: 1 }) });
  model.dispose();
  assert.equal(tf.memory().numTensors, before);
});

Deno.test("collapse: a huge learning rate is a recorded result, not an exception", async () => {
  await initBackend("wasm");
  const { model, batch } = setup("bn", 0);
  const result = await train(model as never, {
    ...RECIPE,
    steps: 200,
    // 1e8: BatchNorm's exact backward stays finite at 1e4 for 200 steps on this model
    optimizer: { kind: "adam", lr: 1e8 },
    schedule: { kind: "constant" },
    clipNorm: 0,
    collapse: { window: 5, factor: 1.5 },
  }, { batch: batch as never });
  model.dispose();
  assert.ok(result.collapse, "no collapse recorded");
  assert.ok(
    ["non-finite-loss", "non-finite-gradient", "loss-stuck"].includes(result.collapse.reason),
  );
  assert.ok(result.collapse.step >= 1 && result.collapse.step < 200);
  assert.equal(result.completedSteps < 200, true);
  assert.match(result.collapse.detail, /\S/);
  // The detector's rules on their own.
  const d = new CollapseDetector({ window: 3, factor: 2 });
  for (let s = 1; s <= 6; s++) assert.equal(d.observe(s, 1, 1), null);
  assert.equal(d.observe(7, 4, 1), null); // one spike is not a stuck loss: mean 2 is not > 2
  assert.equal(d.observe(8, 4, 1)?.reason, "loss-stuck"); // mean 3 > 2 × 1
  assert.equal(new CollapseDetector().observe(1, 1, Infinity)?.reason, "non-finite-gradient");
});

Deno.test("runTraining: plain data in, plain data out, evaluation and progress hooks", async () => {
  await initBackend("wasm");
  const probe = createModel({ model: "vit", preset: "tiny", norm: "ln" });
  const batch = syntheticBatch(probe, { batch: 8 });
  probe.dispose();
  const progress: number[] = [];
  const result = await runTraining({
    model: { model: "vit", preset: "tiny", norm: "un", placement: "peri", seed: 1 },
    train: { ...RECIPE, steps: 6, evalEvery: 3 },
  }, {
    batch: () => batch,
    evaluate: async (model, step) => {
      const logits = (model as ReturnType<typeof createModel<"vit">>).logits(batch as never);
      const value = (await tf.max(logits).data())[0];
      logits.dispose();
      return { step, maxLogit: value };
    },
    onProgress: (p) => progress.push(p.step),
  });
  assert.deepEqual(progress, [1, 2, 3, 4, 5, 6]);
  assert.deepEqual(result.curve.map((c) => c.metrics.step), [3, 6]);
  assert.equal(result.final.step, 6);
  assert.equal((result.config as { placement: string }).placement, "peri");
  assert.ok(result.stepsPerSec > 0 && result.flopsPerStep > 0);
  assert.deepEqual(structuredClone(result), result); // plain data
  await assert.rejects(
    runTraining({ model: { model: "vit", preset: "tiny", norm: "zz" }, train: RECIPE }, {
      batch: () => batch,
    }),
    UsageError,
  );
});

Deno.test({
  name: "bench train on WebGPU: GPU dispatches per update fall with LN's and UN's WGSL kernels",
  ignore: !webgpu && !REQUIRE_WEBGPU,
}, async () => {
  await initBackend("webgpu");
  const tiny = { model: "encoder", preset: "tiny", warmup: 1, repeats: 1 } as const;
  const count = async (norm: string, kernels: boolean) => {
    const un = setUNStateKernels(kernels);
    const ln = setLayerNormTrainKernels(kernels);
    try {
      const row = await benchTrain({ ...tiny, norm });
      assert.equal(typeof row.dispatchesPerUpdate, "number");
      return row.dispatchesPerUpdate!;
    } finally {
      setUNStateKernels(un);
      setLayerNormTrainKernels(ln);
    }
  };
  const [ln, lnComposite, un, unComposite] = [
    await count("ln", true),
    await count("ln", false),
    await count("un", true),
    await count("un", false),
  ];
  // --profile breaks one update down by WGSL program: the totals agree, LN's programs are there
  const profiled = await benchTrain({ ...tiny, norm: "ln", profile: true });
  const programs = profiled.profile!.dispatches!;
  assert.equal(
    Object.values(programs).reduce((a, b) => a + b, 0),
    profiled.dispatchesPerUpdate,
  );
  assert.equal(programs.LayerNormDxProgram, 5);
  assert.ok(profiled.profile!.kernels.some((k) => k.name === LAYER_NORM_TRAIN_BACKWARD));
  // the tiny encoder has 5 norm layers: LN saves ~15 dispatches each, UN's state ~45
  assert.ok(ln <= lnComposite - 50, `LN ${ln} vs composite ${lnComposite}`);
  assert.ok(un <= unComposite - 150, `UN ${un} vs composite ${unComposite}`);
  assert.ok(un < 1.5 * ln, `UN ${un} vs LN ${ln}`);
});

Deno.test("bench train: a tiny preset as JSON; bad flags exit 2", async () => {
  await initBackend("wasm");
  const row = await benchTrain({
    model: "encoder",
    preset: "tiny",
    norm: "un",
    warmup: 1,
    repeats: 3,
  });
  assert.equal(row.norm, "un");
  assert.ok(row.msPerStep > 0 && row.matmulGflops > 0 && row.ratio > 0);
  // the kernel count is deterministic: the same update counted twice. UN's state kernels bring
  // its update to LN's count; its composite ops (what WebGPU runs) dispatch far more.
  const tiny = { model: "encoder", preset: "tiny", warmup: 1, repeats: 1 } as const;
  const again = await benchTrain({ ...tiny, norm: "un" });
  const ln = await benchTrain({ ...tiny, norm: "ln" });
  const before = setUNStateKernels(false);
  const composite = await benchTrain({ ...tiny, norm: "un" }).finally(() =>
    setUNStateKernels(before)
  );
  assert.ok(row.kernelsPerUpdate > 0);
  assert.equal(row.dispatchesPerUpdate, null); // GPU dispatches: WebGPU only
  assert.equal(row.profile, undefined); // asked for with `profile`
  assert.equal(again.kernelsPerUpdate, row.kernelsPerUpdate);
  assert.ok(
    row.kernelsPerUpdate <= ln.kernelsPerUpdate,
    `UN ${row.kernelsPerUpdate} > LN ${ln.kernelsPerUpdate}`,
  );
  assert.ok(
    composite.kernelsPerUpdate > 1.3 * ln.kernelsPerUpdate,
    `composite UN ${composite.kernelsPerUpdate} vs LN ${ln.kernelsPerUpdate}`,
  );
  assert.equal(
    row.flopsPerStep,
    createModel({ model: "encoder", preset: "tiny", norm: "un" }).trainingFlops(
      syntheticBatch(createModel({ model: "encoder", preset: "tiny", norm: "un" }), {
        batch: 32,
      }) as never,
    ),
  );
  const { code, out } = await runCliCaptured([
    "bench",
    "train",
    "--model",
    "lm",
    "--preset",
    "tiny",
    "--norm",
    "ln",
    "--warmup",
    "1",
    "--repeats",
    "2",
    "--json",
  ]);
  assert.equal(code, 0);
  const parsed = JSON.parse(out[out.length - 1]);
  for (
    const key of [
      "model",
      "norm",
      "batch",
      "tokens",
      "parameters",
      "flopsPerStep",
      "msPerStep",
      "samplesPerSec",
      "effectiveGflops",
      "matmulGflops",
      "ratio",
    ]
  ) {
    assert.ok(key in parsed, key);
  }
  for (
    const bad of [["--model", "rnn"], ["--norm", "xn"], ["--repeats", "0"], ["--preset", "huge"]]
  ) {
    assert.equal((await runCliCaptured(["bench", "train", ...bad])).code, 2, bad.join(" "));
  }
});

Deno.test("bench train: a model the wasm heap cannot hold is one clear error naming the fix, exit 2", async () => {
  // bert-base's parameters, gradients and AdamW state alone pass tfjs-wasm's heap limit
  const { code, stderr } = await runCliProcess(
    "bench",
    "train",
    "--model",
    "encoder",
    "--preset",
    "bert-base",
    "--batch",
    "1",
    "--seq",
    "16",
    "--norm",
    "ln",
    "--warmup",
    "0",
    "--repeats",
    "1",
  );
  assert.equal(code, 2, stderr);
  const last = stderr.trim().split("\n").at(-1)!;
  assert.match(last, /^normbench: the wasm backend aborted: its WebAssembly heap cannot hold/);
  assert.match(last, /--backend cpu/);
  assert.doesNotMatch(stderr, /RuntimeError|at Module\./);
});
