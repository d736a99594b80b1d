/**
 * A Pre-norm model of the zoo prepared for inference the way a variant says: every norm kept (as
 * the zoo runs it, as composite ops, as one fused kernel, as an affine op) or folded into the
 * dense layers that consume it, or removed. The forward reuses the model's embeddings and
 * weights; only the norms and the consumers of folded norms differ between variants, so variants
 * of one model share every other tensor.
 *
 * @module
 */
import * as tf from "../tf.ts";
import { activate, type ActivationName } from "../nn/activations.ts";
import { rawBatchMatMul, swapLast } from "../nn/batch_matmul.ts";
import type { Dense } from "../nn/dense.ts";
import type { FusedActivation } from "../nn/linear.ts";
import { attentionBias, padBias } from "../nn/masks.ts";
import type { TransformerStack } from "../nn/stack.ts";
import { foldNorm } from "../norms/fold.ts";
import type { Norm } from "../norms/types.ts";
import type { AnyModel } from "../models/presets.ts";
import type { Batch } from "../models/types.ts";
import { type NormOp, normOperator, type NormTracer } from "./norm_ops.ts";
import { checkFoldable, type InferenceModelKind, normSlots } from "./norm_slots.ts";
import type { NormTreatment } from "./variants.ts";
import { UsageError } from "../util/errors.ts";

/** A dense layer at inference: `act(x·kernel + bias)`. */
export interface InferenceLinear {
  /** `[in, out]` */
  kernel: tf.Tensor2D;
  /** `[out]` or null. */
  bias: tf.Tensor1D | null;
  /** Fused activation. */
  activation: FusedActivation;
}

/** Options of {@linkcode buildInference}. */
export interface BuildInferenceOptions {
  /** How every norm runs (see `NormTreatment`). */
  treatment: NormTreatment;
  /**
   * Norms standing in for the model's own, by slot path (see `normSlots`, `createNormSet`);
   * default: the model's own norms.
   */
  norms?: ReadonlyMap<string, Norm>;
  /** Wraps every norm operator, to attribute profiled kernels to norms. */
  tracer?: NormTracer;
  /**
   * A cache of tensors derived from the shared weights (the translator's transposed output
   * embedding), owned by the caller, so that the variants of one model keep one copy. Default:
   * the inference model keeps (and disposes) its own.
   */
  shared?: Map<string, tf.Tensor>;
}

interface EngineBlock {
  attnNorm: NormOp;
  qkv: InferenceLinear;
  out: InferenceLinear;
  cross: { norm: NormOp; q: InferenceLinear; kv: InferenceLinear; out: InferenceLinear } | null;
  ffnNorm: NormOp;
  fc1: InferenceLinear;
  fc2: InferenceLinear;
}

interface EngineStack {
  blocks: EngineBlock[];
  finalNorm: NormOp;
}

/**
 * The pad mask `[B, N]` (1 = padding) of plain-data token ids, built on the CPU: tfjs-webgpu
 * 4.22 in Deno mishandles `cast(equal(…), "float32")` masks in some graphs (the encoder's mean
 * pooling reads back zeros), and the ids are at hand anyway.
 */
function padMask(ids: Int32Array, shape: [number, number], padId: number): tf.Tensor2D {
  return tf.tensor2d(Float32Array.from(ids, (t) => (t === padId ? 1 : 0)), shape);
}

/** `act(x·kernel + bias)` over the last axis of `x`. */
function dense(x: tf.Tensor, l: InferenceLinear): tf.Tensor {
  const [inDim, outDim] = l.kernel.shape;
  const y = tf.fused.matMul({
    a: tf.reshape(x, [-1, inDim]) as tf.Tensor2D,
    b: l.kernel,
    bias: l.bias ?? undefined,
    activation: l.activation,
  });
  return tf.reshape(y, [...x.shape.slice(0, -1), outDim]);
}

