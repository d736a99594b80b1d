/**
 * The recording hook of a forward pass: what a Transformer stack and its self-attention report
 * when a forward asks for per-layer diagnostics (`ForwardContext.record`). Absent, nothing is
 * called and no op runs; present, the hook receives tensors that are alive only during the call
 * and keeps what it needs (reduced, under its own `tf.tidy`).
 *
 * @module
 */
import type * as tf from "../tf.ts";

/**
 * Receives a forward's per-layer tensors. A model announces its padding first (`padding`), then
 * its stack reports the residual stream entering each block and after the last one (`residual`,
 * index 0…L), and each block's self-attention its probabilities (`attention`). One stack per
 * forward: a recorder may refuse a second one.
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs-core";
 * import { createModel, type ForwardRecorder } from "@normbench/normbench";
 * const seen: string[] = [];
 * const record: ForwardRecorder = {
 *   padding: () => seen.push("pad"),
 *   residual: (i) => seen.push(`h${i}`),
 *   attention: (layer, p) => seen.push(`a${layer}:${p.shape.join("x")}`),
 * };
 * const lm = createModel({ model: "lm", preset: "tiny", norm: "ln" });
 * tf.tidy(() => lm.logits({ kind: "lm", tokens: new Int32Array([3, 4, 5]), shape: [1, 3] }, { training: false, record }));
 * console.assert(seen.join() === "pad,h0,a0:2x1x2x2,h1,a1:2x1x2x2,h2");
 * lm.dispose();
 * ```
 */
export interface ForwardRecorder {
  /** The pad mask `[B, N]` (1 = padding) of the tokens entering the stack. */
  padding(mask: tf.Tensor): void;
  /** The residual stream `[B, N, d]` entering block `index` (`index` = L: after the last block). */
  residual(index: number, h: tf.Tensor): void;
  /**
   * Block `layer`'s self-attention probabilities `[H, B, N, M]` before dropout (masked keys have
   * p = 0).
   */
  attention(layer: number, probs: tf.Tensor): void;
}
