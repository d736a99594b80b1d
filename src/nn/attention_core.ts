/**
 * The core of scaled dot-product attention as one differentiable op with a hand-written
 * backward: `softmax(q·kᵀ·scale + bias)·v`, optionally with a dropout mask on the probabilities.
 *
 * Heads are a leading axis (`[H, B, N, dh]`: any leading shape works), so splitting a fused
 * q/k/v projection into heads is one 4-D transpose and a contiguous split. One custom op instead
 * of a dozen taped ones saves tfjs bookkeeping and lets the backward reuse the probabilities.
 * On WebGPU the probabilities and the scores' gradient are one WGSL program each
 * (`src/backend/attention_kernels.ts`); the products are batched matmuls everywhere.
 *
 * @module
 */
import * as tf from "../tf.ts";
import { rawBatchMatMul } from "./batch_matmul.ts";
import {
  attentionKernelsFit,
  attentionProbs,
  attentionScoreGrad,
} from "../backend/attention_kernels.ts";

type GradInputs = (tf.Tensor | ((t: tf.Tensor[]) => void))[];

/** Inputs of {@linkcode attentionCore}. */
export interface AttentionCoreInputs {
  /** Queries `[…, N, dh]`. */
  q: tf.Tensor;
  /** Keys `[…, M, dh]`. */
  k: tf.Tensor;
  /** Values `[…, M, dh]`. */
  v: tf.Tensor;
  /** Additive score bias broadcastable to `[…, N, M]` (masks), or null. Not differentiated. */
  bias?: tf.Tensor | null;
  /** Dropout keep-mask on the probabilities (`[…, N, M]`, values 0 or 1/(1−p)), or null. */
  dropMask?: tf.Tensor | null;
  /** Score scale (default 1/√dh). */
  scale?: number;
  /**
   * Receives the probabilities (before dropout) while the forward runs (diagnostics; they are
   * freed after the call). Absent: nothing extra happens.
   */
  onProbabilities?: (probs: tf.Tensor) => void;
}

/**
 * `softmax(q·kᵀ·scale + bias)·v` over the last two axes, batched over the leading ones.
 * Differentiable in `q`, `k` and `v`; backward:
 * `dP = dO·vᵀ`, `dV = Pᵀ·dO`, `dS = P⊙(dP − Σ dP⊙P)`, `dq = dS·k·scale`, `dk = dSᵀ·q·scale`.
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs-core";
 * import { attentionCore } from "@normbench/normbench";
 * const q = tf.randomNormal([2, 3, 5, 4]);
 * const o = attentionCore({ q, k: q, v: q });
 * console.assert(o.shape.join() === "2,3,5,4");
 * ```
 */
export function attentionCore(inputs: AttentionCoreInputs): tf.Tensor {
  const { q, k, v } = inputs;
  const bias = inputs.bias ?? null;
  const dropMask = inputs.dropMask ?? null;
  const scale = inputs.scale ?? 1 / Math.sqrt(q.shape[q.rank - 1]);
  const scores = [...q.shape.slice(0, -1), k.shape[k.rank - 2]];
  if (
    attentionKernelsFit(q, k, bias) &&
    (!dropMask || dropMask.shape.join() === scores.join())
  ) {
    return fusedAttentionCore(inputs, scale);
  }
  const fn = tf.customGrad((...args: GradInputs) => {
    const [sq, sk, sv] = args as tf.Tensor[];
    const save = args[3] as (t: tf.Tensor[]) => void;
    const qs = tf.mul(sq, scale);
    let scores = rawBatchMatMul(qs, sk, false, true);
    if (bias) scores = tf.add(scores, bias);
    const probs = tf.softmax(scores);
    inputs.onProbabilities?.(probs);
    const used = dropMask ? tf.mul(probs, dropMask) : probs;
    const saved = [qs, sk, sv, probs, used];
    if (dropMask) saved.push(dropMask);
    save(saved);
    return {
      value: rawBatchMatMul(used, sv),
      gradFunc: (dy: tf.Tensor | tf.Tensor[], s: tf.Tensor[]) => {
        const [gqs, gk, gv, p, pUsed, mask] = s;
        const dOut = dy as tf.Tensor;
        let dP = rawBatchMatMul(dOut, gv, false, true);
        const dV = rawBatchMatMul(pUsed, dOut, true);
        if (mask) dP = tf.mul(dP, mask);
        const dS = tf.mul(p, tf.sub(dP, tf.sum(tf.mul(dP, p), -1, true)));
        const dQ = tf.mul(rawBatchMatMul(dS, gk), scale);
        const dK = rawBatchMatMul(dS, gqs, true);
        return [dQ, dK, dV];
      },
    };
  });
  return fn(q, k, v);
}

/**
 * The same op on the attention kernels (WebGPU): the probabilities in one kernel, the scores'
 * gradient (times the scale) in one, the three products with `v`, `k` and `q` as batched matmuls.
 */
function fusedAttentionCore(inputs: AttentionCoreInputs, scale: number): tf.Tensor {
  const bias = inputs.bias ?? null;
  const dropMask = inputs.dropMask ?? null;
  const fn = tf.customGrad((...args: GradInputs) => {
    const [sq, sk, sv] = args as tf.Tensor[];
    const save = args[3] as (t: tf.Tensor[]) => void;
    const probs = attentionProbs(sq, sk, bias, scale);
    inputs.onProbabilities?.(probs);
    const used = dropMask ? tf.mul(probs, dropMask) : probs;
    const saved = [sq, sk, sv, probs, used];
    if (dropMask) saved.push(dropMask);
    save(saved);
    return {
      value: rawBatchMatMul(used, sv),
      gradFunc: (dy: tf.Tensor | tf.Tensor[], s: tf.Tensor[]) => {
        const [gq, gk, gv, p, pUsed, mask] = s;
        const dOut = dy as tf.Tensor;
        const dV = rawBatchMatMul(pUsed, dOut, true);
        const dS = attentionScoreGrad(dOut, gv, p, mask ?? null, scale);
        return [rawBatchMatMul(dS, gk), rawBatchMatMul(dS, gq, true), dV];
      },
    };
  });
  return fn(inputs.q, inputs.k, inputs.v);
}
