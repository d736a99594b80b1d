import assert from "node:assert/strict";
import { initBackend } from "../src/backend/backend.ts";
import {
  type GoldenFile,
  parseGolden,
  readGolden,
  replayGolden,
  type TokenGoldenFile,
} from "../src/norms/golden.ts";
import type { ImageGoldenFile, SigmaReparamGoldenFile } from "../src/norms/golden_seeds.ts";
import * as tf from "../src/tf.ts";
import { Dense } from "../src/nn/dense.ts";
import { Scope } from "../src/nn/scope.ts";
import { UsageError } from "../src/util/errors.ts";
import { hasWebGpu, relErr, REQUIRE_WEBGPU } from "./helpers.ts";

const dir = new URL("./fixtures/golden/", import.meta.url);
const files = [...Deno.readDirSync(dir)].map((e) => e.name).filter((n) => n.endsWith(".json"))
  .sort();
const seeds = new URL("./fixtures/golden/seeds/", import.meta.url);
const seedFiles = [...Deno.readDirSync(seeds)].map((e) => e.name)
  .filter((n) => n.endsWith(".json")).sort();
const gpu = await hasWebGpu();

/** Every kind of field each seed format records, which a replay must compare. */
const SEED_FIELDS: Record<string, string[]> = {
  "evonorm-b0": ["y", "dx", "dweight", "dbias", "dv", "eval.y", "state.running_var"],
  "evonorm-s0": ["y", "dx", "dweight", "dbias", "dv", "eval.y"],
  bcn: [
    "y",
    "dx",
    "dweight",
    "dbias",
    "dbn.weight",
    "dbn.bias",
    "eval.y",
    "state.bn.running_mean",
    "state.bn.running_var",
  ],
  ws: ["standardized_kernel", "y", "dkernel"],
  crms: ["y", "dx", "dweight", "dbias"],
  "sigma-reparam": [
    "init.sigma",
    "y",
    "sigma",
    "dweight_out_in",
    "dgamma",
    "dbias",
    "u_after",
  ],
};

async function readToken(name: string): Promise<TokenGoldenFile> {
  return await readGolden(new URL(name, dir).pathname) as TokenGoldenFile;
}

Deno.test("the public golden fixtures are all present", () => {
  assert.deepEqual(files, [
    "pn_warmup_groups2.json",
    "un_compensation_after_1000.json",
    "un_outlier_filtration.json",
    "un_padded_tokens.json",
    "un_warmup_window4.json",
  ]);
  assert.deepEqual(seedFiles, [
    "bcn.json",
    "crms.json",
    "evonorm_b0.json",
    "evonorm_s0.json",
    "sigma_reparam.json",
    "ws.json",
  ]);
});

for (const backend of ["wasm", "cpu", "webgpu"] as const) {
  Deno.test({
    name: `golden: every fixture replays within tolerance on ${backend}`,
    ignore: backend === "webgpu" && !gpu && !REQUIRE_WEBGPU,
    fn: async () => {
      await initBackend(backend);
      for (const name of files) {
        const report = await replayGolden(await readGolden(new URL(name, dir).pathname));
        const bad = report.fields.filter((f) => !f.ok).map((f) => `${f.field} at ${f.at}`);
        assert.ok(report.ok, `${name} on ${backend}: ${bad.join(", ")}`);
        // every recorded kind of field was compared
        const fields = report.fields.map((f) => f.field);
        for (const f of ["y", "dx", "dweight", "dbias", "eval.y", "state.iters"]) {
          assert.ok(fields.includes(f), `${name}: ${f} not compared`);
        }
      }
      for (const name of seedFiles) {
        const golden: GoldenFile = await readGolden(new URL(name, seeds).pathname);
        const report = await replayGolden(golden);
        const bad = report.fields.filter((f) => !f.ok).map((f) => `${f.field} at ${f.at}`);
        assert.ok(report.ok, `seeds/${name} on ${backend}: ${bad.join(", ")}`);
        assert.deepEqual(report.fields.map((f) => f.field).sort(), SEED_FIELDS[golden.norm].sort());
      }
    },
  });
}

