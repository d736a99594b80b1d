// The fused LayerNorm kernel (one WGSL program / wasm SIMD function / cpu loop) is exact
// against LayerNorm written with tfjs ops, on every backend.
import assert from "node:assert/strict";
import * as tf from "../src/tf.ts";
import { initBackend } from "../src/backend/backend.ts";
import { FUSED_LAYER_NORM, fusedLayerNorm } from "../src/backend/fused_layer_norm.ts";
import { compositeLayerNorm } from "../src/inference/norm_ops.ts";
import { createNorm } from "../src/norms/registry.ts";
import { UsageError } from "../src/util/errors.ts";
import { countWebGpuDispatches } from "../src/backend/webgpu_util.ts";
import { hasWebGpu, relErr, REQUIRE_WEBGPU } from "./helpers.ts";

const gpu = await hasWebGpu();

/** Shapes: model widths, odd widths (SIMD tails), one row, rank 1 to 4, wide rows (WGSL 256). */
const SHAPES = [[2, 5, 64], [3, 768], [7, 13], [1, 1, 3], [1030], [2, 2, 3, 1030], [300, 384]];

for (const backend of ["wasm", "cpu", "webgpu"] as const) {
  Deno.test({
    name: `fused LayerNorm (${backend}): exact against composite ops (max rel err ≤ 1e-5)`,
    ignore: backend === "webgpu" && !gpu && !REQUIRE_WEBGPU,
  }, async () => {
    await initBackend(backend);
    const before = tf.memory().numTensors;
    for (const [i, shape] of SHAPES.entries()) {
      const c = shape[shape.length - 1];
      // off-centre, spread inputs: a one-pass E[x²] − μ² formula would lose digits here
      const x = tf.tidy(() => tf.add(tf.mul(tf.randomNormal(shape, 0, 1, "float32", i), 4), 3));
      const gamma = tf.randomUniform([c], 0.5, 1.5, "float32", 100 + i);
      const beta = tf.randomNormal([c], 0, 0.5, "float32", 200 + i);
      const fused = fusedLayerNorm(x, gamma, beta, 1e-5);
      const composite = compositeLayerNorm(x, gamma, beta, 1e-5);
      assert.deepEqual(fused.shape, shape);
      const err = await relErr(fused, composite);
      assert.ok(err <= 1e-5, `${backend} [${shape}]: rel err ${err}`);
      tf.dispose([x, gamma, beta, fused, composite]);
    }
    assert.equal(tf.memory().numTensors, before);
  });
}

Deno.test("fused LayerNorm: matches the zoo's LayerNorm and is one kernel", async () => {
  await initBackend("wasm");
  const ln = createNorm("ln", 48);
  ln.variables().weight.assign(tf.randomUniform([48], 0.5, 1.5, "float32", 1));
  ln.variables().bias.assign(tf.randomNormal([48], 0, 0.3, "float32", 2));
  const x = tf.randomNormal([4, 9, 48], 1, 2, "float32", 3);
  const fused = fusedLayerNorm(x, ln.variables().weight, ln.variables().bias, 1e-5);
  assert.ok((await relErr(fused, ln.apply(x))) <= 1e-5);
  const profile = await tf.profile(() =>
    fusedLayerNorm(x, ln.variables().weight, ln.variables().bias, 1e-5)
  );
  assert.deepEqual(profile.kernelNames, [FUSED_LAYER_NORM]);
});

Deno.test("fused LayerNorm: mismatched γ/β and non-float inputs are usage errors", async () => {
  await initBackend("cpu");
  const x = tf.ones([2, 4]);
  assert.throws(() => fusedLayerNorm(x, tf.ones([3]), tf.zeros([4]), 1e-5), UsageError);
  assert.throws(
    () => fusedLayerNorm(tf.ones([2, 4], "int32"), tf.ones([4]), tf.zeros([4]), 1e-5),
    /float32/,
  );
});

Deno.test({
  name: "fused LayerNorm (webgpu): one GPU dispatch where the composite ops record several",
  ignore: !gpu && !REQUIRE_WEBGPU,
}, async () => {
  await initBackend("webgpu");
  const x = tf.randomNormal([4, 9, 48], 1, 2, "float32", 3);
  const [gamma, beta] = [tf.ones([48]), tf.zeros([48])];
  await x.data();
  const dispatches = (f: () => tf.Tensor) =>
    countWebGpuDispatches(async () => {
      const y = f();
      await y.data();
      y.dispose();
    });
  assert.equal(await dispatches(() => fusedLayerNorm(x, gamma, beta, 1e-5)), 1);
  const composite = await dispatches(() => compositeLayerNorm(x, gamma, beta, 1e-5));
  assert.ok(composite !== null && composite >= 7, `composite: ${composite}`);
  tf.dispose([x, gamma, beta]);
});
