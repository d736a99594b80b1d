// The written-out backwards of BatchNorm, the group standardisation (GroupNorm), Weight
// Standardization, EvoNorm-S0/B0, RMSNorm and PowerNorm's group scaling — one custom gradient
// instead of autodiff's ~30–90 ops a layer — against autodiff of the same formulas: images,
// masked tokens, on wasm and cpu.
import assert from "node:assert/strict";
import * as tf from "../src/tf.ts";
import { initBackend } from "../src/backend/backend.ts";
import { TokenBatchNorm } from "../src/norms/batch_norm.ts";
import { createNorm } from "../src/norms/registry.ts";
import type { Norm } from "../src/norms/types.ts";
import { tokenMean } from "../src/norms/base.ts";
import { groupStandardize } from "../src/norms/group_norm.ts";
import { groupMoments } from "../src/norms/sample_stats.ts";
import { groupScaling } from "../src/norms/power_norm.ts";
import { standardizeWeight } from "../src/norms/weight_standardization.ts";
import { assertClose } from "./helpers.ts";

/** BatchNorm's training output written with plain ops (autodiff differentiates it). */
function reference(x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor, mask?: tf.Tensor) {
  const mean = tokenMean(x, mask);
  const variance = tokenMean(tf.square(tf.sub(x, mean)), mask);
  const z = tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, 1e-5)));
  return tf.add(tf.mul(z, gamma), beta);
}

const close = (a: tf.Tensor, b: tf.Tensor, what: string) =>
  assertClose(a, b, what, { abs: 1e-4, rel: 1e-4 });

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

/** EvoNorm-S0 written with plain ops: x·σ(v·x) / sqrt(σ²_group + ε) · γ + β. */
function s0Reference(
  x: tf.Tensor,
  [v, gamma, beta]: tf.Tensor[],
  groups: number,
  mask?: tf.Tensor,
): tf.Tensor {
  const { grouped, variance } = groupMoments(x, groups, mask);
  const numerator = tf.reshape(tf.mul(x, tf.sigmoid(tf.mul(x, v))), grouped.shape);
  const statistic = tf.reshape(tf.div(numerator, tf.sqrt(tf.add(variance, 1e-5))), x.shape);
  return tf.add(tf.mul(statistic, gamma), beta);
}

/** EvoNorm-B0's two branches in training with plain ops: L = sqrt(σ²_batch + ε), R = v·x + S. */
function b0Branches(x: tf.Tensor, v: tf.Tensor, mask?: tf.Tensor) {
  const batchVariance = tokenMean(tf.square(tf.sub(x, tokenMean(x, mask))), mask);
  const { grouped, variance } = groupMoments(x, x.shape[x.rank - 1], mask);
  const instanceStd = tf.add(tf.zerosLike(grouped), tf.sqrt(tf.add(variance, 1e-3)));
  const right = tf.add(tf.mul(x, v), tf.reshape(instanceStd, x.shape));
  // broadcast before the max: tfjs's Maximum gradient does not reduce broadcast axes
  const left = tf.add(tf.zerosLike(right), tf.sqrt(tf.add(batchVariance, 1e-3)));
  return { left, right };
}

/** EvoNorm-B0 in training written with plain ops: x / max(L, R) · γ + β. */
function b0Reference(x: tf.Tensor, [v, gamma, beta]: tf.Tensor[], mask?: tf.Tensor): tf.Tensor {
  const { left, right } = b0Branches(x, v, mask);
  return tf.add(tf.mul(tf.div(x, tf.maximum(left, right)), gamma), beta);
}

const EVONORM_CASES = [
  { name: "images [B, H, W, C]", shape: [3, 4, 4, 6] },
  { name: "tokens [B, T, C]", shape: [3, 5, 6] },
  {
    name: "tokens with pad masks",
    shape: [3, 4, 6],
    mask: [[0, 0, 1, 1], [0, 0, 0, 1], [0, 0, 0, 0]],
  },
  {
    name: "tokens with a fully padded sample",
    shape: [3, 4, 6],
    mask: [[0, 0, 1, 1], [1, 1, 1, 1], [0, 1, 0, 0]],
  },
];

