// BatchNorm's written-out backward (one custom gradient instead of autodiff's ~40 ops a layer)
// against autodiff of the same formula: images, masked tokens, and on wasm and cpu.
import assert from "node:assert/strict";
import * as tf from "../src/tf.ts";
import { initBackend } from "../src/backend/backend.ts";
import { TokenBatchNorm } from "../src/norms/batch_norm.ts";
import { tokenMean } from "../src/norms/base.ts";

/** BatchNorm's training output written with plain ops (autodiff differentiates it). */
function reference(x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor, mask?: tf.Tensor) {
  const mean = tokenMean(x, mask);
  const variance = tokenMean(tf.square(tf.sub(x, mean)), mask);
  const z = tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, 1e-5)));
  return tf.add(tf.mul(z, gamma), beta);
}

async function close(a: tf.Tensor, b: tf.Tensor, what: string) {
  const [x, y] = [await a.data(), await b.data()];
  assert.deepEqual(a.shape, b.shape, what);
  for (let i = 0; i < x.length; i++) {
    assert.ok(
      Math.abs(x[i] - y[i]) <= 1e-4 + 1e-4 * Math.abs(y[i]),
      `${what}[${i}]: ${x[i]} vs ${y[i]}`,
    );
  }
}

const CASES = [
  { name: "images [B, H, W, C]", shape: [3, 4, 4, 5] },
  {
    name: "tokens with pad masks",
    shape: [3, 4, 5],
    mask: [[0, 0, 1, 1], [0, 0, 0, 1], [0, 0, 0, 0]],
  },
];

for (const backend of ["wasm", "cpu"] as const) {
  for (const c of CASES) {
    Deno.test(`BatchNorm backward (${backend}) equals autodiff of its formula: ${c.name}`, async () => {
      await initBackend(backend);
      const bn = new TokenBatchNorm(
        {
          weight: tf.variable(tf.tensor1d([1, 0.5, -2, 3, 1.5])),
          bias: tf.variable(tf.tensor1d([0, 1, -1, 2, 0.5])),
          runningMean: tf.variable(tf.zeros([5]), false),
          runningVar: tf.variable(tf.ones([5]), false),
        },
        1e-5,
        0.1,
      );
      try {
        const x = tf.add(tf.mul(tf.randomNormal(c.shape, 0, 1, "float32", 3), 2), 0.5);
        const dy = tf.randomNormal(c.shape, 0, 1, "float32", 4);
        const mask = c.mask ? tf.tensor2d(c.mask, undefined, "bool") : undefined;
        const loss = (f: (v: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => tf.Tensor) =>
          tf.grads((v: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(f(v, g, b), dy)));
        const ours = loss((v) => bn.train(v, mask, false))([x, bn.weight, bn.bias]);
        const theirs = loss((v, g, b) => reference(v, g, b, mask))([x, bn.weight, bn.bias]);
        for (const [i, what] of ["dx", "dγ", "dβ"].entries()) await close(ours[i], theirs[i], what);
        await close(
          bn.train(x, mask, false),
          reference(x, bn.weight, bn.bias, mask),
          "y",
        );
      } finally {
        tf.dispose([bn.weight, bn.bias, bn.runningMean, bn.runningVar]);
      }
    });
  }
}
