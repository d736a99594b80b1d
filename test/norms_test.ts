import assert from "node:assert/strict";
import * as tf from "../src/tf.ts";
import { initBackend } from "../src/backend/backend.ts";
import {
  createNorm,
  NORM_NAMES,
  normEntry,
  resolveNorm,
  scaledNormOptions,
} from "../src/norms/registry.ts";
import type { Norm } from "../src/norms/types.ts";
import { UsageError } from "../src/util/errors.ts";
import { relErr, values } from "./helpers.ts";

await initBackend("wasm");

const STATE: Record<string, string[]> = {
  ln: ["weight", "bias"],
  rms: ["weight"],
  crms: ["weight", "bias"],
  bn: ["weight", "bias", "runningMean", "runningVar"],
  pn: ["weight", "bias", "runningPhi", "emaGz", "iters"],
  un: ["weight", "bias", "runningVar", "emaGz", "iters", "bufX2", "bufGz", "skipCount"],
  dyt: ["weight", "bias", "alpha"],
  repbn: ["weight", "bias", "runningMean", "runningVar", "eta", "lnWeight", "lnBias", "step"],
  gn: ["weight", "bias"],
  "evonorm-b0": ["weight", "bias", "v", "runningVar"],
  "evonorm-s0": ["weight", "bias", "v"],
  bcn: ["weight", "bias", "bnWeight", "bnBias", "runningMean", "runningVar"],
  none: [],
};

/** Options that make every stateful phase short, so a few steps exercise all of them. */
const SHORT: Record<string, Record<string, number | boolean>> = {
  un: { window: 2, warmup: 3, compensationStart: 4, outlierFiltration: true },
  pn: { warmup: 3, groups: 2 },
  repbn: { decaySteps: 4, warmupSteps: 1 },
};

function trainSteps(norm: Norm, steps: number, seed: number, shape = [3, 5, 8]): void {
  for (let i = 0; i < steps; i++) {
    tf.tidy(() => {
      const x = tf.randomNormal(shape, 0.5, 2, "float32", seed + i);
      const dy = tf.randomNormal(shape, 0, 1, "float32", seed + 100 + i);
      tf.grad((v: tf.Tensor) => tf.sum(tf.mul(norm.apply(v, { training: true }), dy)))(x);
    });
  }
}

Deno.test("registry: every norm is created by name with the documented state", () => {
  assert.deepEqual([...NORM_NAMES], [
    "ln",
    "rms",
    "crms",
    "bn",
    "pn",
    "un",
    "dyt",
    "repbn",
    "gn",
    "evonorm-b0",
    "evonorm-s0",
    "bcn",
    "none",
  ]);
  for (const name of NORM_NAMES) {
    const norm = createNorm(name, 8, SHORT[name] ?? {});
    assert.equal(norm.name, name);
    assert.deepEqual(Object.keys(norm.variables()), STATE[name], name);
    const x = tf.randomNormal([2, 3, 8]);
    for (const training of [true, false]) {
      const y = norm.apply(x, { training });
      assert.deepEqual(y.shape, [2, 3, 8], `${name} training=${training}`);
    }
    norm.dispose();
  }
});

