// Attention's WebGPU kernels (probabilities; scores' gradient) against the composite ops of
// attentionCore on the same adapter: output and dq, dk, dv for shapes at each program's edges —
// rows shorter and longer than a workgroup, 197 keys (not a multiple of anything), cross
// attention (M ≠ N), rank 3 and 4, padding and causal masks of several broadcast shapes, and a
// dropout keep-mask.
import assert from "node:assert/strict";
import * as tf from "../src/tf.ts";
import { initBackend } from "../src/backend/backend.ts";
import { attentionKernelsFit, setAttentionKernels } from "../src/backend/attention_kernels.ts";
import { attentionCore } from "../src/nn/attention_core.ts";
import { attentionBias } from "../src/nn/masks.ts";
import { countWebGpuDispatches } from "../src/backend/webgpu_util.ts";
import { assertClose, hasWebGpu, REQUIRE_WEBGPU } from "./helpers.ts";

const gpu = await hasWebGpu();

const close = (a: tf.Tensor, b: tf.Tensor, what: string) =>
  assertClose(a, b, what, { abs: 1e-5, rel: 1e-4 });

Deno.test("attentionKernelsFit: off on cpu and wasm (composite ops there)", async () => {
  for (const b of ["cpu", "wasm"] as const) {
    await initBackend(b);
    const q = tf.zeros([2, 3, 5, 4]);
    assert.equal(attentionKernelsFit(q, q, null), false, b);
    q.dispose();
  }
});

interface Case {
  name: string;
  q: number[];
  m: number;
  bias?: (b: number, n: number, m: number) => tf.Tensor;
  drop?: boolean;
}

const CASES: Case[] = [
  { name: "heads × batch, no mask", q: [2, 3, 5, 8], m: 5 },
  {
    name: "padding mask [1, B, 1, M]",
    q: [4, 2, 17, 16],
    m: 17,
    bias: (b, _n, m) =>
      attentionBias({
        padMask: tf.tensor2d(Array.from({ length: b * m }, (_, i) => (i % m < m - 3 ? 1 : 0)), [
          b,
          m,
        ]),
      })!,
  },
  {
    name: "causal and padding [1, B, N, N], 70 rows of 70",
    q: [2, 2, 70, 8],
    m: 70,
    bias: (b, n) =>
      attentionBias({
        padMask: tf.tensor2d(Array.from({ length: b * n }, (_, i) => (i % n < n - 9 ? 1 : 0)), [
          b,
          n,
        ]),
        causal: true,
      })!,
  },
  { name: "197 keys (T2T-ViT-14's tokens), rank 3", q: [3, 197, 16], m: 197 },
  {
    name: "cross attention, 300 keys, bias [N, M]",
    q: [2, 1, 7, 8],
    m: 300,
    bias: (_b, n, m) => tf.mul(tf.randomUniform([n, m], 0, 1, "float32", 9), -3),
  },
  { name: "dropout keep-mask", q: [2, 2, 9, 8], m: 9, drop: true },
];

for (const c of CASES) {
  Deno.test({
    name: `attention kernels (webgpu) equal the composite ops: ${c.name}`,
    ignore: !gpu && !REQUIRE_WEBGPU,
  }, async () => {
    await initBackend("webgpu");
    const [n, dh] = c.q.slice(-2);
    const kvShape = [...c.q.slice(0, -2), c.m, dh];
    const batch = c.q.length === 4 ? c.q[1] : c.q[0];
    const q = tf.mul(tf.randomNormal(c.q, 0, 1, "float32", 1), 1.5);
    const k = tf.randomNormal(kvShape, 0, 1, "float32", 2);
    const v = tf.randomNormal(kvShape, 0, 1, "float32", 3);
    const dy = tf.randomNormal(c.q, 0, 1, "float32", 4);
    const bias = c.bias ? c.bias(batch, n, c.m) : null;
    const scoreShape = [...c.q.slice(0, -1), c.m];
    const dropMask = c.drop
      ? tf.mul(
        tf.cast(tf.greater(tf.randomUniform(scoreShape, 0, 1, "float32", 5), 0.2), "float32"),
        1.25,
      )
      : null;
    assert.ok(attentionKernelsFit(q, k, bias), "the case runs on the kernels");
    const run = () => {
      let y: tf.Tensor | undefined;
      const [dq, dk, dv] = tf.grads((a: tf.Tensor, b: tf.Tensor, w: tf.Tensor) => {
        const out = attentionCore({ q: a, k: b, v: w, bias, dropMask });
        y = tf.keep(out);
        return tf.sum(tf.mul(out, dy));
      })([q, k, v]);
      return { y: y!, dq, dk, dv };
    };
    try {
      const before = setAttentionKernels(false);
      const composite = run();
      setAttentionKernels(before);
      const kernels = run();
      for (const key of ["y", "dq", "dk", "dv"] as const) {
        await close(kernels[key], composite[key], key);
      }
      // and fewer dispatches for the same step
      const count = (on: boolean) => {
        setAttentionKernels(on);
        return countWebGpuDispatches(async () => {
          const r = run();
          await r.dq.data();
          tf.dispose(Object.values(r));
        });
      };
      const [withKernels, without] = [await count(true), await count(false)];
      assert.ok(
        withKernels !== null && without !== null && withKernels <= without - 4,
        `${withKernels} vs ${without} dispatches`,
      );
    } finally {
      setAttentionKernels(true);
      tf.dispose([q, k, v, dy, ...(bias ? [bias] : []), ...(dropMask ? [dropMask] : [])]);
    }
  });
}
