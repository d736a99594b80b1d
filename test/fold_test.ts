import assert from "node:assert/strict";
import * as tf from "../src/tf.ts";
import { initBackend } from "../src/backend/backend.ts";
import { applyFolded, foldNorm } from "../src/norms/fold.ts";
import { createNorm, normEntry } from "../src/norms/registry.ts";
import type { Norm } from "../src/norms/types.ts";
import { hasWebGpu, relErr, REQUIRE_WEBGPU } from "./helpers.ts";

const gpu = await hasWebGpu();

const FOLDABLE = [
  "un",
  "bn",
  "repbn",
  "pn",
  "ln",
  "rms",
  "crms",
  "dyt",
  "gn",
  "evonorm-b0",
  "evonorm-s0",
  "bcn",
];
const OPTIONS: Record<string, Record<string, number | boolean>> = {
  un: { window: 2, warmup: 2, outlierFiltration: true },
  pn: { warmup: 2, groups: 4 },
  repbn: { decaySteps: 3 },
};

/** Moves running statistics and parameters away from their initial values. */
function train(norm: Norm, steps: number): void {
  for (let i = 0; i < steps; i++) {
    tf.tidy(() => {
      const x = tf.randomNormal([4, 6, norm.channels], 0.7, 3, "float32", i + 1);
      tf.grad((v: tf.Tensor) => tf.sum(tf.square(norm.apply(v, { training: true }))))(x);
    });
  }
  for (const v of norm.trainableVariables()) {
    v.assign(tf.add(v, tf.randomUniform(v.shape, -0.5, 0.5, "float32", 42)));
  }
}

for (const backend of ["wasm", "cpu", "webgpu"] as const) {
  Deno.test({
    name: `fold (${backend}): folded and unfolded inference agree for every foldable norm`,
    ignore: backend === "webgpu" && !gpu && !REQUIRE_WEBGPU,
  }, async () => {
    await initBackend(backend);
    for (const name of FOLDABLE) {
      const norm = createNorm(name, 16, OPTIONS[name] ?? {});
      train(norm, 5);
      const kernel = tf.randomNormal([16, 24], 0, 0.3, "float32", 7) as tf.Tensor2D;
      const bias = tf.randomNormal([24], 0, 0.3, "float32", 8) as tf.Tensor1D;
      const x = tf.randomNormal([3, 10, 16], 0.2, 2, "float32", 9);
      const reference = tf.add(
        tf.reshape(tf.matMul(tf.reshape(norm.apply(x), [-1, 16]) as tf.Tensor2D, kernel), [
          3,
          10,
          24,
        ]),
        bias,
      );
      const folded = foldNorm(norm, { kernel, bias });
      const err = await relErr(applyFolded(folded, x), reference);
      assert.ok(err <= 1e-5, `${name} on ${backend}: max rel err ${err}`);
      // what remains after folding is exactly what the registry says cannot fold
      const full = normEntry(name).folds === "full";
      assert.equal(folded.statistic === null, full, name);
      norm.dispose();
    }
  });
}

Deno.test("fold: a fully folded norm costs nothing at inference (the fold is the norm)", async () => {
  await initBackend("wasm");
  const un = createNorm("un", 4);
  train(un, 3);
  const folded = foldNorm(un, { kernel: tf.eye(4) as tf.Tensor2D });
  const x = tf.randomNormal([5, 4]);
  // with an identity linear layer the folded weights reproduce the norm itself
  assert.ok(await relErr(applyFolded(folded, x), un.apply(x)) < 1e-6);
  assert.equal(folded.statistic, null);
});

Deno.test("fold: none and shape mismatches are refused with the reason", () => {
  const kernel = tf.zeros([8, 2]) as tf.Tensor2D;
  assert.throws(
    () => foldNorm(createNorm("none", 8), { kernel }),
    /norm 'none' has nothing to fold/,
  );
  assert.throws(
    () => foldNorm(createNorm("un", 4), { kernel }),
    /cannot fold a 4-channel norm into a linear layer with 8 inputs/,
  );
});
