/**
 * A model of the zoo prepared for timed inference the way a variant says: every norm kept (as
 * the zoo runs it, as composite ops, as one fused kernel, as an affine op) or folded into the
 * dense layers that consume it, or removed. There is no second forward pass: the model's own
 * forward runs with an inference plan (`ForwardContext.plan`) that stands in the variant's norm
 * ops and folded weights, so every model kind and placement can be timed, and a timing always
 * measures the model that was trained. Variants of one model share every other tensor.
 *
 * @module
 */
import * as tf from "../tf.ts";
import type { Dense } from "../nn/dense.ts";
import type { ForwardContext, InferenceLinear } from "../nn/context.ts";
import { foldNorm } from "../norms/fold.ts";
import type { Norm } from "../norms/types.ts";
import type { AnyModel } from "../models/presets.ts";
import type { Batch } from "../models/types.ts";
import { type NormOp, normOperator, type NormTracer } from "./norm_ops.ts";
import { checkFoldable, type InferenceModelKind, normSlots } from "./norm_slots.ts";
import { bakeCentering, centeredWriters } from "./centered_writers.ts";
import type { NormTreatment } from "./variants.ts";
import { UsageError } from "../util/errors.ts";

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
   * Kept for callers that share derived tensors between the variants of one model; the zoo's
   * forward derives none, so it is unused.
   */
  shared?: Map<string, tf.Tensor>;
}

/**
 * A model ready for timed inference under one variant; build it with
 * {@linkcode buildInference}. `run` maps a plain-data batch to the output tensor through the
 * model's own forward: ViT and encoder class logits `[B, classes]`; LM next-token logits
 * `[B, N, vocab]`; translator: the logits `[B, 1, vocab]` of the first target token (the encoder
 * over the source and one decoder position from BOS).
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
  readonly #ctx: ForwardContext;
  readonly #owned: tf.Tensor[];
  readonly #bytes: number;

  /** Use {@linkcode buildInference}. */
  constructor(
    model: AnyModel,
    treatment: NormTreatment,
    parts: { ctx: ForwardContext; owned: tf.Tensor[]; bytes: number },
  ) {
    this.kind = checkFoldable(model);
    this.treatment = treatment;
    this.#model = model;
    this.#ctx = parts.ctx;
    this.#owned = parts.owned;
    this.#bytes = parts.bytes;
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
    const ctx = this.#ctx;
    const m = this.#model;
    return tf.tidy(() => {
      switch (m.config.kind) {
        case "vit":
          if (batch.kind !== "image") throw new UsageError("a ViT takes image batches");
          return (m as Extract<AnyModel, { config: { kind: "vit" } }>).logits(batch, ctx);
        case "encoder":
          if (batch.kind !== "classify") {
            throw new UsageError("an encoder takes classification batches");
          }
          return (m as Extract<AnyModel, { config: { kind: "encoder" } }>).classify(batch, ctx, {
            preActivation: options.probe ?? false,
          });
        case "lm":
          if (batch.kind !== "lm") throw new UsageError("a language model takes LM batches");
          return (m as Extract<AnyModel, { config: { kind: "lm" } }>).logits(batch, ctx);
        default: {
          if (batch.kind !== "translate") {
            throw new UsageError("a translator takes translation batches");
          }
          const t = m as Extract<AnyModel, { config: { kind: "translator" } }>;
          if (options.teacherForcing) return t.logits(batch, ctx);
          const b = batch.srcShape[0];
          return t.logits({
            src: batch.src,
            srcShape: batch.srcShape,
            tgtIn: new Int32Array(b).fill(t.config.bosId),
            tgtShape: [b, 1],
          }, ctx);
        }
      }
    });
  }

  /** Bytes of every tensor the forward reads: weights (folded where folded) and norm constants. */
  weightBytes(): number {
    return this.#bytes;
  }

  /** Frees the tensors this inference model created (folded weights, norm constants). */
  dispose(): void {
    tf.dispose(this.#owned);
  }
}