Deno.test("registry: unknown names and invalid options list what is valid", () => {
  assert.throws(() => createNorm("layernorm", 8), (err: unknown) => {
    assert.ok(err instanceof UsageError);
    assert.equal(
      err.oneLine(),
      "unknown norm 'layernorm' (use one of: ln, rms, crms, bn, pn, un, dyt, repbn, gn, " +
        "evonorm-b0, evonorm-s0, bcn, none)",
    );
    return true;
  });
  const bad: [string, Record<string, unknown>, RegExp][] = [
    ["un", { window: 0 }, /option 'window' of norm 'un' must be an integer >= 1, got 0/],
    ["un", { window: 2.5 }, /must be an integer >= 1, got 2.5/],
    ["un", { eps: 0 }, /option 'eps' of norm 'un' must be a number > 0/],
    ["ln", { eps: -1e-5 }, /option 'eps' of norm 'ln' must be a number > 0/],
    ["bn", { momentum: 1 }, /option 'momentum' of norm 'bn' must be a number in \(0, 1\)/],
    ["un", { momentum: 0 }, /must be a number in \(0, 1\)/],
    ["un", { outlierFiltration: "yes" }, /must be true or false/],
    ["pn", { warmup: -1 }, /must be an integer >= 0/],
    ["un", { eps: Number.NaN }, /must be a number > 0, got null/],
    ["un", { windw: 4 }, /norm 'un' has no option 'windw'/],
    ["none", { eps: 1e-5 }, /norm 'none' has no option 'eps'/],
    ["pn", { groups: 3 }, /groups \(3\) must divide the channel count \(8\)/],
    ["gn", { groups: 3 }, /norm 'gn': groups \(3\) must divide the channel count \(8\)/],
    ["bcn", { groups: 16 }, /norm 'bcn': groups \(16\) must divide/],
    ["evonorm-s0", { groups: 0 }, /option 'groups' of norm 'evonorm-s0' must be an integer >= 1/],
    ["evonorm-b0", { groups: 2 }, /norm 'evonorm-b0' has no option 'groups'/],
    ["crms", { eps: 0 }, /option 'eps' of norm 'crms' must be a number > 0, got 0/],
    ["crms", { eps: "1e-5" }, /option 'eps' of norm 'crms' must be a number > 0, got "1e-5"/],
    ["crms", { full_dim: 9 }, /norm 'crms' has no option 'full_dim'/],
  ];
  for (const [name, options, pattern] of bad) {
    assert.throws(
      () => createNorm(name, 8, options),
      pattern,
      `${name} ${JSON.stringify(options)}`,
    );
  }
  assert.throws(() => createNorm("un", 8, { windw: 4 }), (err: unknown) => {
    assert.match((err as UsageError).hint, /window \(an integer >= 1, default 4\)/);
    return true;
  });
  assert.throws(() => createNorm("ln", 0), /positive integer channel count/);
  // one clear line each: what is wrong, then the fix (the valid options, or the rule and default)
  assert.throws(() => createNorm("crms", 8, { eps: -1 }), (err: unknown) => {
    assert.ok(err instanceof UsageError);
    assert.equal(
      err.oneLine(),
      "option 'eps' of norm 'crms' must be a number > 0, got -1 (eps: added to the mean square " +
        "of the C+1 decompressed coordinates (default 0.00001))",
    );
    return true;
  });
  assert.throws(() => createNorm("crms", 8, { epsilon: 1e-5 }), (err: unknown) => {
    assert.equal(
      (err as UsageError).oneLine(),
      "norm 'crms' has no option 'epsilon' (its options are: eps (a number > 0, default 0.00001))",
    );
    return true;
  });
});

Deno.test("registry: defaults are the papers' constants, not tfjs layer defaults", () => {
  assert.equal(normEntry("ln").options.eps.default, 1e-5);
  assert.equal(normEntry("bn").options.momentum.default, 0.1);
  const un = normEntry("un").options;
  assert.deepEqual(
    [un.window.default, un.warmup.default, un.outlierFiltration.default, un.momentum.default],
    [4, 4000, false, 0.9],
  );
  assert.equal(un.compensationStart.default, 1000);
  assert.equal(normEntry("pn").options.warmup.default, 10000);
  assert.equal(normEntry("dyt").options.alphaInit.default, 0.5);
  assert.equal(normEntry("crms").options.eps.default, 1e-5, "the CRMS golden vectors' ε");
});

