/**
 * Token embeddings: a `[vocab, d]` table looked up with `tf.gather`. Its gradient is
 * `UnsortedSegmentSum`, which normbench registers for the wasm backend.
 *
 * @module
 */
import * as tf from "../tf.ts";
import { type Initializer, normal } from "./init.ts";
import { matMul2d } from "./linear.ts";
import type { Scope } from "./scope.ts";

/**
 * A token embedding table `weight` `[vocab, d]`. `apply(ids)` looks rows up (optionally scaled,
 * e.g. by √d as fairseq does); `logits(h)` multiplies by the transposed table, for a tied output
 * projection.
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs-core";
 * import { Embedding, Scope } from "@normbench/normbench";
 * const emb = new Embedding(new Scope({ seed: 0 }).child("emb"), 10, 4);
 * const x = emb.apply(tf.tensor2d([[1, 2, 3]], [1, 3], "int32"));
 * console.assert(x.shape.join() === "1,3,4" && emb.logits(x).shape.join() === "1,3,10");
 * ```
 */
export class Embedding {
  /** Vocabulary size. */
  readonly vocab: number;
  /** Width d. */
  readonly dim: number;
  /** `[vocab, d]` */
  readonly weight: tf.Variable;

  /** Creates the `[vocab, dim]` table under `scope`. */
  constructor(scope: Scope, vocab: number, dim: number, options: { init?: Initializer } = {}) {
    this.vocab = vocab;
    this.dim = dim;
    this.weight = scope.param("weight", [vocab, dim], options.init ?? normal(0.02));
  }

  /** Rows for integer `ids` of any shape → `[…ids.shape, d]`, times `scale` (default 1). */
  apply(ids: tf.Tensor, scale = 1): tf.Tensor {
    return tf.tidy(() => {
      const flat = tf.reshape(ids, [-1]);
      const rows = tf.gather(this.weight, flat);
      const scaled = scale === 1 ? rows : tf.mul(rows, scale);
      return tf.reshape(scaled, [...ids.shape, this.dim]);
    });
  }

  /** `h·weightᵀ`: `[…, d]` → `[…, vocab]` (tied output projection). */
  logits(h: tf.Tensor): tf.Tensor {
    return tf.tidy(() => {
      const flat = tf.reshape(h, [-1, this.dim]);
      const out = matMul2d(flat, tf.transpose(this.weight));
      return tf.reshape(out, [...h.shape.slice(0, -1), this.vocab]);
    });
  }
}
