/**
 * Multi-head attention with a fused q/k/v projection, padding and causal masks, and a cache
 * for incremental decoding.
 *
 * Heads are formed with 4-D transposes only (5-D transposes are slow on wasm) into a head-first
 * layout `[H, B, N, dh]`, q/k/v are split with a contiguous `tf.split` (whose gradient is one
 * concat), and the core is the fused op of `attention_core.ts`.
 *
 * @module
 */
import * as tf from "../tf.ts";
import { attentionCore } from "./attention_core.ts";
import { rawBatchMatMul } from "./batch_matmul.ts";
import type { ForwardContext } from "./context.ts";
import { Dense } from "./dense.ts";
import { dropout } from "./dropout.ts";
import type { Initializer } from "./init.ts";
import type { Scope } from "./scope.ts";
import { UsageError } from "../util/errors.ts";

/** Options of {@linkcode MultiHeadAttention}. */
export interface AttentionOptions {
  /** Model width d. */
  dim: number;
  /** Number of heads H (must divide d). */
  heads: number;
  /** Dropout on the attention probabilities (default 0). */
  dropout?: number;
  /** `self` (one fused q/k/v projection) or `cross` (q from x, fused k/v from memory). */
  kind?: "self" | "cross";
  /** Initialiser of the projections (default Xavier uniform). */
  init?: Initializer;
  /** Weight Standardization of the projections (default false). */
  standardize?: boolean;
  /** σReparam on every projection (see `DenseOptions.sigmaReparam`; default false). */
  sigmaReparam?: boolean;
  /**
   * Width of the residual stream the projections read (x and the memory) and `out` writes
   * (default d; d−1 in a Pre-CRMSNorm model). The heads keep the inner width d.
   */
  residualDim?: number;
  /** `out` writes zero-mean vectors (see `DenseOptions.centerOutputs`; default false). */
  centerOutput?: boolean;
}

/** Keys and values of earlier positions, per layer, for incremental decoding. */
export type KeyValueCache = {
  /** `[H, B, t, dh]` */
  k: tf.Tensor4D;
  /** `[H, B, t, dh]` */
  v: tf.Tensor4D;
};

/**
 * `[B, N, k·d]` → k tensors `[H, B, N, dh]`: one 4-D transpose to `[k·H, B, N, dh]`, then a
 * split along the outermost axis (contiguous copies).
 */
function splitHeads(x: tf.Tensor, parts: number, heads: number): tf.Tensor4D[] {
  const [b, n, width] = x.shape;
  const dh = width / parts / heads;
  const t = tf.transpose(tf.reshape(x, [b, n, parts * heads, dh]), [2, 0, 1, 3]);
  return parts === 1 ? [t as tf.Tensor4D] : tf.split(t, parts, 0) as tf.Tensor4D[];
}

/** `[H, B, N, dh]` → `[B, N, H·dh]`. */
function mergeHeads(x: tf.Tensor): tf.Tensor3D {
  const [h, b, n, dh] = x.shape;
  return tf.reshape(tf.transpose(x, [1, 2, 0, 3]), [b, n, h * dh]) as tf.Tensor3D;
}

/**
 * Scaled dot-product multi-head attention. Self-attention has one fused projection `qkv`
 * (`[d, 3d]`, the layer a Pre-norm's attention norm folds into); cross-attention has `q`
 * (`[d, d]`) and a fused `kv` (`[d, 2d]`) applied to the memory. Then `out` (`[d, d]`).
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs-core";
 * import { attentionBias, MultiHeadAttention, Scope } from "@normbench/normbench";
 * const attn = new MultiHeadAttention(new Scope({ seed: 0 }), { dim: 8, heads: 2 });
 * const x = tf.randomNormal([2, 5, 8]);
 * const y = attn.apply(x, { bias: attentionBias({ causal: true, n: 5 }) }, { training: false });
 * console.assert(y.shape.join() === "2,5,8");
 * ```
 */
export class MultiHeadAttention {
  /** Model width d. */
  readonly dim: number;
  /** Heads H. */
  readonly heads: number;
  /** `self` or `cross`. */
  readonly kind: "self" | "cross";
  /** Self-attention: the fused q/k/v projection `[d, 3d]`. */
  readonly qkv: Dense | null;
  /** Cross-attention: the query projection `[d, d]`. */
  readonly q: Dense | null;
  /** Cross-attention: the fused key/value projection of the memory `[d, 2d]`. */
  readonly kv: Dense | null;
  /** The output projection `[d, d]`. */
  readonly out: Dense;
  /** Dropout on the attention probabilities. */
  readonly dropoutRate: number;

