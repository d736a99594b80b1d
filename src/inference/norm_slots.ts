/**
 * Where a model's norms sit and which dense layers consume their output — what folding a whole
 * model needs to know — and sets of norms that can stand in for a model's own. Every placement
 * has slots; only a norm whose output feeds linear layers alone can fold into them.
 *
 * @module
 */
import { UsageError } from "../util/errors.ts";
import type { Dense } from "../nn/dense.ts";
import type { TransformerStack } from "../nn/stack.ts";
import { resolveNorm } from "../norms/registry.ts";
import type { Norm } from "../norms/types.ts";
import type { AnyModel } from "../models/presets.ts";
import { hashSeed } from "../util/random.ts";
import { type NormStateDraw, randomizeNormState } from "./norm_state.ts";

/** A norm of a model, by path, with the dense layers its output feeds. */
export interface NormSlot {
  /** Stable path, e.g. `encoder/layers/0/attn_norm`. */
  path: string;
  /** The model's own norm there. */
  norm: Norm;
  /**
   * The dense layers that read this norm's output and nothing else: a Pre-norm (or Peri-norm
   * input) attention norm feeds `attn.qkv` (cross-attention: `cross.q`), an FFN norm `ffn.fc1`;
   * a final norm feeds the head (ViT: `head`; encoder: `pooler` for `cls` pooling, else
   * `classifier`, since mean pooling commutes with a per-channel affine map; an untied LM head);
   * a translator's encoder final norm feeds every decoder block's `cross.kv`, its decoder final
   * norm an untied output projection (a Pre-CRMSNorm translator's `head`). Empty where the
   * output is also the residual stream (every Post-norm norm, a Peri-norm output norm), feeds a
   * tied embedding or is scaled first (LayerNorm Scaling): folding keeps the norm's affine map as
   * an op there.
   */
  consumers: Dense[];
}

/** The kinds of model the inference engine runs: every model of the zoo. */
export type InferenceModelKind = "vit" | "encoder" | "translator" | "lm";

/**
 * The model's kind when inference plans cover it: every Transformer of the zoo, in every
 * placement; the CNN is a {@linkcode UsageError} (its norms are timed through training only).
 *
 * @example
 * ```ts
 * import { checkFoldable, createModel } from "@normbench/normbench";
 * console.assert(checkFoldable(createModel({ model: "vit", preset: "tiny", norm: "un" })) === "vit");
 * ```
 */
export function checkFoldable(model: AnyModel): InferenceModelKind {
  const kind = model.config.kind;
  if (kind === "cnn") {
    throw new UsageError(
      "inference plans (fused, folded and affine norms) cover the Transformers, not the cnn",
      "time a vit, encoder, translator or lm",
    );
  }
  return kind;
}

function stackSlots(stack: TransformerStack, prefix: string, final: Dense[]): NormSlot[] {
  const slots: NormSlot[] = [];
  stack.blocks.forEach((b, i) => {
    const at = `${prefix}/layers/${i}`;
    // Pre and Peri input norms feed their sublayer's first linear layer only. Under LayerNorm
    // Scaling a factor sits between the norm and that layer: its affine map stays an op.
    const feeds = b.placement !== "post" && b.normScale === 1;
    slots.push({
      path: `${at}/attn_norm`,
      norm: b.attnNorm,
      consumers: feeds ? [b.attn.qkv!] : [],
    });
    if (b.attnOutNorm) {
      slots.push({ path: `${at}/attn_out_norm`, norm: b.attnOutNorm, consumers: [] });
    }
    if (b.cross) {
      slots.push({
        path: `${at}/cross_norm`,
        norm: b.crossNorm!,
        consumers: feeds ? [b.cross.q!] : [],
      });
      if (b.crossOutNorm) {
        slots.push({ path: `${at}/cross_out_norm`, norm: b.crossOutNorm, consumers: [] });
      }
    }
    slots.push({ path: `${at}/ffn_norm`, norm: b.ffnNorm, consumers: feeds ? [b.ffn.fc1] : [] });
    if (b.ffnOutNorm) slots.push({ path: `${at}/ffn_out_norm`, norm: b.ffnOutNorm, consumers: [] });
  });
  if (stack.finalNorm) {
    slots.push({ path: `${prefix}/final_norm`, norm: stack.finalNorm, consumers: final });
  }
  return slots;
}