/** `[B, N, k·d]` → k tensors `[H, B, N, dh]` (4-D transposes only, as the models do). */
function splitHeads(x: tf.Tensor, parts: number, heads: number): tf.Tensor[] {
  const [b, n, width] = x.shape;
  const t = tf.transpose(tf.reshape(x, [b, n, parts * heads, width / parts / heads]), [2, 0, 1, 3]);
  return parts === 1 ? [t] : tf.split(t, parts, 0);
}

/** `[H, B, N, dh]` → `[B, N, H·dh]`. */
function mergeHeads(x: tf.Tensor): tf.Tensor {
  const [h, b, n, dh] = x.shape;
  return tf.reshape(tf.transpose(x, [1, 2, 0, 3]), [b, n, h * dh]);
}

/** `softmax(q·kᵀ/√dh + bias)·v` over heads-first tensors. */
function attend(q: tf.Tensor, k: tf.Tensor, v: tf.Tensor, bias: tf.Tensor | null): tf.Tensor {
  const scale = 1 / Math.sqrt(q.shape[q.rank - 1]);
  let scores = rawBatchMatMul(tf.mul(q, scale), swapLast(k));
  if (bias) scores = tf.add(scores, bias);
  return rawBatchMatMul(tf.softmax(scores), v);
}

interface StackContext {
  heads: number;
  activation: ActivationName;
  bias: tf.Tensor | null;
  memoryKv?: tf.Tensor[][];
  memoryBias?: tf.Tensor | null;
}

/** The blocks of a stack (Pre-norm), without its final norm. */
function runBlocks(stack: EngineStack, x: tf.Tensor, ctx: StackContext): tf.Tensor {
  let h = x;
  stack.blocks.forEach((b, i) => {
    const prev = h;
    h = tf.tidy(() => {
      const [q, k, v] = splitHeads(dense(b.attnNorm(prev), b.qkv), 3, ctx.heads);
      let y = tf.add(prev, dense(mergeHeads(attend(q, k, v, ctx.bias)), b.out));
      if (b.cross) {
        const [cq] = splitHeads(dense(b.cross.norm(y), b.cross.q), 1, ctx.heads);
        const [mk, mv] = ctx.memoryKv![i];
        y = tf.add(y, dense(mergeHeads(attend(cq, mk, mv, ctx.memoryBias ?? null)), b.cross.out));
      }
      let f = dense(b.ffnNorm(y), b.fc1);
      if (ctx.activation !== "relu") f = activate(f, ctx.activation);
      return tf.add(y, dense(f, b.fc2));
    });
    if (prev !== x) prev.dispose();
  });
  return h;
}

/**
 * A model ready for timed inference under one variant; build it with
 * {@linkcode buildInference}. `run` maps a plain-data batch to the output tensor:
 * ViT and encoder class logits `[B, classes]`; translator: the logits `[B, 1, vocab]` of the
 * first target token (the encoder over the source, the memory keys and values of every decoder
 * layer, and one decoder step from BOS).
 *
 * @example
 * ```ts
 * import { buildInference, createModel, syntheticBatch } from "@normbench/normbench";
 * const t = createModel({ model: "translator", preset: "tiny", norm: "un" });
 * const inference = buildInference(t, { treatment: "fold" });
 * console.assert(inference.run(syntheticBatch(t, { batch: 2 })).shape.join() === "2,1,32");
 * inference.dispose();
 * ```
 */
export class InferenceModel {
  /** The model kind. */
  readonly kind: InferenceModelKind;
  /** How its norms run. */
  readonly treatment: NormTreatment;
  readonly #model: AnyModel;
  readonly #stacks: EngineStack[];
  readonly #linear: (d: Dense) => InferenceLinear;
  readonly #owned: tf.Tensor[];
  readonly #reads: Set<tf.Tensor>;
  readonly #embedT: tf.Tensor2D | null;

