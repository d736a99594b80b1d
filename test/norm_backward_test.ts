// The written-out backwards of BatchNorm, the group standardisation (GroupNorm) and Weight
// Standardization — one
// custom gradient instead of autodiff's ~30–40 ops a layer — against autodiff of the same
// formulas: images, masked tokens, on wasm and cpu.
import assert from "node:assert/strict";
import * as tf from "../src/tf.ts";
import { initBackend } from "../src/backend/backend.ts";
import { TokenBatchNorm } from "../src/norms/batch_norm.ts";
import { tokenMean } from "../src/norms/base.ts";
import { groupStandardize } from "../src/norms/group_norm.ts";
import { groupMoments } from "../src/norms/sample_stats.ts";
import { standardizeWeight } from "../src/norms/weight_standardization.ts";

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

/** The group standardisation written with plain ops (autodiff differentiates it). */
function groupReference(x: tf.Tensor, groups: number, mask?: tf.Tensor) {
  const { grouped, mean, variance } = groupMoments(x, groups, mask);
  return tf.reshape(tf.mul(tf.sub(grouped, mean), tf.rsqrt(tf.add(variance, 1e-5))), x.shape);
}

for (const backend of ["wasm", "cpu"] as const) {
  for (const c of CASES) {
    for (const groups of [1, 5]) {
      Deno.test(`group standardisation backward (${backend}, G = ${groups}) equals autodiff: ${c.name}`, async () => {
        await initBackend(backend);
        const x = tf.add(tf.mul(tf.randomNormal(c.shape, 0, 1, "float32", 5), 2), 0.5);
        const dy = tf.randomNormal(c.shape, 0, 1, "float32", 6);
        const mask = c.mask ? tf.tensor2d(c.mask, undefined, "bool") : undefined;
        const grad = (f: (v: tf.Tensor) => tf.Tensor) =>
          tf.grad((v: tf.Tensor) => tf.sum(tf.mul(f(v), dy)))(x);
        await close(
          grad((v) => groupStandardize(v, groups, 1e-5, mask)),
          grad((v) => groupReference(v, groups, mask)),
          "dx",
        );
        await close(groupStandardize(x, groups, 1e-5, mask), groupReference(x, groups, mask), "z");
        tf.dispose([x, dy, mask]);
      });
    }
  }
}

/** Weight Standardization written with plain ops: per output channel, unbiased variance. */
function weightReference(kernel: tf.Tensor) {
  const flat = tf.reshape(kernel, [-1, kernel.shape[kernel.rank - 1]]);
  const centred = tf.sub(flat, tf.mean(flat, 0, true));
  const variance = tf.div(tf.sum(tf.square(centred), 0, true), flat.shape[0] - 1);
  return tf.reshape(tf.mul(centred, tf.rsqrt(tf.add(variance, 1e-5))), kernel.shape);
}

for (const backend of ["wasm", "cpu"] as const) {
  for (const shape of [[3, 3, 4, 5], [1, 1, 6, 3], [7, 2]]) {
    Deno.test(`weight standardization backward (${backend}) equals autodiff: kernel [${shape}]`, async () => {
      await initBackend(backend);
      const kernel = tf.add(tf.mul(tf.randomNormal(shape, 0, 1, "float32", 7), 0.3), 0.1);
      const dy = tf.randomNormal(shape, 0, 1, "float32", 8);
      const grad = (f: (v: tf.Tensor) => tf.Tensor) =>
        tf.grad((v: tf.Tensor) => tf.sum(tf.mul(f(v), dy)))(kernel);
      await close(grad((v) => standardizeWeight(v)), grad(weightReference), "dw");
      await close(standardizeWeight(kernel), weightReference(kernel), "ŵ");
      tf.dispose([kernel, dy]);
    });
  }
}