/**
 * Every norm slot of a model with the dense layers its output feeds (see {@linkcode NormSlot}),
 * in forward order; the encoder's MLM head, unused at inference, is not a slot.
 *
 * @example
 * ```ts
 * import { createModel, normSlots } from "@normbench/normbench";
 * const vit = createModel({ model: "vit", preset: "tiny", norm: "un" });
 * console.assert(normSlots(vit).length === 2 * 2 + 1);
 * const peri = createModel({ model: "vit", preset: "tiny", norm: "ln", placement: "peri" });
 * console.assert(normSlots(peri).filter((s) => s.consumers.length === 0).length === 2 * 2);
 * ```
 */
export function normSlots(model: AnyModel): NormSlot[] {
  switch (checkFoldable(model)) {
    case "vit": {
      const m = model as Extract<AnyModel, { config: { kind: "vit" } }>;
      return stackSlots(m.stack, "stack", [m.head]);
    }
    case "encoder": {
      const m = model as Extract<AnyModel, { config: { kind: "encoder" } }>;
      const head = m.config.pooling === "cls" ? m.pooler : m.classifier;
      return stackSlots(m.stack, "stack", [head]);
    }
    case "lm": {
      const m = model as Extract<AnyModel, { config: { kind: "lm" } }>;
      return stackSlots(m.stack, "stack", m.head ? [m.head] : []);
    }
    default: {
      const m = model as Extract<AnyModel, { config: { kind: "translator" } }>;
      const kv = m.decoder.blocks.map((b) => b.cross!.kv!);
      return [
        ...stackSlots(m.encoder, "encoder", kv),
        ...stackSlots(m.decoder, "decoder", m.head ? [m.head] : []),
      ];
    }
  }
}

function stackHeads(model: AnyModel): number {
  const config = model.config;
  return config.kind === "cnn" ? 1 : config.heads;
}

/**
 * A norm of `name` for every slot of `model` (same widths; PowerNorm's groups = heads), with
 * random inference state drawn from `seed` and the slot's path (see `randomizeNormState`; `draw`
 * picks all such variables or the trainable ones): the norms of one model, without building the
 * model again. Dispose them with {@linkcode disposeNorms}.
 *
 * @example
 * ```ts
 * import { createModel, createNormSet, disposeNorms } from "@normbench/normbench";
 * const vit = createModel({ model: "vit", preset: "tiny", norm: "none" });
 * const norms = createNormSet(vit, "un", {}, 1);
 * console.assert(norms.size === 5 && norms.get("stack/final_norm")!.name === "un");
 * disposeNorms(norms);
 * ```
 */
export function createNormSet(
  model: AnyModel,
  name: string,
  options: Record<string, unknown>,
  seed: number,
  draw: NormStateDraw = "all",
): Map<string, Norm> {
  const factory = resolveNorm(name, options, { heads: stackHeads(model) });
  const set = new Map<string, Norm>();
  for (const slot of normSlots(model)) {
    const norm = factory.create(slot.norm.channels);
    randomizeNormState(norm, hashSeed(seed, slot.path), draw);
    set.set(slot.path, norm);
  }
  return set;
}

/**
 * Disposes every norm of a set made by {@linkcode createNormSet}.
 *
 * @example
 * ```ts
 * import { createModel, createNormSet, disposeNorms } from "@normbench/normbench";
 * const vit = createModel({ model: "vit", preset: "tiny", norm: "none" });
 * disposeNorms(createNormSet(vit, "ln", {}, 0));
 * ```
 */
export function disposeNorms(norms: ReadonlyMap<string, Norm>): void {
  for (const norm of norms.values()) norm.dispose();
}
