// LayerNorm's training kernels (WebGPU) against its composite ops on the same adapter: output,
// dx, dγ, dβ for shapes that exercise each program's edges (rows shorter and longer than a
// workgroup, columns not a multiple of 16, more rows than the column sums' 16 row lanes).
import assert from "node:assert/strict";
import * as tf from "../src/tf.ts";
import { initBackend } from "../src/backend/backend.ts";
import {
  layerNormTrainKernelsActive,
  setLayerNormTrainKernels,
} from "../src/backend/layer_norm_train.ts";
import { createNorm } from "../src/norms/registry.ts";
import { assertClose, hasWebGpu, REQUIRE_WEBGPU } from "./helpers.ts";

const gpu = await hasWebGpu();

const close = (a: tf.Tensor, b: tf.Tensor, what: string) =>
  assertClose(a, b, what, { abs: 1e-5, rel: 1e-4 });

Deno.test("layerNormTrainKernelsActive: off on cpu and wasm (composite ops there)", async () => {
  for (const b of ["cpu", "wasm"] as const) {
    await initBackend(b);
    assert.equal(layerNormTrainKernelsActive(), false, b);
  }
});

for (const shape of [[3, 5, 8], [2, 600], [70, 33]]) {
  Deno.test({
    name: `LayerNorm training kernels (webgpu) equal the composite ops: [${shape}]`,
    ignore: !gpu && !REQUIRE_WEBGPU,
  }, async () => {
    await initBackend("webgpu");
    assert.ok(layerNormTrainKernelsActive());
    const c = shape[shape.length - 1];
    const ln = createNorm("ln", c, { eps: 1e-5 });
    // γ, β away from their init so that a swapped or dropped term shows
    ln.variables().weight.assign(tf.randomNormal([c], 1, 0.3, "float32", 3));
    ln.variables().bias.assign(tf.randomNormal([c], 0, 0.3, "float32", 4));
    const x = tf.add(tf.mul(tf.randomNormal(shape, 0, 1, "float32", 1), 2), 0.5);
    const dy = tf.randomNormal(shape, 0, 1, "float32", 2);
    const run = () => {
      let y: tf.Tensor | undefined;
      const [dx, dGamma, dBeta] = tf.grads((v: tf.Tensor, _g: tf.Tensor, _b: tf.Tensor) => {
        const out = ln.apply(v, { training: true });
        y = tf.keep(out);
        return tf.sum(tf.mul(out, dy));
      })([x, ln.variables().weight, ln.variables().bias]);
      return { y: y!, dx, dGamma, dBeta };
    };
    try {
      const before = setLayerNormTrainKernels(false);
      const composite = run();
      setLayerNormTrainKernels(before);
      const kernels = run();
      for (const k of ["y", "dx", "dGamma", "dBeta"] as const) {
        await close(kernels[k], composite[k], k);
      }
      // and they are fewer: 5 programs where the composite ops record ~20
      const count = async (on: boolean) => {
        setLayerNormTrainKernels(on);
        const p = await tf.profile(() => tf.dispose(Object.values(run())));
        return p.kernels.length;
      };
      const [withKernels, without] = [await count(true), await count(false)];
      assert.ok(withKernels < without - 10, `${withKernels} vs ${without} kernels`);
    } finally {
      setLayerNormTrainKernels(true);
      ln.dispose();
    }
  });
}