/**
 * Prepares a model of the zoo (any kind and placement) for inference under a norm treatment.
 * With `fold`, each norm's inference map `statistic(x)·a + b` is folded into the dense layers
 * that consume its output alone (`W' = diag(a)·W`, `c' = b·W + c`; see `normSlots` for which)
 * and only the per-token statistic, if any, stays an op; a norm whose output is also the
 * residual stream (Post-norm, a Peri-norm output norm) or feeds a tied embedding keeps its
 * affine map as an op. A Pre-RMSNorm model's centring writers (`centered: true`) run with their
 * weights centred once (see `bakeCentering`), not at every call. The model's weights are shared,
 * not copied; folded consumers and baked writers get new tensors that `dispose()` frees. Norms come from `options.norms` by slot path, else the model's
 * own.
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
  const { treatment, tracer } = options;
  const owned: tf.Tensor[] = [];
  const overrides = new Map<object, InferenceLinear>();
  const ops = new Map<Norm, NormOp>();
  const slots = normSlots(model);
  try {
    for (const slot of slots) {
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
      ops.set(slot.norm, tracer ? tracer.wrap(op) : op);
    }
    // A Pre-RMSNorm model's writers centre their weights in every forward (for training);
    // inference uses them centred once.
    for (const writer of centeredWriters(model)) {
      if (overrides.has(writer)) continue;
      const baked = bakeCentering(writer);
      owned.push(baked.kernel, ...(baked.bias ? [baked.bias] : []));
      overrides.set(writer, baked);
    }
  } catch (err) {
    tf.dispose(owned);
    throw err;
  }
  const ctx: ForwardContext = {
    training: false,
    plan: { norm: (n) => ops.get(n), linear: (d) => overrides.get(d) },
  };
  return new InferenceModel(model, treatment, {
    ctx,
    owned,
    bytes: readBytes(model, slots, owned, overrides),
  });
}

/**
 * Bytes the forward reads: the model's weights (the norms' own and the MLM head's excepted),
 * with folded layers' new weights in place of their originals, plus the norm constants.
 */
function readBytes(
  model: AnyModel,
  slots: { norm: Norm }[],
  owned: tf.Tensor[],
  overrides: Map<object, InferenceLinear>,
): number {
  const normVars = new Set<tf.Tensor>(slots.flatMap((s) => Object.values(s.norm.variables())));
  const replaced = new Set<tf.Tensor>();
  for (const d of overrides.keys()) {
    const dense = d as Dense;
    replaced.add(dense.kernel);
    if (dense.bias) replaced.add(dense.bias);
  }
  let bytes = 0;
  for (const [path, v] of Object.entries(model.variables())) {
    if (path.startsWith("mlm/") || normVars.has(v) || replaced.has(v)) continue;
    bytes += v.size * 4;
  }
  for (const t of owned) bytes += t.size * 4;
  return bytes;
}

/** Folds `norm` into each consumer (new weights in `overrides`); returns what stays an op. */
function foldInto(
  norm: Norm,
  consumers: Dense[],
  overrides: Map<object, InferenceLinear>,
  owned: tf.Tensor[],
): NormOp {
  let statistic: NormOp | null = null;
  for (const d of consumers) {
    const split = norm.inferenceSplit();
    if (!split) return (x) => x; // `none`: nothing to fold
    tf.dispose([split.scale, split.shift]);
    const kernel = d.weight();
    const bias = d.biasValue();
    const folded = foldNorm(norm, { kernel, bias: bias ?? undefined });
    if (kernel !== d.kernel) kernel.dispose();
    if (bias && bias !== d.bias) bias.dispose();
    owned.push(folded.kernel, folded.bias);
    overrides.set(d, { kernel: folded.kernel, bias: folded.bias, activation: d.activation });
    statistic = folded.statistic;
  }
  return statistic ?? ((x) => x);
}