Deno.test("golden seeds: a replay detects a perturbed gradient, buffer or kernel", async () => {
  await initBackend("wasm");
  const bcn = await readGolden(new URL("bcn.json", seeds).pathname) as ImageGoldenFile;
  bcn.steps[2].grads!["bn.weight"][3] *= 1.01;
  bcn.final_state["bn.running_var"][0] += 1e-3;
  const report = await replayGolden(bcn);
  assert.deepEqual(
    report.fields.filter((f) => !f.ok).map((f) => f.field).sort(),
    ["dbn.weight", "state.bn.running_var"],
  );
  assert.match(report.fields.find((f) => f.field === "dbn.weight")!.at, /^step 3\[3\]$/);
  // the groups matter: one group per channel is another layer
  const regrouped = await replayGolden({ ...bcn, options: { ...bcn.options, groups: 8 } });
  assert.ok(regrouped.fields.some((f) => f.field === "y" && !f.ok));
});

Deno.test("golden seeds: the σReparam replay follows the recorder's SGD and detects a wrong u or σ", async () => {
  await initBackend("wasm");
  const path = new URL("sigma_reparam.json", seeds).pathname;
  const sr = await readGolden(path) as SigmaReparamGoldenFile;
  assert.ok(sr.steps.length >= 3, "the public case trains for several steps");
  sr.steps[1].u_after[2] += 1e-3;
  sr.steps[2].sigma *= 1.001;
  const report = await replayGolden(sr);
  assert.deepEqual(report.fields.filter((f) => !f.ok).map((f) => f.field).sort(), [
    "sigma",
    "u_after",
  ]);
  assert.match(report.fields.find((f) => f.field === "u_after")!.at, /^step 2\[2\]$/);
  // without the recorder's SGD between steps, step 1 still matches and the later ones do not
  const frozen = await readGolden(path) as SigmaReparamGoldenFile;
  frozen.options.sgd_between_steps = { weight_lr: 0, gamma_lr: 0 };
  const still = await replayGolden(frozen);
  const y = still.fields.find((f) => f.field === "y")!;
  assert.ok(!y.ok && !y.at.startsWith("step 1["), y.at);
  // u must start where the file says: a u that is not W₀'s top singular vector gives another σ
  const other = await readGolden(path) as SigmaReparamGoldenFile;
  other.initial.u = other.initial.u.map((_, i) => (i === 1 ? 1 : 0));
  assert.ok((await replayGolden(other)).fields.some((f) => f.field === "sigma" && !f.ok));
  // a file without the recorder's settings replays with the README's SGD and u initialisation
  const bare = await readGolden(path) as SigmaReparamGoldenFile;
  bare.options = {};
  assert.ok((await replayGolden(bare)).ok);
});