Deno.test("crms: RMSNorm of the decompressed zero-mean vector, per token, folds like rms", async () => {
  const c = 6;
  const crms = createNorm("crms", c, { eps: 1e-5 });
  const v = crms.variables();
  v.weight.assign(tf.randomUniform([c], 0.5, 1.5, "float32", 1));
  v.bias.assign(tf.randomUniform([c], -0.5, 0.5, "float32", 2));
  // a zero-mean (C+1)-vector, stored as its first C coordinates
  const full = tf.randomNormal([2, 4, c + 1], 1, 2, "float32", 3);
  const centred = tf.sub(full, tf.mean(full, -1, true));
  const x = tf.slice(centred, [0, 0, 0], [2, 4, c]);
  const rms = createNorm("rms", c + 1, { eps: 1e-5 });
  const expected = tf.add(
    tf.mul(tf.slice(rms.apply(centred), [0, 0, 0], [2, 4, c]), v.weight),
    v.bias,
  );
  assert.ok(await relErr(crms.apply(x, { training: true }), expected) < 1e-5);
  assert.ok(await relErr(crms.apply(x), expected) < 1e-5, "inference is the same map");
  // per token: a pad mask changes nothing, and neither do the other tokens of the batch
  const mask = tf.tensor2d([[0, 0, 1, 1], [0, 1, 1, 1]]);
  assert.equal(await relErr(crms.apply(x, { training: true, mask }), crms.apply(x)), 0);
  const first = tf.slice(x, [0, 0, 0], [1, 1, c]);
  assert.ok(
    await relErr(crms.apply(first), tf.slice(crms.apply(x), [0, 0, 0], [1, 1, c])) < 1e-6,
  );
  assert.equal(crms.batchStatistics, false);
  assert.equal(normEntry("crms").folds, normEntry("rms").folds);
  assert.match(normEntry("crms").note ?? "", /C\+1 coordinates of a zero-mean vector/);
  assert.equal(resolveNorm("crms", {}, { heads: 2, causal: true }).name, "crms");
  crms.dispose();
  rms.dispose();
});

