/**
 * Attention's probabilities and scores' gradient as one kernel each where a backend has them:
 * WebGPU (`src/backend/attention_webgpu.ts`), where they replace ~5 and ~6 composite kernels per
 * layer and step. wasm and cpu keep the composite ops of `attentionCore` (training bit-identical
 * there).
 *
 * @module
 */
import * as tf from "../tf.ts";
import {
  ATTENTION_MAX_KEYS,
  attentionProbsWebGpu,
  attentionScoreGradWebGpu,
  broadcastStrides,
  leadingAxes,
} from "./attention_webgpu.ts";

/** The probabilities kernel's registered name. */
export const ATTENTION_PROBS = "NormbenchAttentionProbs";
/** The scores' gradient kernel's registered name. */
export const ATTENTION_SCORE_GRAD = "NormbenchAttentionScoreGrad";

/** WebGPU dispatches at most this many workgroups along x (one per query row here). */
const MAX_ROWS = 65535;

const KERNELS: Record<string, [tf.KernelFunc, tf.KernelFunc]> = {
  webgpu: [
    attentionProbsWebGpu as unknown as tf.KernelFunc,
    attentionScoreGradWebGpu as unknown as tf.KernelFunc,
  ],
};
let enabled = true;

/**
 * Registers both kernels for `backend` when it has them (WebGPU; idempotent); false otherwise.
 *
 * @example
 * ```ts
 * import { registerAttentionKernels } from "@normbench/normbench";
 * console.assert(!registerAttentionKernels("wasm"));
 * ```
 */
export function registerAttentionKernels(backend: string): boolean {
  const pair = KERNELS[backend];
  if (!pair) return false;
  if (!tf.getKernel(ATTENTION_PROBS, backend)) {
    tf.registerKernel({ kernelName: ATTENTION_PROBS, backendName: backend, kernelFunc: pair[0] });
    tf.registerKernel({
      kernelName: ATTENTION_SCORE_GRAD,
      backendName: backend,
      kernelFunc: pair[1],
    });
  }
  return true;
}

/**
 * Turns the kernels on or off for every attention (default on); returns the previous setting.
 * Off, attention runs its composite ops everywhere — the reference the kernels are tested
 * against.
 *
 * @example
 * ```ts
 * import { setAttentionKernels } from "@normbench/normbench";
 * const before = setAttentionKernels(false);
 * setAttentionKernels(before);
 * ```
 */
export function setAttentionKernels(on: boolean): boolean {
  const before = enabled;
  enabled = on;
  return before;
}

/**
 * Whether attention over `q` `[…, N, dh]` and `k` `[…, M, dh]` (rank 3 or 4, the same leading
 * axes) with an additive `bias` runs through these kernels: on WebGPU, unless turned off with
 * {@linkcode setAttentionKernels}, with at most 2048 keys, at most 65535 query rows and a bias
 * that broadcasts to the scores.
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs-core";
 * import { attentionKernelsFit, initBackend } from "@normbench/normbench";
 * await initBackend("cpu");
 * const q = tf.zeros([2, 3, 5, 4]);
 * console.assert(!attentionKernelsFit(q, q, null)); // cpu keeps the composite ops
 * ```
 */
export function attentionKernelsFit(
  q: tf.Tensor,
  k: tf.Tensor,
  bias: tf.Tensor | null,
): boolean {
  if (!enabled || !registerAttentionKernels(tf.getBackend())) return false;
  if (q.rank < 3 || q.rank > 4 || k.rank !== q.rank) return false;
  if (q.shape.slice(0, -2).some((d, i) => d !== k.shape[i])) return false;
  if (q.dtype !== "float32" || k.dtype !== "float32") return false;
  const n = q.shape[q.rank - 2];
  const m = k.shape[k.rank - 2];
  if (m > ATTENTION_MAX_KEYS || q.size / q.shape[q.rank - 1] > MAX_ROWS) return false;
  const [g1, g2] = leadingAxes(q.shape);
  return !bias ||
    (bias.dtype === "float32" && broadcastStrides(bias.shape, [g1, g2, n, m]) !== null);
}

/**
 * `softmax(q·kᵀ·scale + bias)` `[…, N, M]` in one kernel (see {@linkcode attentionKernelsFit}).
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs-core";
 * import { attentionKernelsFit, attentionProbs, initBackend } from "@normbench/normbench";
 * await initBackend("auto");
 * const q = tf.randomNormal([2, 3, 5, 4]);
 * if (attentionKernelsFit(q, q, null)) {
 *   const p = attentionProbs(q, q, null, 0.5);
 *   console.assert(p.shape.join() === "2,3,5,5");
 * }
 * ```
 */
export function attentionProbs(
  q: tf.Tensor,
  k: tf.Tensor,
  bias: tf.Tensor | null,
  scale: number,
): tf.Tensor {
  const inputs: tf.NamedTensorMap = bias ? { q, k, bias } : { q, k };
  return tf.engine().runKernel(ATTENTION_PROBS, inputs, { scale }) as tf.Tensor;
}

/**
 * The scores' gradient times `scale`, `P ⊙ (dP − Σ dP⊙P)·scale` with `dP = dO·vᵀ` (⊙ `mask`, the
 * dropout keep-mask, when given), in one kernel: `dq = dS·k` and `dk = dSᵀ·q` then need no
 * scaling. `p`: the probabilities before dropout.
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs-core";
 * import { attentionKernelsFit, attentionProbs, attentionScoreGrad, initBackend } from "@normbench/normbench";
 * await initBackend("auto");
 * const q = tf.randomNormal([2, 3, 5, 4]);
 * if (attentionKernelsFit(q, q, null)) {
 *   const p = attentionProbs(q, q, null, 0.5);
 *   const dS = attentionScoreGrad(tf.onesLike(q), q, p, null, 0.5);
 *   console.assert(dS.shape.join() === "2,3,5,5");
 * }
 * ```
 */
export function attentionScoreGrad(
  dO: tf.Tensor,
  v: tf.Tensor,
  p: tf.Tensor,
  mask: tf.Tensor | null,
  scale: number,
): tf.Tensor {
  const inputs: tf.NamedTensorMap = mask ? { dO, v, p, mask } : { dO, v, p };
  return tf.engine().runKernel(ATTENTION_SCORE_GRAD, inputs, { scale }) as tf.Tensor;
}
