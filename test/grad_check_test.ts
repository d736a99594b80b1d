// Gradient checks: for the norms, tfjs gradients — autodiff or a written-out backward (BatchNorm,
// GroupNorm/BCN's group step, EvoNorm, Weight Standardization; each also held to autodiff of its
// formula in norm_backward_test.ts) — agree with central finite differences along random
// directions. UN and PN's custom backwards are checked by the golden vectors (golden_test.ts);
// UN's also here, in warm-up, where it must be exact. So is the σReparam dense layer's
// hand-written backward.
import assert from "node:assert/strict";
import * as tf from "../src/tf.ts";
import { initBackend } from "../src/backend/backend.ts";
import { createNorm } from "../src/norms/registry.ts";
import { standardizeWeight } from "../src/norms/weight_standardization.ts";
import type { Norm, NormCallOptions } from "../src/norms/types.ts";
import { Dense } from "../src/nn/dense.ts";
import { Scope } from "../src/nn/scope.ts";

await initBackend("cpu");

const SHAPE = [3, 5, 8];

/** What the check differentiates: a norm, or any layer that answers like one. */
type Checked = Pick<Norm, "name" | "apply" | "trainableVariables" | "variables">;

/**
 * Compares the analytic directional derivative of L = sum(norm(x)·dy) along a random direction
 * of each input (x and every trainable variable) with a central difference.
 */
async function checkGradients(
  norm: Checked,
  training: boolean,
  seed: number,
  only?: string[],
  shape = SHAPE,
): Promise<void> {
  const x = tf.variable(tf.randomNormal(shape, 0.3, 1.5, "float32", seed));
  const outShape = tf.tidy(() => norm.apply(x, { training, commit: false }).shape);
  const dy = tf.randomNormal(outShape, 0, 1, "float32", seed + 1);
  const loss = () =>
    tf.tidy(() => tf.sum(tf.mul(norm.apply(x, { training, commit: false }), dy)) as tf.Scalar);
  const params = [x, ...norm.trainableVariables()];
  const { grads } = tf.variableGrads(loss, params);
  const names = [
    "x",
    ...Object.entries(norm.variables()).filter(([, v]) => v.trainable).map(([k]) => k),
  ];
  for (const [i, p] of params.entries()) {
    if (only && !only.includes(names[i])) continue;
    const dir = tf.randomNormal(p.shape, 0, 1, "float32", seed + 10 + i);
    // a variable the output does not depend on has no gradient: its derivative must be 0
    const g = grads[p.name];
    const analytic = g ? (await tf.sum(tf.mul(g, dir)).data())[0] : 0;
    const h = 2e-3;
    const original = tf.clone(p);
    p.assign(tf.add(original, tf.mul(dir, h)));
    const plus = (await loss().data())[0];
    p.assign(tf.sub(original, tf.mul(dir, h)));
    const minus = (await loss().data())[0];
    p.assign(original);
    const numeric = (plus - minus) / (2 * h);
    const scale = Math.max(Math.abs(analytic), Math.abs(numeric), 1e-2);
    assert.ok(
      Math.abs(analytic - numeric) / scale < 2e-2,
      `${norm.name} (${training ? "training" : "inference"}) d/d${
        names[i]
      }: autodiff ${analytic}, finite difference ${numeric}`,
    );
  }
}

function warm(norm: Norm, steps: number): void {
  for (let i = 0; i < steps; i++) {
    tf.tidy(() => {
      const x = tf.randomNormal(SHAPE, 0.5, 2, "float32", 50 + i);
      tf.grad((v: tf.Tensor) => tf.sum(tf.mul(norm.apply(v, { training: true }), v)))(x);
    });
  }
}

function randomizeAffine(norm: Norm, seed: number): void {
  for (const [k, v] of Object.entries(norm.variables())) {
    if (v.trainable) {
      v.assign(tf.add(v, tf.randomUniform(v.shape, -0.3, 0.3, "float32", seed + k.length)));
    }
  }
}

for (const name of ["ln", "rms", "crms", "bn", "dyt", "repbn", "none"]) {
  Deno.test(`gradient check: ${name} in training mode matches finite differences`, async () => {
    const norm = createNorm(name, 8, name === "repbn" ? { decaySteps: 4 } : {});
    if (name === "repbn") warm(norm, 2); // λ = 0.5: both branches and η get gradients
    randomizeAffine(norm, 3);
    await checkGradients(norm, true, 100);
  });
}

/** The seed papers' norms, with groups that leave more than one channel per group. */
const SEED_OPTIONS: Record<string, Record<string, number>> = {
  gn: { groups: 2 },
  "evonorm-s0": { groups: 4 },
  "evonorm-b0": {},
  bcn: { groups: 2 },
};

