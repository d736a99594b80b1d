/**
 * The core of scaled dot-product attention as one differentiable op with a hand-written
 * backward: `softmax(q·kᵀ·scale + bias)·v`, optionally with a dropout mask on the probabilities.
 *
 * Heads are a leading axis (`[H, B, N, dh]`: any leading shape works), so splitting a fused
 * q/k/v projection into heads is one 4-D transpose and a contiguous split. One custom op instead
 * of a dozen taped ones saves tfjs bookkeeping and lets the backward reuse the probabilities.
 *
 * @module
 */
import * as tf from "../tf.ts";
import { rawBatchMatMul, swapLast } from "./batch_matmul.ts";

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
  const fn = tf.customGrad((...args: GradInputs) => {
    const [sq, sk, sv] = args as tf.Tensor[];
    const save = args[3] as (t: tf.Tensor[]) => void;
    const qs = tf.mul(sq, scale);
    let scores = rawBatchMatMul(qs, swapLast(sk));
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
        let dP = rawBatchMatMul(dOut, swapLast(gv));
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