Deno.test("registry: weight standardization is a weight option of a norm name, never a slot", () => {
  const gnws = resolveNorm("gn+ws", { groups: 4 });
  assert.deepEqual([gnws.name, gnws.weightStandardization, gnws.options.groups], ["gn", true, 4]);
  assert.equal(resolveNorm("bcn").weightStandardization, false);
  const cases: [string, RegExp][] = [
    ["ws", /'ws' is a weight option, not a norm \(.*append it to a norm, e\.g\. gn\+ws/],
    ["gn+wx", /unknown weight option 'wx' in norm 'gn\+wx' \(the weight options are: ws/],
    ["gn+ws+ws", /weight option 'ws' repeated in norm 'gn\+ws\+ws'/],
    ["lnn+ws", /unknown norm 'lnn'/],
  ];
  for (const [name, pattern] of cases) {
    assert.throws(() => resolveNorm(name), (err: unknown) => {
      assert.ok(err instanceof UsageError, name);
      assert.match(err.oneLine(), pattern);
      return true;
    });
  }
  assert.throws(() => createNorm("gn+ws", 8), /createNorm builds one norm/);
});

Deno.test("registry: a norm over a sample's positions is refused by causal models", () => {
  for (const name of ["gn", "evonorm-b0", "evonorm-s0", "bcn"]) {
    assert.throws(
      () => resolveNorm(name, {}, { heads: 2, causal: true }),
      /normalises over a sample's positions, so in a causal model/,
      name,
    );
    assert.equal(resolveNorm(name, {}, { heads: 2 }).name, name);
  }
  assert.equal(resolveNorm("bn", {}, { heads: 2, causal: true }).name, "bn");
});

Deno.test("gn, evonorm-s0 and bcn train at batch 1; image statistics follow NCHW semantics", async () => {
  for (const name of ["gn", "evonorm-s0", "bcn"]) {
    const norm = createNorm(name, 8, { groups: 2 });
    const y = norm.apply(tf.randomNormal([1, 4, 4, 8], 1, 2, "float32", 3), { training: true });
    assert.ok((await values(y)).every(Number.isFinite), name);
    norm.dispose();
  }
  // gn with one group per channel is instance norm: each (sample, channel) over H, W is N(0, 1)
  const gn = createNorm("gn", 4, { groups: 4, eps: 1e-9 });
  const x = tf.randomNormal([2, 5, 5, 4], 3, 2, "float32", 4);
  const { mean, variance } = tf.moments(gn.apply(x), [1, 2]);
  assert.ok((await values(mean)).every((m) => Math.abs(m) < 1e-5));
  assert.ok((await values(variance)).every((v) => Math.abs(v - 1) < 1e-4));
  // a padded token does not enter the per-sample statistics of a sequence
  const seq = tf.tensor3d([[[1, 2], [3, 4], [100, -100]]]);
  const mask = tf.tensor2d([[0, 0, 1]]);
  const gn1 = createNorm("gn", 2, { groups: 1, eps: 1e-9 });
  const kept = gn1.apply(tf.slice(seq, [0, 0, 0], [1, 2, 2]));
  const masked = tf.slice(gn1.apply(seq, { training: true, mask }), [0, 0, 0], [1, 2, 2]);
  assert.ok(await relErr(masked, kept) < 1e-5);
});

Deno.test("registry: a name resolves once into a factory with the model's defaults", () => {
  const pn = resolveNorm("pn", { warmup: 7 }, { heads: 4 });
  assert.equal(pn.name, "pn");
  assert.equal(pn.options.groups, 4, "PowerNorm's groups = heads");
  assert.equal(pn.options.warmup, 7);
  assert.equal(pn.options.alphaFwd, 0.9, "the entry's defaults fill the rest");
  assert.equal(resolveNorm("pn", { groups: 2 }, { heads: 4 }).options.groups, 2, "given wins");
  assert.equal(resolveNorm("pn", { groups: undefined }, { heads: 4 }).options.groups, 4);
  assert.equal(resolveNorm("pn").options.groups, 1, "no model: the entry's default");
  assert.equal(resolveNorm("ln", {}, { heads: 4 }).options.groups, undefined);
  const [a, b] = [pn.create(8), pn.create(8)];
  assert.notEqual(a, b);
  assert.deepEqual(a.options, b.options);
  a.dispose();
  b.dispose();
  assert.throws(() => resolveNorm("pm", {}, { heads: 4 }), /unknown norm 'pm'/);
  assert.throws(() => resolveNorm("ln", { warmup: 4 }), /norm 'ln' has no option 'warmup'/);
});

Deno.test("registry: step-count options scale with the run by each norm's own rule", () => {
  const iwslt = { steps: 2000, scheduleWarmup: 100, sourceUpdates: 100_000 };
  const imagenet = { steps: 6000, scheduleWarmup: 200, sourceUpdates: 750_000 };
  assert.deepEqual(scaledNormOptions("un", iwslt), { warmup: 80, compensationStart: 20 });
  assert.deepEqual(scaledNormOptions("un", imagenet), { warmup: 32, compensationStart: 8 });
  assert.deepEqual(scaledNormOptions("pn", iwslt), { warmup: 100 });
  assert.deepEqual(scaledNormOptions("repbn", iwslt), { decaySteps: 2000 });
  assert.deepEqual(scaledNormOptions("repbn", { ...iwslt, steps: 0 }), { decaySteps: 1 });
  assert.deepEqual(scaledNormOptions("un", iwslt, { warmup: 5 }), {
    warmup: 5,
    compensationStart: 20,
  });
  for (const name of ["ln", "rms", "crms", "bn", "dyt", "none"]) {
    assert.deepEqual(scaledNormOptions(name, iwslt, { x: 1 }), { x: 1 }, name);
  }
});

Deno.test("registry: UN summarises its phase and checks that every run left warm-up", () => {
  const un = normEntry("un");
  const counters = { "a/iters": 100, "a/skipCount": 3, "b/iters": 90, "b/skipCount": 1 };
  const phase = un.summarize!(counters, { warmup: 40 });
  assert.deepEqual(phase, { layers: 2, unused: 0, minIters: 90, stepsAfterWarmup: 50, skips: 4 });
  const stuck = un.summarize!({ ...counters, "mlm/iters": 0 }, { warmup: 95 });
  assert.deepEqual([stuck.unused, stuck.stepsAfterWarmup], [1, 0]);
  const [ok] = un.check!([{ summary: phase, options: { warmup: 40 } }]);
  assert.equal(ok.ok, true);
  assert.match(
    ok.detail,
    /1 UN runs; scaled warm-up 40–40 steps; steps after warm-up per run 50–50/,
  );
  const [bad] = un.check!([
    { summary: phase, options: { warmup: 40 } },
    { summary: stuck, options: { warmup: 95 } },
  ]);
  assert.equal(bad.ok, false);
  assert.match(bad.detail, /1 UN layer\(s\) per run never ran in training/);
  for (const name of NORM_NAMES.filter((n) => n !== "un")) {
    assert.equal(normEntry(name).check, undefined, `${name} has no check`);
  }
});

Deno.test("state travels with the variables: a copy infers and trains exactly like the original", async () => {
  for (const name of ["un", "pn", "bn", "repbn"]) {
    const a = createNorm(name, 8, SHORT[name] ?? {});
    trainSteps(a, 6, 1);
    const b = createNorm(name, 8, SHORT[name] ?? {});
    const va = a.variables();
    for (const [k, v] of Object.entries(b.variables())) v.assign(va[k]);
    const x = tf.randomNormal([3, 5, 8], 0, 1, "float32", 77);
    assert.equal(await relErr(b.apply(x), a.apply(x)), 0, `${name} inference`);
    // the next training step (forward, backward, state update) is identical too
    const dy = tf.randomNormal([3, 5, 8], 0, 1, "float32", 78);
    const step = (n: Norm) =>
      tf.grad((v: tf.Tensor) => tf.sum(tf.mul(n.apply(v, { training: true }), dy)))(x);
    assert.equal(await relErr(step(b), step(a)), 0, `${name} gradient`);
    for (const [k, v] of Object.entries(b.variables())) {
      assert.deepEqual(await values(v), await values(va[k]), `${name}.${k}`);
    }
  }
});

Deno.test("commit: false evaluates the next step without touching the state", async () => {
  for (const name of ["un", "pn", "bn", "repbn"]) {
    const norm = createNorm(name, 8, SHORT[name] ?? {});
    trainSteps(norm, 3, 5);
    const before = await Promise.all(Object.values(norm.variables()).map(values));
    const x = tf.randomNormal([3, 5, 8], 0, 1, "float32", 9);
    const y1 = norm.apply(x, { training: true, commit: false });
    tf.grad((v: tf.Tensor) => tf.sum(norm.apply(v, { training: true, commit: false })))(x);
    const after = await Promise.all(Object.values(norm.variables()).map(values));
    assert.deepEqual(after, before, name);
    const y2 = norm.apply(x, { training: true }); // the committed step computes the same output
    assert.equal(await relErr(y2, y1), 0, name);
  }
});

Deno.test("batch-statistic norms leave padded tokens out of their statistics", async () => {
  const mask = tf.tensor2d([[0, 0, 0, 1, 1], [0, 0, 1, 1, 1]]);
  const keep = tf.expandDims(tf.sub(1, mask), -1);
  // repbn: decay over one step, so its second call is pure BN(x) + ηx
  const options: Record<string, Record<string, number>> = { repbn: { decaySteps: 1 } };
  for (const name of ["bn", "un", "pn", "repbn"]) {
    const opts = options[name] ?? SHORT[name] ?? {};
    const calls = name === "repbn" ? 2 : 1;
    const base = tf.randomNormal([2, 5, 8], 0, 1, "float32", 3);
    const outputs = [];
    for (const padValue of [0, 1000]) {
      const x = tf.add(tf.mul(base, keep), tf.mul(tf.sub(1, keep), padValue));
      const masked = createNorm(name, 8, opts);
      const unmasked = createNorm(name, 8, opts);
      let y = x, u = x;
      for (let i = 0; i < calls; i++) {
        y = masked.apply(x, { training: true, mask });
        // without the mask the padded values do change the statistics
        u = unmasked.apply(x, { training: true });
      }
      outputs.push(tf.mul(y, keep), tf.mul(u, keep));
    }
    assert.ok(await relErr(outputs[2], outputs[0]) < 1e-6, `${name}: masked outputs differ`);
    assert.ok(await relErr(outputs[3], outputs[1]) > 1e-2, `${name}: pads had no effect unmasked`);
  }
});

Deno.test("un: inference is γx/sqrt(RV+ε)+β and warm-up normalises by the batch RMS", async () => {
  const un = createNorm("un", 4, { warmup: 10 });
  const x = tf.tensor3d([[[1, 2, 3, 4], [3, 2, 1, 0]]]);
  const y = un.apply(x, { training: true });
  const q = tf.mean(tf.square(x), [0, 1]);
  assert.ok(await relErr(y, tf.div(x, tf.sqrt(tf.add(q, 1e-5)))) < 1e-6);
  const v = un.variables();
  assert.deepEqual(await values(v.iters), [1]);
  // RV = 0.9·1 + 0.1·q
  assert.ok(await relErr(v.runningVar, tf.add(0.9, tf.mul(0.1, q))) < 1e-6);
  v.weight.assign(tf.tensor1d([1, 2, 3, 4]));
  v.bias.assign(tf.tensor1d([0, 1, 0, 1]));
  const expected = tf.add(tf.mul(x, tf.div(v.weight, tf.sqrt(tf.add(v.runningVar, 1e-5)))), v.bias);
  assert.ok(await relErr(un.apply(x), expected) < 1e-6);
  un.resetCounters();
  assert.deepEqual(await values(v.iters), [0]);
});

Deno.test("bn: running statistics use momentum 0.1 and the unbiased variance (torch)", async () => {
  const bn = createNorm("bn", 2);
  const x = tf.tensor2d([[1, 10], [3, 20], [5, 60]]);
  const y = bn.apply(x, { training: true });
  assert.ok(Math.abs((await tf.mean(y).data())[0]) < 1e-6);
  const v = bn.variables();
  assert.ok(await relErr(v.runningMean, tf.tensor1d([0.3, 3])) < 1e-6);
  // unbiased variances 4 and 700 → 0.9 + 0.1·var
  assert.ok(await relErr(v.runningVar, tf.tensor1d([1.3, 70.9])) < 1e-6);
});

Deno.test("repbn: λ decays from LN to BN(x)+ηx over decaySteps after the LN-only warm-up", async () => {
  const repbn = createNorm("repbn", 8, { decaySteps: 3, warmupSteps: 2 });
  const ln = createNorm("ln", 8);
  const x = tf.randomNormal([4, 3, 8], 0, 1, "float32", 11);
  // warm-up (2 calls) and the first decay call: λ = 1, pure LN, BN stats untouched until t > 2
  for (let t = 1; t <= 3; t++) {
    assert.ok(await relErr(repbn.apply(x, { training: true }), ln.apply(x)) < 1e-6, `t=${t}`);
  }
  const v = repbn.variables();
  assert.ok(await relErr(v.runningMean, tf.mul(tf.mean(x, [0, 1]), 0.1)) < 1e-5);
  repbn.apply(x, { training: true }); // λ = 2/3
  repbn.apply(x, { training: true }); // λ = 1/3
  const y = repbn.apply(x, { training: true }); // λ = 0: BN(x) + ηx with batch statistics
  const { mean, variance } = tf.moments(x, [0, 1]);
  const bnOut = tf.div(tf.sub(x, mean), tf.sqrt(tf.add(variance, 1e-5)));
  assert.ok(await relErr(y, tf.add(bnOut, x)) < 1e-5);
});

Deno.test("pn: inference is γ·GS(x)/sqrt(φ+ε)+β", async () => {
  const pn = createNorm("pn", 4, { groups: 2, warmup: 2 });
  const x = tf.randomNormal([2, 3, 4], 0, 1, "float32", 5);
  pn.apply(x, { training: true });
  const v = pn.variables();
  const grouped = tf.reshape(x, [2, 3, 2, 2]);
  const gs = tf.reshape(
    tf.div(grouped, tf.sqrt(tf.add(tf.mean(tf.square(grouped), -1, true), 1e-5))),
    [2, 3, 4],
  );
  const expected = tf.div(gs, tf.sqrt(tf.add(v.runningPhi, 1e-5)));
  assert.ok(await relErr(pn.apply(x), expected) < 1e-6);
});

Deno.test("norms keep no tensors beyond their variables", () => {
  for (const name of NORM_NAMES) {
    const norm = createNorm(name, 8, SHORT[name] ?? {});
    trainSteps(norm, 2, 1);
    const x = tf.randomNormal([2, 3, 8]);
    const before = tf.memory().numTensors;
    trainSteps(norm, 3, 2);
    tf.tidy(() => {
      norm.apply(x);
    });
    const split = norm.inferenceSplit();
    tf.dispose(split ? [split.scale, split.shift] : []);
    assert.equal(tf.memory().numTensors, before, name);
  }
});