/**
 * Compares the full layer in training (v, γ, β set to `params`) with `reference` on `x`: the
 * output, and the gradients of L = Σ y·dy for x, v, γ and β; returns the reference's gradients.
 */
async function compareEvoNorm(
  norm: Norm,
  reference: (x: tf.Tensor, params: tf.Tensor[], mask?: tf.Tensor) => tf.Tensor,
  x: tf.Variable,
  params: number[][],
  mask?: tf.Tensor,
): Promise<tf.NamedTensorMap> {
  const { v, weight, bias } = norm.variables();
  for (const [i, p] of [v, weight, bias].entries()) p.assign(tf.tensor1d(params[i]));
  const dy = tf.randomNormal(x.shape, 0, 1, "float32", 10);
  const vars = [x, v, weight, bias];
  const loss = (f: () => tf.Tensor) => () => tf.sum(tf.mul(f(), dy)) as tf.Scalar;
  const ours = tf.variableGrads(
    loss(() => norm.apply(x, { training: true, mask, commit: false })),
    vars,
  );
  const theirs = tf.variableGrads(loss(() => reference(x, [v, weight, bias], mask)), vars);
  for (const [i, what] of ["dx", "dv", "dγ", "dβ"].entries()) {
    await close(ours.grads[vars[i].name], theirs.grads[vars[i].name], what);
  }
  await close(
    norm.apply(x, { training: true, mask, commit: false }),
    reference(x, [v, weight, bias], mask),
    "y",
  );
  return theirs.grads;
}

const EVO_PARAMS = [
  [1, 0.5, -0.8, 1.6, 0.2, 1.2], // v
  [1, 0.5, -2, 3, 1.5, -1], // γ
  [0, 1, -1, 2, 0.5, 0.3], // β
];

for (const backend of ["wasm", "cpu"] as const) {
  for (const c of EVONORM_CASES) {
    for (const groups of [1, 2, 6]) {
      Deno.test(`EvoNorm-S0 backward (${backend}, G = ${groups}) equals autodiff of its formula: ${c.name}`, async () => {
        await initBackend(backend);
        const norm = createNorm("evonorm-s0", 6, { groups });
        const x = tf.variable(
          tf.add(tf.mul(tf.randomNormal(c.shape, 0, 1, "float32", 11), 2), 0.5),
        );
        const mask = c.mask ? tf.tensor2d(c.mask, undefined, "bool") : undefined;
        try {
          await compareEvoNorm(
            norm,
            (v, params, m) => s0Reference(v, params, groups, m),
            x,
            EVO_PARAMS,
            mask,
          );
        } finally {
          tf.dispose([x, mask]);
          norm.dispose();
        }
      });
    }
    Deno.test(`EvoNorm-B0 backward (${backend}) equals autodiff of its formula: ${c.name}`, async () => {
      await initBackend(backend);
      const norm = createNorm("evonorm-b0", 6);
      const x = tf.variable(tf.add(tf.mul(tf.randomNormal(c.shape, 0, 1, "float32", 12), 2), 0.5));
      const mask = c.mask ? tf.tensor2d(c.mask, undefined, "bool") : undefined;
      try {
        // both branches of the max are taken: gradients reach the batch and the instance std
        const share = tf.tidy(() => {
          const { left, right } = b0Branches(x, tf.tensor1d(EVO_PARAMS[0]), mask);
          return tf.mean(tf.cast(tf.greaterEqual(left, right), "float32")).dataSync()[0];
        });
        assert.ok(share > 0.2 && share < 0.8, `L wins at ${share} of the positions`);
        await compareEvoNorm(norm, b0Reference, x, EVO_PARAMS, mask);
        assert.equal(norm.variables().runningVar.dataSync().join(), "1,1,1,1,1,1", "no commit");
      } finally {
        tf.dispose([x, mask]);
        norm.dispose();
      }
    });
  }
  Deno.test(`EvoNorm-B0 backward (${backend}) sends a tie of the max to the batch std, as autodiff`, async () => {
    await initBackend(backend);
    // every sample's channel takes c and c + 2 equally often, as the batch's: L = S exactly
    const x = tf.variable(
      tf.tensor3d(
        [0, 1].map((b) =>
          [0, 1, 2, 3].map((p) => [0, 1, 2, 3, 4, 5].map((c) => c + 2 * ((p + b) % 2)))
        ),
      ),
    );
    const norm = createNorm("evonorm-b0", 6);
    try {
      const params = [[0, 0, 0, 0, 0, 0], EVO_PARAMS[1], EVO_PARAMS[2]]; // v = 0: R = S
      const grads = await compareEvoNorm(norm, b0Reference, x, params);
      // autodiff sent every tie to L: nothing reached v through R
      assert.ok((await grads[norm.variables().v.name].data()).every((d) => d === 0));
    } finally {
      x.dispose();
      norm.dispose();
    }
  });
}