  /** Use {@linkcode buildInference}. */
  constructor(
    model: AnyModel,
    treatment: NormTreatment,
    parts: {
      stacks: EngineStack[];
      linear: (d: Dense) => InferenceLinear;
      owned: tf.Tensor[];
      reads: Set<tf.Tensor>;
      embedT: tf.Tensor2D | null;
    },
  ) {
    this.kind = checkFoldable(model);
    this.treatment = treatment;
    this.#model = model;
    this.#stacks = parts.stacks;
    this.#linear = parts.linear;
    this.#owned = parts.owned;
    this.#reads = parts.reads;
    this.#embedT = parts.embedT;
  }

  /**
   * The output for a plain-data batch (see the class documentation). With `probe`, the encoder
   * with `cls` pooling returns the pooler's pre-activation `[B, d]` instead of class logits:
   * the layer its final norm folds into, before a tanh that random weights can saturate (which
   * would hide a difference from a twin); other models return their usual output. With
   * `teacherForcing`, the translator decodes the whole target input `tgtIn` under a causal mask
   * and returns `[B, T, vocab]` (as in training; used to calibrate batch statistics, which one
   * BOS position per sequence would make degenerate).
   */
  run(batch: Batch, options: { probe?: boolean; teacherForcing?: boolean } = {}): tf.Tensor {
    return tf.tidy(() => {
      switch (this.kind) {
        case "vit":
          return this.#vit(batch);
        case "encoder":
          return this.#encoder(batch, options.probe ?? false);
        default:
          return this.#translator(batch, options.teacherForcing ?? false);
      }
    });
  }