Deno.test("golden seeds: a Dense with sigmaReparam reproduces the σReparam steps", async () => {
  await initBackend("wasm");
  const g = await readGolden(
    new URL("sigma_reparam.json", seeds).pathname,
  ) as SigmaReparamGoldenFile;
  const { in: inDim, out: outDim, N } = g;
  // the reference's W [out, in] as the initial tfjs kernel [in, out]
  const kernelInit = () => {
    const k = new Float32Array(inDim * outDim);
    for (let o = 0; o < outDim; o++) {
      for (let i = 0; i < inDim; i++) k[i * outDim + o] = g.initial.weight_out_in[o * inDim + i];
    }
    return k;
  };
  const scope = new Scope({ seed: 0 });
  const dense = new Dense(scope.child("fc"), inDim, outDim, {
    sigmaReparam: true,
    init: kernelInit,
  });
  const sr = dense.sigmaReparam!;
  assert.deepEqual(Object.keys(scope.variables()), [
    "fc/kernel",
    "fc/bias",
    "fc/sigma_reparam/gamma",
    "fc/sigma_reparam/u",
    "fc/sigma_reparam/sigma",
  ]);
  assert.ok(await relErr(sr.gamma, tf.tensor1d(g.initial.gamma)) < 1e-5, "γ₀ = σ(W₀)");
  assert.ok(await relErr(sr.sigma, tf.tensor1d(g.initial.gamma)) < 1e-5, "σ starts at σ(W₀)");
  sr.u.assign(tf.tensor1d(g.initial.u));
  dense.bias!.assign(tf.tensor1d(g.initial.bias!));
  const { weight_lr: weightLr, gamma_lr: gammaLr } = g.options.sgd_between_steps!;
  for (const [i, step] of g.steps.entries()) {
    const x = tf.tensor2d(step.x, [N, inDim]);
    const dy = tf.tensor2d(step.dy, [N, outDim]);
    let y: tf.Tensor | undefined;
    const { grads } = tf.variableGrads(() => {
      y = tf.keep(dense.apply(x, { training: true }));
      return tf.sum(tf.mul(y, dy));
    }, [dense.kernel, sr.gamma, dense.bias!]);
    assert.ok(await relErr(y!, tf.tensor2d(step.y, [N, outDim])) < 1e-4, `y, step ${i + 1}`);
    assert.ok(await relErr(sr.sigma, tf.tensor1d([step.sigma])) < 1e-5, `σ, step ${i + 1}`);
    assert.ok(await relErr(sr.u, tf.tensor1d(step.u_after)) < 1e-4, `u, step ${i + 1}`);
    const dKernel = tf.transpose(tf.tensor2d(step.grads.weight_out_in, [outDim, inDim]));
    assert.ok(await relErr(grads[dense.kernel.name], dKernel) < 1e-4, `dW, step ${i + 1}`);
    dense.kernel.assign(tf.sub(dense.kernel, tf.mul(grads[dense.kernel.name], weightLr)));
    sr.gamma.assign(tf.sub(sr.gamma, tf.mul(grads[sr.gamma.name], gammaLr)));
  }
  // inference divides by the last σ and leaves u and σ as they are
  const [u, sigma] = [await sr.u.data(), await sr.sigma.data()];
  const x = tf.tensor2d(g.steps[0].x, [N, inDim]);
  const w = tf.div(tf.mul(dense.kernel, sr.gamma), sr.sigma);
  assert.ok(await relErr(dense.apply(x), tf.add(tf.matMul(x, w), dense.bias!)) < 1e-5);
  assert.deepEqual([await sr.u.data(), await sr.sigma.data()], [u, sigma]);
  assert.ok(await relErr(dense.weight(), w) < 1e-6, "the folding weight is the inference weight");
});

Deno.test("golden seeds: malformed seed files are rejected with the field named", () => {
  const ws = JSON.parse(Deno.readTextFileSync(new URL("ws.json", seeds)));
  assert.throws(
    () => parseGolden(JSON.stringify({ ...ws, options: { eps: 1e-5, variance: "biased" } })),
    /'options\.variance' must be "unbiased"/,
  );
  assert.throws(
    () => parseGolden(JSON.stringify({ ...ws, kernel: ws.kernel.slice(1) }), "ws.json"),
    /golden file ws\.json: 'kernel' has 107 numbers, expected 108/,
  );
  const b0 = JSON.parse(Deno.readTextFileSync(new URL("evonorm_b0.json", seeds)));
  assert.throws(
    () => parseGolden(JSON.stringify({ ...b0, final_state: { running_mean: [0] } })),
    /unknown parameter or buffer 'running_mean' in final_state/,
  );
  assert.throws(() => parseGolden(JSON.stringify({ ...b0, layout: "NCHW" })), /'layout' must be/);
  const crms = JSON.parse(Deno.readTextFileSync(new URL("crms.json", seeds)));
  assert.throws(
    () => parseGolden(JSON.stringify({ ...crms, options: { ...crms.options, full_dim: 7 } })),
    /'options\.full_dim' must be C\+1 = 8, got 7/,
  );
  assert.throws(
    () => parseGolden(JSON.stringify({ ...crms, dweight: [1] }), "crms.json"),
    /golden file crms\.json: 'dweight' has 1 numbers, expected 7/,
  );
  const sr = JSON.parse(Deno.readTextFileSync(new URL("sigma_reparam.json", seeds)));
  assert.throws(
    () => parseGolden(JSON.stringify({ ...sr, initial: { ...sr.initial, u: [1, 0] } })),
    /'initial\.u' has 2 numbers, expected 6/,
  );
  const renamed = structuredClone(sr);
  renamed.steps[1].grads.weight = renamed.steps[1].grads.weight_out_in;
  assert.throws(
    () => parseGolden(JSON.stringify(renamed)),
    /unknown gradient 'weight' in steps\[1\]/,
  );
  assert.throws(
    () =>
      parseGolden(JSON.stringify({ ...sr, options: { sgd_between_steps: { weight_lr: "0.5" } } })),
    /'options\.sgd_between_steps\.weight_lr' must be a number/,
  );
  // without the recorder's settings, the README's SGD and u initialisation are assumed
  const bare = parseGolden(JSON.stringify({ ...sr, options: undefined })) as SigmaReparamGoldenFile;
  assert.deepEqual(bare.options, {});
});