/** RMSNorm's output written with plain ops (autodiff differentiates it). */
function rmsReference(x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor | null) {
  const y = tf.mul(tf.mul(x, tf.rsqrt(tf.add(tf.mean(tf.square(x), -1, true), 1e-5))), gamma);
  return beta ? tf.add(y, beta) : y;
}

for (const backend of ["wasm", "cpu"] as const) {
  for (const bias of [false, true]) {
    for (const shape of [[3, 4, 5], [2, 70]]) {
      Deno.test(`RMSNorm backward (${backend}, bias ${bias}) equals autodiff of its formula: [${shape}]`, async () => {
        await initBackend(backend);
        const c = shape[shape.length - 1];
        const norm = createNorm("rms", c, { bias });
        const vars = norm.variables();
        vars.weight.assign(tf.randomNormal([c], 1, 0.3, "float32", 7));
        if (bias) vars.bias.assign(tf.randomNormal([c], 0, 0.3, "float32", 8));
        const x = tf.add(tf.randomNormal(shape, 0, 1.5, "float32", 9), 0.4);
        const dy = tf.randomNormal(shape, 0, 1, "float32", 10);
        const params = bias ? [vars.weight, vars.bias] : [vars.weight];
        const loss = (f: (v: tf.Tensor) => tf.Tensor) => (v: tf.Tensor, ..._p: tf.Tensor[]) =>
          tf.sum(tf.mul(f(v), dy));
        const ours = tf.grads(loss((v) => norm.apply(v, { training: true })))([x, ...params]);
        const want = tf.grads(loss((v) => rmsReference(v, vars.weight, bias ? vars.bias : null)))(
          [x, ...params],
        );
        for (const [i, what] of ["dx", "dγ", "dβ"].slice(0, params.length + 1).entries()) {
          await close(ours[i], want[i], what);
        }
        await close(
          norm.apply(x, { training: true }),
          rmsReference(x, vars.weight, bias ? vars.bias : null),
          "y",
        );
        norm.dispose();
      });
    }
  }
}

/** PowerNorm's group scaling written with plain ops (autodiff differentiates it). */
function groupScalingReference(x: tf.Tensor, groups: number) {
  const c = x.shape[x.rank - 1];
  const g = tf.reshape(x, [...x.shape.slice(0, -1), groups, c / groups]);
  const s = tf.rsqrt(tf.add(tf.mean(tf.square(g), -1, true), 1e-5));
  return tf.reshape(tf.mul(g, s), x.shape);
}

for (const backend of ["wasm", "cpu"] as const) {
  for (const groups of [1, 2, 6]) {
    Deno.test(`PowerNorm group scaling backward (${backend}, G = ${groups}) equals autodiff`, async () => {
      await initBackend(backend);
      const x = tf.add(tf.randomNormal([2, 5, 6], 0, 1.5, "float32", 11), 0.3);
      const dy = tf.randomNormal([2, 5, 6], 0, 1, "float32", 12);
      const grad = (f: (v: tf.Tensor) => tf.Tensor) => tf.grad((v) => tf.sum(tf.mul(f(v), dy)))(x);
      await close(
        grad((v) => groupScaling(v, groups)),
        grad((v) => groupScalingReference(v, groups)),
        "dx",
      );
      await close(groupScaling(x, groups), groupScalingReference(x, groups), "y");
    });
  }
}