for (const [name, options] of Object.entries(SEED_OPTIONS)) {
  for (const shape of [SHAPE, [2, 3, 3, 8], [1, 4, 4, 8]]) {
    Deno.test(`gradient check: ${name} on [${shape}] in training mode matches finite differences`, async () => {
      const norm = createNorm(name, 8, options);
      warm(norm, 2);
      randomizeAffine(norm, 6);
      await checkGradients(norm, true, 400, undefined, shape);
      norm.dispose();
    });
  }
}

Deno.test("gradient check: weight standardization passes gradients to the raw kernel", async () => {
  const kernel = tf.variable(tf.randomNormal([3, 3, 4, 5], 0.1, 0.5, "float32", 7));
  const dy = tf.randomNormal([3, 3, 4, 5], 0, 1, "float32", 8);
  const loss = () => tf.tidy(() => tf.sum(tf.mul(standardizeWeight(kernel), dy)) as tf.Scalar);
  const { grads } = tf.variableGrads(loss, [kernel]);
  const dir = tf.randomNormal(kernel.shape, 0, 1, "float32", 9);
  const analytic = (await tf.sum(tf.mul(grads[kernel.name], dir)).data())[0];
  const h = 2e-3;
  const original = tf.clone(kernel);
  kernel.assign(tf.add(original, tf.mul(dir, h)));
  const plus = (await loss().data())[0];
  kernel.assign(tf.sub(original, tf.mul(dir, h)));
  const minus = (await loss().data())[0];
  const numeric = (plus - minus) / (2 * h);
  assert.ok(Math.abs(analytic - numeric) / Math.max(Math.abs(numeric), 1e-2) < 2e-2);
});

for (const name of ["un", "pn", "bn", "repbn", "evonorm-b0", "bcn"]) {
  Deno.test(`gradient check: ${name} in inference mode matches finite differences`, async () => {
    const norm = createNorm(
      name,
      8,
      { un: { warmup: 2 }, pn: { warmup: 2, groups: 2 }, bcn: { groups: 2 } }[name] ?? {},
    );
    warm(norm, 3);
    randomizeAffine(norm, 4);
    await checkGradients(norm, false, 200);
  });
}

Deno.test("gradient check: un's dγ and dβ are exact during warm-up; its dx is not", async () => {
  // The spec calls warm-up UN an exact batch-RMS norm. Its forward is (norms_test.ts), and so
  // are dγ, dβ; but the authors' backward uses the running Ψ (momentum 0.9) in place of the
  // batch's mean(Ĝ·z) from step 1 on — the golden vectors record exactly that — so dx is not
  // the exact gradient. Where the spec and the vectors disagree, the vectors win.
  const un = createNorm("un", 8, { warmup: 100, window: 4 });
  warm(un, 6);
  randomizeAffine(un, 5);
  await checkGradients(un, true, 300, ["weight", "bias"]);
  await assert.rejects(() => checkGradients(un, true, 300, ["x"]), /un \(training\) d\/dx/);
});

/**
 * A dense layer with σReparam seen as a norm-like layer for {@linkcode checkGradients}: every
 * call starts from the same u and σ (what `commit: false` means for a norm), so the finite
 * differences see one function.
 */
function sigmaReparamDense(seed: number): Checked & { dense: Dense } {
  const dense = new Dense(new Scope({ seed }).child("fc"), 8, 6, { sigmaReparam: true });
  const sr = dense.sigmaReparam!;
  const saved = { u: tf.clone(sr.u), sigma: tf.clone(sr.sigma) };
  const variables = () => ({ kernel: dense.kernel, bias: dense.bias!, ...sr.variables() });
  return {
    dense,
    name: "dense+sigmaReparam",
    apply: (x: tf.Tensor, options: NormCallOptions = {}) => {
      sr.u.assign(saved.u);
      sr.sigma.assign(saved.sigma);
      return dense.apply(x, { training: options.training ?? false });
    },
    trainableVariables: () => Object.values(variables()).filter((v) => v.trainable),
    variables,
  };
}

Deno.test("gradient check: the σReparam dense layer matches finite differences (kernel, γ, bias, x)", async () => {
  // training: one power iteration from u = W's top right singular vector, where σ = vᵀWu is
  // stationary in u and v — so the gradient without u and v is the full derivative of σ(W)
  const layer = sigmaReparamDense(11);
  await checkGradients(layer, true, 500);
  // γ moved away from σ(W₀), and the kernel's gradient reaches it through σ
  const sr = layer.dense.sigmaReparam!;
  sr.gamma.assign(tf.mul(sr.gamma, 1.7));
  await checkGradients(layer, true, 510);
  // inference divides by the stored σ: the gradient reaches the kernel and γ, not σ
  layer.dense.kernel.assign(
    tf.mul(layer.dense.kernel, tf.randomUniform([8, 6], 0.5, 1.5, "float32", 3)),
  );
  await checkGradients(layer, false, 520);
});