  /** Bytes of every tensor the forward reads: weights (folded where folded) and norm constants. */
  weightBytes(): number {
    let bytes = 0;
    for (const t of this.#reads) bytes += t.size * 4;
    return bytes;
  }

  /** Frees the tensors this inference model created (folded weights, norm constants). */
  dispose(): void {
    tf.dispose(this.#owned);
  }

  #vit(batch: Batch): tf.Tensor {
    if (batch.kind !== "image") throw new UsageError("a ViT takes image batches");
    const m = this.#model as Extract<AnyModel, { config: { kind: "vit" } }>;
    const [b] = batch.shape;
    const d = m.config.dim;
    const images = tf.tensor4d(batch.images, batch.shape);
    const x = dense(m.patchify(images), this.#linear(m.patchEmbed));
    const cls = tf.add(tf.zeros([b, 1, d]), m.clsToken);
    const h = m.pos.apply(tf.concat([cls, x], 1));
    const [stack] = this.#stacks;
    const out = runBlocks(stack, h, {
      heads: m.config.heads,
      activation: m.config.activation,
      bias: null,
    });
    // Inference norms are per token: normalising only the class token the head reads is exact.
    const first = tf.reshape(tf.slice(out, [0, 0, 0], [b, 1, d]), [b, d]);
    return dense(stack.finalNorm(first), this.#linear(m.head));
  }

  #encoder(batch: Batch, probe: boolean): tf.Tensor {
    if (batch.kind !== "classify") throw new UsageError("an encoder takes classification batches");
    const m = this.#model as Extract<AnyModel, { config: { kind: "encoder" } }>;
    const [b, n] = batch.shape;
    const d = m.config.dim;
    const tokens = tf.tensor2d(batch.tokens, [b, n], "int32");
    const pad = padMask(batch.tokens, [b, n], m.config.padId);
    const x = m.embedTokens(tokens, { training: false });
    const [stack] = this.#stacks;
    const h = runBlocks(stack, x, {
      heads: m.config.heads,
      activation: m.config.activation,
      bias: attentionBias({ padMask: pad }),
    });
    if (m.config.pooling === "cls") {
      const first = tf.reshape(tf.slice(h, [0, 0, 0], [b, 1, d]), [b, d]);
      const pre = dense(stack.finalNorm(first), this.#linear(m.pooler));
      return probe ? pre : dense(tf.tanh(pre), this.#linear(m.classifier));
    }
    const keep = tf.expandDims(tf.sub(1, pad), -1);
    const sum = tf.sum(tf.mul(stack.finalNorm(h), keep), 1);
    const pooled = tf.div(sum, tf.maximum(tf.sum(keep, 1), 1));
    return dense(pooled, this.#linear(m.classifier));
  }

  #translator(batch: Batch, teacherForcing: boolean): tf.Tensor {
    if (batch.kind !== "translate") throw new UsageError("a translator takes translation batches");
    const m = this.#model as Extract<AnyModel, { config: { kind: "translator" } }>;
    const [b, s] = batch.srcShape;
    const { heads, activation, dim, vocab } = m.config;
    const src = tf.tensor2d(batch.src, [b, s], "int32");
    const pad = padMask(batch.src, [b, s], m.config.padId);
    const [encoder, decoder] = this.#stacks;
    const hidden = runBlocks(encoder, m.embedTokens(src, { training: false }), {
      heads,
      activation,
      bias: attentionBias({ padMask: pad }),
    });
    const memory = encoder.finalNorm(hidden);
    const memoryKv = m.decoder.blocks.map((blk) =>
      splitHeads(dense(memory, this.#linear(blk.cross!.kv!)), 2, heads)
    );
    const [t, tgt, bias] = teacherForcing
      ? [
        batch.tgtShape[1],
        tf.tensor2d(batch.tgtIn, batch.tgtShape, "int32"),
        attentionBias({
          padMask: padMask(batch.tgtIn, batch.tgtShape, m.config.padId),
          causal: true,
        }),
      ]
      : [1, tf.fill([b, 1], m.config.bosId, "int32"), null];
    const y = runBlocks(decoder, m.embedTokens(tgt, { training: false }, 0), {
      heads,
      activation,
      bias,
      memoryKv,
      memoryBias: padBias(pad),
    });
    const h = tf.reshape(decoder.finalNorm(y), [b * t, dim]);
    return tf.reshape(tf.matMul(h, this.#embedT!), [b, t, vocab]);
  }
}

function plainLinear(d: Dense): InferenceLinear {
  return {
    kernel: d.kernel as tf.Tensor as tf.Tensor2D,
    bias: d.bias as tf.Tensor as tf.Tensor1D | null,
    activation: d.activation,
  };
}

function engineStack(
  stack: TransformerStack,
  prefix: string,
  op: (path: string) => NormOp,
  linear: (d: Dense) => InferenceLinear,
): EngineStack {
  return {
    blocks: stack.blocks.map((b, i) => {
      const at = `${prefix}/layers/${i}`;
      return {
        attnNorm: op(`${at}/attn_norm`),
        qkv: linear(b.attn.qkv!),
        out: linear(b.attn.out),
        cross: b.cross
          ? {
            norm: op(`${at}/cross_norm`),
            q: linear(b.cross.q!),
            kv: linear(b.cross.kv!),
            out: linear(b.cross.out),
          }
          : null,
        ffnNorm: op(`${at}/ffn_norm`),
        fc1: linear(b.ffn.fc1),
        fc2: linear(b.ffn.fc2),
      };
    }),
    finalNorm: op(`${prefix}/final_norm`),
  };
}

/**
 * Prepares a Pre-norm ViT, encoder or translator for inference under a norm treatment. With
 * `fold`, each norm's inference map `statistic(x)·a + b` is folded into the dense layers that
 * consume it (`W' = diag(a)·W`, `c' = b·W + c`; see `normSlots` for which) and only the
 * per-token statistic, if any, stays an op; the translator's decoder final norm feeds the tied
 * output embedding, so its affine map stays an op there (untying would add a vocab × d matrix).
 * The model's weights are shared, not copied; folded consumers get new tensors that
 * `dispose()` frees. Norms come from `options.norms` by slot path, else the model's own.
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs-core";
 * import { buildInference, createModel, randomizeNormState, syntheticBatch } from "@normbench/normbench";
 * const vit = createModel({ model: "vit", preset: "tiny", norm: "un" });
 * vit.norms().forEach((n, i) => randomizeNormState(n, i));
 * const batch = syntheticBatch(vit, { batch: 2 });
 * const twin = buildInference(vit, { treatment: "zoo" });
 * const folded = buildInference(vit, { treatment: "fold" });
 * const err = tf.max(tf.abs(tf.sub(folded.run(batch), twin.run(batch)))).dataSync()[0];
 * console.assert(err < 1e-4);
 * folded.dispose();
 * ```
 */
export function buildInference(model: AnyModel, options: BuildInferenceOptions): InferenceModel {
  const kind = checkFoldable(model);
  const { treatment, tracer } = options;
  const owned: tf.Tensor[] = [];
  const overrides = new Map<Dense, InferenceLinear>();
  const ops = new Map<string, NormOp>();
  try {
    for (const slot of normSlots(model)) {
      const norm = options.norms?.get(slot.path) ?? slot.norm;
      let op: NormOp;
      if (treatment !== "fold") {
        const built = normOperator(norm, treatment);
        owned.push(...built.owned);
        op = built.op;
      } else if (slot.consumers.length === 0) {
        const built = normOperator(norm, "affine");
        owned.push(...built.owned);
        op = built.op;
      } else {
        op = foldInto(norm, slot.consumers, overrides, owned);
      }
      ops.set(slot.path, tracer ? tracer.wrap(op) : op);
    }
  } catch (err) {
    tf.dispose(owned);
    throw err;
  }
  const linear = (d: Dense) => overrides.get(d) ?? plainLinear(d);
  const op = (path: string) => ops.get(path) ?? ((x: tf.Tensor) => x);
  const reads = new Set<tf.Tensor>(owned);
  const read = (d: Dense) => {
    const l = linear(d);
    reads.add(l.kernel);
    if (l.bias) reads.add(l.bias);
    return l;
  };
  let stacks: EngineStack[];
  let embedT: tf.Tensor2D | null = null;
  if (kind === "translator") {
    const m = model as Extract<AnyModel, { config: { kind: "translator" } }>;
    stacks = [
      engineStack(m.encoder, "encoder", op, read),
      engineStack(m.decoder, "decoder", op, read),
    ];
    reads.add(m.embed.weight);
    const key = `embedT:${m.embed.weight.id}`;
    embedT = (options.shared?.get(key) as tf.Tensor2D | undefined) ?? null;
    if (!embedT) {
      embedT = tf.transpose(m.embed.weight) as tf.Tensor2D;
      if (options.shared) options.shared.set(key, embedT);
      else owned.push(embedT);
    }
    reads.add(embedT);
  } else {
    const m = model as Extract<AnyModel, { config: { kind: "vit" | "encoder" } }>;
    stacks = [engineStack(m.stack, "stack", op, read)];
    if ("weight" in m.pos) reads.add(m.pos.weight as tf.Variable);
    if (m.config.kind === "vit") {
      const v = m as Extract<AnyModel, { config: { kind: "vit" } }>;
      read(v.patchEmbed);
      read(v.head);
      reads.add(v.clsToken);
    } else {
      const e = m as Extract<AnyModel, { config: { kind: "encoder" } }>;
      reads.add(e.embed.weight);
      if (e.config.pooling === "cls") read(e.pooler);
      read(e.classifier);
    }
  }
  return new InferenceModel(model, treatment, { stacks, linear, owned, reads, embedT });
}

/** Folds `norm` into each consumer (new weights in `overrides`); returns what stays an op. */
function foldInto(
  norm: Norm,
  consumers: Dense[],
  overrides: Map<Dense, InferenceLinear>,
  owned: tf.Tensor[],
): NormOp {
  let statistic: NormOp | null = null;
  for (const d of consumers) {
    const split = norm.inferenceSplit();
    if (!split) return (x) => x; // `none`: nothing to fold
    tf.dispose([split.scale, split.shift]);
    const folded = foldNorm(norm, {
      kernel: d.kernel as tf.Tensor as tf.Tensor2D,
      bias: (d.bias ?? undefined) as tf.Tensor1D | undefined,
    });
    owned.push(folded.kernel, folded.bias);
    overrides.set(d, { kernel: folded.kernel, bias: folded.bias, activation: d.activation });
    statistic = folded.statistic;
  }
  return statistic ?? ((x) => x);
}
