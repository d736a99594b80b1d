// columnSum (Σ over rows of [R, C]) on each backend's kernel — the SIMD one on wasm, the WGSL
// program on WebGPU, tf.sum on cpu — against a plain float64 sum, for shapes that exercise the
// edges: one row, fewer rows than the WebGPU program's 16 lanes, columns not a multiple of 4 or 16,
// a tall [4160, 64] (the small ViT's tokens at batch 64).
import assert from "node:assert/strict";
import * as tf from "../src/tf.ts";
import { initBackend } from "../src/backend/backend.ts";
import { columnSum } from "../src/backend/kernels.ts";
import { hasWebGpu, REQUIRE_WEBGPU } from "./helpers.ts";

const gpu = await hasWebGpu();

for (const backend of ["cpu", "wasm", "webgpu"] as const) {
  Deno.test({
    name: `columnSum (${backend}) equals the float64 sum over rows`,
    ignore: backend === "webgpu" && !gpu && !REQUIRE_WEBGPU,
  }, async () => {
    await initBackend(backend);
    const before = tf.memory().numTensors;
    for (const [rows, cols] of [[1, 5], [7, 33], [70, 33], [4160, 64], [3, 600]]) {
      const values = Float32Array.from({ length: rows * cols }, (_, i) => Math.sin(i * 0.37) * 3);
      const x = tf.tensor2d(values, [rows, cols]);
      const got = columnSum(x);
      assert.deepEqual(got.shape, [cols]);
      const out = await got.data();
      for (let c = 0; c < cols; c++) {
        let want = 0;
        for (let r = 0; r < rows; r++) want += values[r * cols + c];
        const tol = 1e-6 * rows * 3 + 1e-5;
        assert.ok(
          Math.abs(out[c] - want) <= tol,
          `[${rows}, ${cols}] col ${c}: ${out[c]} vs ${want}`,
        );
      }
      tf.dispose([x, got]);
    }
    assert.equal(tf.memory().numTensors, before);
  });
}