Deno.test("golden: a replay detects a perturbed expectation and names the field", async () => {
  await initBackend("wasm");
  const golden = await readToken("un_outlier_filtration.json");
  golden.steps[9].dx![5] += 1e-3;
  golden.final_state.running_var[2] *= 1.001;
  golden.skip_count = (golden.skip_count ?? 0) + 1;
  const report = await replayGolden(golden);
  assert.equal(report.ok, false);
  const failed = report.fields.filter((f) => !f.ok).map((f) => f.field).sort();
  assert.deepEqual(failed, ["dx", "skip_count", "state.runningVar"]);
  assert.match(report.fields.find((f) => f.field === "dx")!.at, /^step 10\[5\]$/);
});

Deno.test("golden: the outlier case really skips and the compensation case really compensates", async () => {
  await initBackend("wasm");
  const outlier = await readToken("un_outlier_filtration.json");
  assert.ok((outlier.skip_count ?? 0) > 0);
  // Replaying without outlier filtration must fail: the fixture exercises the skip path.
  const off = await replayGolden({
    ...outlier,
    options: { ...outlier.options, outlierFiltration: false },
  });
  assert.equal(off.ok, false);
  const comp = await readToken("un_compensation_after_1000.json");
  // With compensation starting late, steps after 1000 no longer match.
  const late = await replayGolden({
    ...comp,
    options: { ...comp.options, compensationStart: 5000 },
  });
  assert.equal(late.ok, false);
  assert.ok(late.fields.some((f) => f.field === "dx" && !f.ok));
});

Deno.test("golden: malformed and truncated files are rejected with the field named", async () => {
  const text = await Deno.readTextFile(new URL("un_padded_tokens.json", dir));
  assert.throws(() => parseGolden(text.slice(0, 2000), "cut.json"), (err: unknown) => {
    assert.ok(err instanceof UsageError);
    assert.match(err.message, /^golden file cut\.json: not valid JSON/);
    return true;
  });
  const obj = JSON.parse(text);
  obj.steps[3].x = obj.steps[3].x.slice(1);
  assert.throws(
    () => parseGolden(JSON.stringify(obj), "short.json"),
    /steps\[3\]\.x' has 31 numbers, expected 32/,
  );
  const noNorm = { ...JSON.parse(text), norm: "ln" };
  assert.throws(
    () => parseGolden(JSON.stringify(noNorm)),
    /'norm' must be one of: un, pn, evonorm-b0, evonorm-s0, bcn, ws, crms, sigma-reparam/,
  );
  const badOption = { ...JSON.parse(text), options: { window: 0 } };
  await initBackend("cpu");
  await assert.rejects(
    () => replayGolden(parseGolden(JSON.stringify(badOption))),
    /option 'window' of norm 'un' must be an integer >= 1/,
  );
});
