// The optimizer's WebGPU kernels (packing by buffer copies, the update in three programs) against
// its composite ops on the same adapter: parameters and moments after three updates, for adam and
// adamw, decay on every parameter or on matrices only (the mask), and a parameter without a
// gradient.
import assert from "node:assert/strict";
import * as tf from "../src/tf.ts";
import { initBackend } from "../src/backend/backend.ts";
import { adamKernelsActive, setAdamKernels } from "../src/backend/adam_kernels.ts";
import { countWebGpuDispatches } from "../src/backend/webgpu_util.ts";
import { Adam, type OptimizerConfig } from "../src/train/optimizer.ts";
import { assertClose, hasWebGpu, REQUIRE_WEBGPU } from "./helpers.ts";

const gpu = await hasWebGpu();

Deno.test("adamKernelsActive: off on cpu and wasm (composite ops there)", async () => {
  for (const b of ["cpu", "wasm"] as const) {
    await initBackend(b);
    assert.equal(adamKernelsActive(), false, b);
  }
});

const SHAPES: Record<string, number[]> = { a: [3, 5], b: [5], c: [2, 2, 3], d: [7], e: [4, 1] };

const CONFIGS: OptimizerConfig[] = [
  { kind: "adamw", lr: 0.05, weightDecay: 0.1, decayOn: "matrices" },
  { kind: "adamw", lr: 0.05, weightDecay: 0.1, decayOn: "all", beta2: 0.98 },
  { kind: "adam", lr: 0.02, weightDecay: 0.01, decayOn: "matrices", eps: 1e-6 },
  { kind: "adam", lr: 0.02 },
];

for (const config of CONFIGS) {
  Deno.test({
    name: `Adam kernels (webgpu) equal the composite ops: ${JSON.stringify(config)}`,
    ignore: !gpu && !REQUIRE_WEBGPU,
  }, async () => {
    await initBackend("webgpu");
    assert.ok(adamKernelsActive());
    const run = async (on: boolean) => {
      const before = setAdamKernels(on);
      try {
        const params = Object.fromEntries(
          Object.entries(SHAPES).map(([n, s], i) => [
            n,
            tf.variable(tf.randomNormal(s, 0, 1, "float32", i + 1)),
          ]),
        );
        const opt = new Adam(params, config);
        for (let step = 0; step < 3; step++) {
          const grads: Record<string, tf.Tensor | undefined> = {};
          for (const [n, s] of Object.entries(SHAPES)) {
            // "d" has no gradient at the second step (an unused parameter contributes zeros)
            if (n === "d" && step === 1) continue;
            grads[n] = tf.randomNormal(s, 0, 1, "float32", 100 * step + n.charCodeAt(0));
          }
          const flat = opt.flatten(grads);
          opt.apply(flat, config.lr * (1 - step / 4));
          tf.dispose([flat, ...Object.values(grads).filter((g) => g !== undefined)]);
        }
        const state = await opt.state();
        const values = Object.fromEntries(Object.entries(params).map(([n, p]) => [n, tf.clone(p)]));
        opt.dispose();
        tf.dispose(Object.values(params));
        return { values, m: tf.tensor1d(state.m), v: tf.tensor1d(state.v) };
      } finally {
        setAdamKernels(before);
      }
    };
    const composite = await run(false);
    const kernels = await run(true);
    const tol = { abs: 1e-6, rel: 1e-5 };
    for (const n of Object.keys(SHAPES)) {
      await assertClose(kernels.values[n], composite.values[n], `param ${n}`, tol);
    }
    await assertClose(kernels.m, composite.m, "m", tol);
    await assertClose(kernels.v, composite.v, "v", tol);
    tf.dispose([...Object.values(kernels.values), ...Object.values(composite.values)]);
    tf.dispose([kernels.m, kernels.v, composite.m, composite.v]);
  });
}

Deno.test({
  name: "Adam kernels (webgpu): one update records 3 programs (packing and unpacking are copies)",
  ignore: !gpu && !REQUIRE_WEBGPU,
}, async () => {
  await initBackend("webgpu");
  const params = Object.fromEntries(
    Object.entries(SHAPES).map(([n, s]) => [n, tf.variable(tf.ones(s))]),
  );
  const grads = Object.fromEntries(Object.entries(SHAPES).map(([n, s]) => [n, tf.ones(s)]));
  const opt = new Adam(params, CONFIGS[0]);
  const count = (on: boolean) => {
    setAdamKernels(on);
    return countWebGpuDispatches(async () => {
      const flat = opt.flatten(grads);
      opt.apply(flat, 0.01);
      flat.dispose();
      await params.a.data();
    });
  };
  try {
    const [withKernels, without] = [await count(true), await count(false)];
    assert.equal(withKernels, 3);
    assert.ok(without !== null && without >= 3 + Object.keys(SHAPES).length, `${without}`);
  } finally {
    setAdamKernels(true);
    opt.dispose();
    tf.dispose([...Object.values(params), ...Object.values(grads)]);
  }
});