  /** Creates the projections under `scope` (`qkv` or `q` + `kv`, and `out`). */
  constructor(scope: Scope, options: AttentionOptions) {
    const { dim, heads } = options;
    if (!Number.isInteger(heads) || heads < 1 || dim % heads !== 0) {
      throw new UsageError(
        `attention heads (${heads}) must divide the width (${dim})`,
        "choose a head count that divides the model width",
      );
    }
    this.dim = dim;
    this.heads = heads;
    this.kind = options.kind ?? "self";
    this.dropoutRate = options.dropout ?? 0;
    const dense = {
      init: options.init,
      standardize: options.standardize,
      sigmaReparam: options.sigmaReparam,
    };
    const residual = options.residualDim ?? dim;
    if (this.kind === "self") {
      this.qkv = new Dense(scope.child("qkv"), residual, 3 * dim, dense);
      this.q = null;
      this.kv = null;
    } else {
      this.qkv = null;
      this.q = new Dense(scope.child("q"), residual, dim, dense);
      this.kv = new Dense(scope.child("kv"), residual, 2 * dim, dense);
    }
    this.out = new Dense(scope.child("out"), dim, residual, {
      ...dense,
      centerOutputs: options.centerOutput,
    });
  }

  /**
   * Attends from `x` `[B, N, d]` to itself (self) or to `inputs.memory` `[B, M, d]` (cross).
   * `inputs.bias` is an additive mask broadcastable to `[H, B, N, M]` (see `attentionBias`).
   */
  apply(
    x: tf.Tensor,
    inputs: { bias?: tf.Tensor | null; memory?: tf.Tensor },
    ctx: ForwardContext,
  ): tf.Tensor {
    return tf.tidy(() => {
      const [q, k, v] = this.#project(x, inputs.memory, ctx);
      let dropMask: tf.Tensor | null = null;
      if (ctx.training && this.dropoutRate > 0) {
        const shape = [q.shape[0], q.shape[1], q.shape[2], k.shape[2]];
        dropMask = dropout(tf.ones(shape), this.dropoutRate, ctx);
      }
      const record = ctx.record;
      const onProbabilities = record && this.kind === "self"
        ? (p: tf.Tensor) => record.attention(ctx.layer ?? 0, p)
        : undefined;
      return this.out.apply(
        mergeHeads(attentionCore({ q, k, v, bias: inputs.bias, dropMask, onProbabilities })),
        ctx,
      );
    });
  }

  /**
   * Inference for one new position `x` `[B, 1, d]` given the cache of earlier positions
   * (self-attention) or the memory's keys and values (cross-attention, pass `memoryKv`).
   * Returns the output and the extended cache.
   */
  step(
    x: tf.Tensor,
    state: { cache?: KeyValueCache | null; memoryKv?: KeyValueCache; bias?: tf.Tensor | null },
  ): { y: tf.Tensor; cache: KeyValueCache } {
    return tf.tidy(() => {
      let q: tf.Tensor4D, k: tf.Tensor4D, v: tf.Tensor4D;
      if (this.kind === "self") {
        [q, k, v] = splitHeads(this.qkv!.apply(x), 3, this.heads);
        if (state.cache) {
          k = tf.concat([state.cache.k, k], 2);
          v = tf.concat([state.cache.v, v], 2);
        }
      } else {
        [q] = splitHeads(this.q!.apply(x), 1, this.heads);
        ({ k, v } = state.memoryKv!);
      }
      const scale = 1 / Math.sqrt(this.dim / this.heads);
      let scores = rawBatchMatMul(tf.mul(q, scale), k, false, true);
      if (state.bias) scores = tf.add(scores, state.bias);
      const y = this.out.apply(mergeHeads(rawBatchMatMul(tf.softmax(scores), v)));
      return { y, cache: { k, v } };
    });
  }

  /** Cross-attention: the memory's keys and values, computed once per source. */
  memoryKeysValues(memory: tf.Tensor): KeyValueCache {
    return tf.tidy(() => {
      const [k, v] = splitHeads(this.kv!.apply(memory), 2, this.heads);
      return { k, v };
    });
  }

  #project(x: tf.Tensor, memory: tf.Tensor | undefined, ctx: ForwardContext): tf.Tensor4D[] {
    if (this.kind === "self") return splitHeads(this.qkv!.apply(x, ctx), 3, this.heads);
    if (!memory) throw new UsageError("cross-attention needs a memory", "pass inputs.memory");
    const [q] = splitHeads(this.q!.apply(x, ctx), 1, this.heads);
    const [k, v] = splitHeads(this.kv!.apply(memory, ctx), 2, this.heads);
    return [q, k, v];
  }

  /** Multiply-accumulates of one forward: `n` query and `m` key positions, `batch` sequences. */
  macs(batch: number, n: number, m = n): number {
    const proj = this.kind === "self"
      ? this.qkv!.macs(batch * n)
      : this.q!.macs(batch * n) + this.kv!.macs(batch * m);
    return proj + this.out.macs(batch * n) + 2 * batch * n * m * this.dim;
  }
}
