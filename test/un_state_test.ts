// UN's state kernels (wasm, cpu, webgpu) against UN's composite ops, step by step through warm-up,
// compensation, outlier skips, a backward window of its own, W = 1 and pad masks: outputs,
// gradients and every state variable agree.
import assert from "node:assert/strict";
import * as tf from "../src/tf.ts";
import { initBackend } from "../src/backend/backend.ts";
import { setUNStateKernels, unStateKernelsActive } from "../src/backend/un_state.ts";
import { createNorm } from "../src/norms/registry.ts";
import type { UnifiedNorm } from "../src/norms/unified_norm.ts";
import { assertClose, hasWebGpu, REQUIRE_WEBGPU } from "./helpers.ts";

const gpu = await hasWebGpu();

const STATE = ["runningVar", "bufX2", "bufGz", "emaGz", "iters", "skipCount"] as const;

const close = (a: tf.Tensor, b: tf.Tensor, what: string) =>
  assertClose(a, b, what, { abs: 2e-5, rel: 2e-4 });

/** One training step of `norm`: output, dx, dγ, dβ for a fixed upstream gradient. */
function step(norm: UnifiedNorm, x: tf.Tensor, dy: tf.Tensor, mask?: tf.Tensor) {
  let y: tf.Tensor | undefined;
  // γ and β enter as the layer's own variables; the extra arguments only ask for their gradients
  const grads = tf.grads((v: tf.Tensor, _g: tf.Tensor, _b: tf.Tensor) => {
    const out = norm.apply(v, { training: true, mask });
    y = tf.keep(out);
    return tf.sum(tf.mul(out, dy));
  })([x, norm.weight, norm.bias]);
  return { y: y!, dx: grads[0], dGamma: grads[1], dBeta: grads[2] };
}

const CASES: { name: string; options: Record<string, number | boolean>; masked?: boolean }[] = [
  {
    name: "warm-up, then the window and compensation",
    options: { warmup: 3, compensationStart: 2 },
  },
  {
    name: "outlier filtration with planted outliers",
    options: { warmup: 2, compensationStart: 1, outlierFiltration: true },
  },
  { name: "a backward window of its own", options: { warmup: 2, windowBackward: 2 } },
  { name: "W = 1 (every step a skip step)", options: { window: 1, warmup: 2 } },
  { name: "pad masks", options: { warmup: 2, compensationStart: 1 }, masked: true },
];

for (const backend of ["cpu", "wasm", "webgpu"] as const) {
  for (const c of CASES) {
    Deno.test({
      name: `UN state kernels (${backend}) equal the composite ops: ${c.name}`,
      ignore: backend === "webgpu" && !gpu && !REQUIRE_WEBGPU,
    }, async () => {
      await initBackend(backend);
      assert.ok(unStateKernelsActive());
      const channels = 6;
      const composite = createNorm("un", channels, c.options) as UnifiedNorm;
      const fused = createNorm("un", channels, c.options) as UnifiedNorm;
      try {
        for (let t = 0; t < 12; t++) {
          // steps 6 and 9 are 30× louder: outliers for the filtration case
          const scale = t === 6 || t === 9 ? 30 : 1 + 0.1 * t;
          const x = tf.mul(tf.randomNormal([3, 4, channels], 0.2, 1, "float32", 10 + t), scale);
          const dy = tf.randomNormal([3, 4, channels], 0, 1, "float32", 100 + t);
          const mask = c.masked
            ? tf.tensor2d([[0, 0, 0, 1], [0, 0, 1, 1], [0, 0, 0, 0]], [3, 4], "bool")
            : undefined;
          setUNStateKernels(false);
          const a = step(composite, x, dy, mask);
          setUNStateKernels(true);
          const b = step(fused, x, dy, mask);
          for (const k of ["y", "dx", "dGamma", "dBeta"] as const) {
            await close(b[k], a[k], `step ${t + 1} ${k}`);
          }
          for (const k of STATE) await close(fused[k], composite[k], `step ${t + 1} ${k}`);
          tf.dispose([x, dy, mask, ...Object.values(a), ...Object.values(b)]);
        }
        if (c.options.outlierFiltration) {
          assert.ok((await composite.skipCount.data())[0] > 0, "the planted outliers were skipped");
        }
      } finally {
        setUNStateKernels(true);
        composite.dispose();
        fused.dispose();
      }
    });
  }
}
