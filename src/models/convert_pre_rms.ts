/**
 * Exact conversions of a Pre-LN Transformer into a Pre-RMSNorm and into a Pre-CRMSNorm one
 * (Jiang et al. 2023, "Pre-RMSNorm and Pre-CRMSNorm Transformers: Equivalent and Efficient
 * Pre-LN Transformers"), for every Transformer of the zoo (vit, encoder, translator, lm). Each
 * returns a new model; the original is left as it was.
 *
 * **Why it is exact.** In a Pre-LN model every reader of the residual stream r is a LayerNorm:
 * the blocks' input norms, the final norm, and through the final norm everything else (the ViT's
 * class-token head, the encoder's pooling, the translator's memory, the LM head). LayerNorm
 * ignores the mean over the d channels, LN(r) = LN(r − mean(r)), so the stream may be replaced
 * by its centered version P·r (P = I − 11ᵀ/d) without changing any output. Each writer adds to
 * the stream, and P is linear, so P·r is what the stream becomes when every writer is centered:
 *
 * - the embedding sum (token rows ×√d + positions; the ViT's patch embedding, class token and
 *   positions) is centered per token. It is centered in the forward (`centered`), not in the
 *   stored tables: the LM's and the translator's tied output projections read the raw table, and
 *   the translator's sinusoidal table is fixed — one mean subtraction per token keeps both exact
 *   without untying anything;
 * - the attention output projection and the second FFN linear are centered over their output
 *   units: kernel columns and bias minus their mean, W − W·11ᵀ/d.
 *
 * On a zero-mean vector the variance is the mean square, so LN(x) = γ⊙x/√(mean(x²)+ε) + β =
 * RMSNorm(x) with the same γ, β and ε (normbench's `rms` with option `bias: true` keeps β).
 *
 * **Training like the LN model.** A Pre-LN model's loss depends on each writer only through its
 * centered value, so its gradients are already projected. The converted model keeps the writers
 * centered under training by using them so (`centered: true`: `Dense`'s `centerOutputs` and the
 * embedding sum centered in the forward): its loss is the LN model's loss as a function of the
 * same parameters, the gradients are equal, and AdamW steps (decoupled weight decay and global
 * clipping included) follow the LN model's losses up to float error.
 *
 * **Pre-CRMSNorm.** A zero-mean d-vector is held by its first d−1 coordinates (the last is −Σ of
 * the others): the stream becomes d−1 wide (`compressed: true`). Writers keep the first d−1
 * outputs of their centered kernel and bias; the embedding sum is centered and its last channel
 * dropped. `crms` computes z = x/√((Σx² + (Σx)²)/d + ε), the first d−1 coordinates of the full
 * normalized vector; its own w = 1, b = 0, and the LN's affine map (times LayerNorm Scaling's
 * factor s, if any) folds into every linear layer that reads the norm, with z_d = −Σ_{i<d} z_i:
 *
 *     (s(γ⊙z + β))·W + c = Σ_{i<d} z_i·s(γ_i W_i − γ_d W_d) + (sβ·W + c)
 *
 * (W_i the i-th row of the d-row kernel). The readers are `attn.qkv` (self-attention), `cross.q`
 * (cross-attention), `ffn.fc1`; the final norm's are the ViT head, the encoder's pooler, mean-
 * pooling classifier and MLM transform, the translator decoders' `cross.kv` (the encoder memory)
 * and the output projection, the LM head. The tied output projections (translator, tied LM)
 * become an untied head `[d−1, vocab]` with a bias (β·Eᵀ), the rest keeps its widths: the heads
 * and attention inner width stay d. The encoder's MLM head norm reads a GELU output, not the
 * stream: it stays LayerNorm (`mlmNorm: "ln"`) in both conversions.
 *
 * @module
 */
import * as tf from "../tf.ts";
import { LayerNorm } from "../norms/layer_norm.ts";
import type { Norm } from "../norms/types.ts";
import type { Dense } from "../nn/dense.ts";
import type { TransformerStack } from "../nn/stack.ts";
import { centerChannels } from "../nn/zero_mean.ts";
import { UsageError } from "../util/errors.ts";
import { type AnyModel, buildModel, type ModelConfigs } from "./presets.ts";
import type { ModelKind } from "./types.ts";
import type { Encoder } from "./encoder.ts";
import type { LanguageModel } from "./lm.ts";
import type { Translator } from "./translator.ts";
import type { VisionTransformer } from "./vit.ts";

/** The models the converters take: the zoo's Transformers. */
type TransformerModel = Exclude<AnyModel, { config: { kind: "cnn" } }>;

/**
 * A Pre-LN model converted to Pre-RMSNorm: a new model whose outputs equal `model`'s (within
 * float error) and which trains like it (see the module doc). Norm `rms` with `bias: true`,
 * `centered: true`; writers stored centered; every other weight copied.
 *
 * @example
 * ```ts
 * import { convertPreLnToPreRms, createModel } from "@normbench/normbench";
 * const lm = createModel({ model: "lm", preset: "tiny", norm: "ln" });
 * const rms = convertPreLnToPreRms(lm);
 * const batch = { kind: "lm" as const, tokens: new Int32Array([3, 4, 5, 6]), shape: [1, 4] as [number, number] };
 * const [a, b] = [lm.logits(batch).dataSync(), rms.logits(batch).dataSync()];
 * console.assert(rms.config.norm === "rms" && Math.abs(a[0] - b[0]) < 1e-4);
 * ```
 */
export function convertPreLnToPreRms<M extends AnyModel>(model: M): M {
  const source = checkPreLn(model, "convertPreLnToPreRms");
  const config = {
    ...withoutKeys(source.config, ["decoderNorm"]),
    norm: "rms",
    normOptions: { ...source.config.normOptions, bias: true },
    centered: true,
    ...targetNorms(source),
  } as unknown as ModelConfigs[ModelKind];
  const target = buildModel(config) as TransformerModel;
  const oldVars = source.variables();
  for (const [path, v] of Object.entries(target.variables())) v.assign(oldVars[path]);
  for (const [from, to] of writerPairs(source, target)) {
    const [kernel, bias] = [centerChannels(from.kernel), centerChannels(from.bias!)];
    to.kernel.assign(kernel);
    to.bias!.assign(bias);
    tf.dispose([kernel, bias]); // the variables keep the values; these handles are spare
  }
  return target as M;
}

/**
 * A Pre-LN model converted to Pre-CRMSNorm: a new model whose residual stream is d−1 wide
 * (`compressed: true`, norm `crms` with w = 1, b = 0) and whose outputs equal `model`'s within
 * float error (see the module doc for the fold).
 *
 * @example
 * ```ts
 * import { convertPreLnToPreCrms, createModel } from "@normbench/normbench";
 * const vit = createModel({ model: "vit", preset: "tiny", norm: "ln" });
 * const crms = convertPreLnToPreCrms(vit);
 * console.assert(crms.stack.finalNorm!.channels === vit.config.dim - 1);
 * ```
 */
export function convertPreLnToPreCrms<M extends AnyModel>(model: M): M {
  const source = checkPreLn(model, "convertPreLnToPreCrms");
  const config = {
    ...withoutKeys(source.config, ["decoderNorm", "centered", "lnScaling"]),
    norm: "crms",
    normOptions: { ...source.config.normOptions },
    compressed: true,
    ...(source.config.kind === "lm" ? { tieEmbeddings: false } : {}),
    ...targetNorms(source),
  } as unknown as ModelConfigs[ModelKind];
  const target = buildModel(config) as TransformerModel;
  const done = new Set<tf.Variable>();
  const set = (v: tf.Variable, value: tf.Tensor) => {
    v.assign(value);
    value.dispose();
    done.add(v);
  };
  for (const [from, to] of writerPairs(source, target)) {
    const d = from.outDim;
    set(to.kernel, tf.tidy(() => tf.slice(centerChannels(from.kernel), [0, 0], [-1, d - 1])));
    set(to.bias!, tf.tidy(() => tf.slice(centerChannels(from.bias!), [0], [d - 1])));
  }
  for (const fold of readerFolds(source, target)) {
    const folded = foldIntoReader(fold);
    set(fold.to.kernel, folded.kernel);
    set(fold.to.bias!, folded.bias);
    if (fold.owned) fold.kernel.dispose();
  }
  // crms keeps no affine map of its own: w = 1, b = 0 (the LN's γ, β went into the readers).
  for (const [, stack] of stackPairs(source, target)) {
    for (const norm of stack.norms()) {
      for (const [name, v] of Object.entries(norm.variables())) {
        set(v, name === "weight" ? tf.onesLike(v) : tf.zerosLike(v));
      }
    }
  }
  const oldVars = source.variables();
  for (const [path, v] of Object.entries(target.variables())) {
    if (!done.has(v)) v.assign(oldVars[path]);
  }
  return target as M;
}

/** Throws a {@linkcode UsageError} naming the fix unless `model` is a Pre-LN Transformer. */
function checkPreLn(model: AnyModel, fn: string): TransformerModel {
  const c = model.config;
  if (c.kind === "cnn") {
    throw new UsageError(
      `${fn} converts Pre-LN Transformers, not the cnn`,
      "convert a vit, encoder, translator or lm built with norm ln and placement pre",
    );
  }
  const decoderNorm = c.kind === "translator" ? c.decoderNorm ?? c.norm : c.norm;
  if (c.norm !== "ln" || decoderNorm !== "ln") {
    throw new UsageError(
      `${fn} needs a Pre-LN model, got norm '${c.norm}'${
        decoderNorm !== c.norm ? ` (decoder '${decoderNorm}')` : ""
      }`,
      "build (and train) the model with norm ln — the conversion is exact for LayerNorm only",
    );
  }
  if (c.placement !== "pre") {
    throw new UsageError(
      `${fn} needs a Pre-LN model, got placement '${c.placement}'`,
      "use placement pre: only there does every reader of the residual stream go through a norm",
    );
  }
  if (c.sigmaReparam) {
    throw new UsageError(
      `${fn} does not convert σReparam models`,
      "build the model without sigmaReparam: its writers rescale every step",
    );
  }
  return model as TransformerModel;
}

/** The norm a converted model keeps off the residual stream: the encoder's MLM head norm. */
function targetNorms(source: TransformerModel): Record<string, unknown> {
  return source.config.kind === "encoder" ? { mlmNorm: source.config.mlmNorm ?? "ln" } : {};
}

/** A copy of a config without `keys` (the converted model's norm settings replace them). */
function withoutKeys(config: object, keys: string[]): Record<string, unknown> {
  const copy: Record<string, unknown> = { ...config };
  for (const key of keys) delete copy[key];
  return copy;
}

/** Every stack of a model with its twin in the converted model. */
function stackPairs(
  a: TransformerModel,
  b: TransformerModel,
): [TransformerStack, TransformerStack][] {
  if (a.config.kind === "translator") {
    const [s, t] = [a as Translator, b as Translator];
    return [[s.encoder, t.encoder], [s.decoder, t.decoder]];
  }
  const [s, t] = [
    a as Exclude<TransformerModel, Translator>,
    b as Exclude<TransformerModel, Translator>,
  ];
  return [[s.stack, t.stack]];
}

/** The writers of the residual stream (attention outputs, second FFN linears), paired. */
function writerPairs(a: TransformerModel, b: TransformerModel): [Dense, Dense][] {
  return stackPairs(a, b).flatMap(([s, t]) =>
    s.blocks.flatMap((block, i) => {
      const twin = t.blocks[i];
      const pairs: [Dense, Dense][] = [[block.attn.out, twin.attn.out], [
        block.ffn.fc2,
        twin.ffn.fc2,
      ]];
      if (block.cross) pairs.push([block.cross.out, twin.cross!.out]);
      return pairs;
    })
  );
}

/** A linear layer reading a LayerNorm's output, with what the Pre-CRMSNorm fold needs. */
interface ReaderFold {
  /** The LayerNorm (its γ, β). */
  norm: Norm;
  /** LayerNorm Scaling's factor on the norm's output (1 when off). */
  scale: number;
  /** The reader's kernel `[d, out]` in the LN model. */
  kernel: tf.Tensor;
  /** The reader's bias `[out]` in the LN model, or null (a tied or bias-free head). */
  bias: tf.Tensor | null;
  /** The converted reader (`[d−1, out]` with a bias). */
  to: Dense;
  /** Whether `kernel` is a new tensor (a transposed tied table) to dispose after the fold. */
  owned?: boolean;
}

/** A reader fold from a dense layer of the LN model. */
function denseFold(norm: Norm, scale: number, from: Dense, to: Dense): ReaderFold {
  return { norm, scale, kernel: from.kernel, bias: from.bias, to };
}

/** Every linear layer reading a norm's output, per model kind (see the module doc). */
function readerFolds(a: TransformerModel, b: TransformerModel): ReaderFold[] {
  const folds: ReaderFold[] = stackPairs(a, b).flatMap(([s, t]) =>
    s.blocks.flatMap((block, i) => {
      const twin = t.blocks[i];
      const k = block.normScale;
      const out = [
        denseFold(block.attnNorm, k, block.attn.qkv!, twin.attn.qkv!),
        denseFold(block.ffnNorm, k, block.ffn.fc1, twin.ffn.fc1),
      ];
      if (block.cross) out.push(denseFold(block.crossNorm!, k, block.cross.q!, twin.cross!.q!));
      return out;
    })
  );
  switch (a.config.kind) {
    case "vit": {
      const [s, t] = [a as VisionTransformer, b as VisionTransformer];
      folds.push(denseFold(s.stack.finalNorm!, 1, s.head, t.head));
      break;
    }
    case "encoder": {
      const [s, t] = [a as Encoder, b as Encoder];
      const final = s.stack.finalNorm!;
      folds.push(
        denseFold(final, 1, s.pooler, t.pooler),
        denseFold(final, 1, s.mlmDense, t.mlmDense),
      );
      if (s.config.pooling === "mean") folds.push(denseFold(final, 1, s.classifier, t.classifier));
      break;
    }
    case "lm": {
      const [s, t] = [a as LanguageModel, b as LanguageModel];
      const kernel = s.head ? s.head.kernel : tf.transpose(s.embed.weight);
      folds.push({
        norm: s.stack.finalNorm!,
        scale: 1,
        kernel,
        bias: null,
        to: t.head!,
        owned: !s.head,
      });
      break;
    }
    case "translator": {
      const [s, t] = [a as Translator, b as Translator];
      s.decoder.blocks.forEach((block, i) => {
        folds.push(
          denseFold(s.encoder.finalNorm!, 1, block.cross!.kv!, t.decoder.blocks[i].cross!.kv!),
        );
      });
      const kernel = tf.transpose(s.embed.weight);
      folds.push({
        norm: s.decoder.finalNorm!,
        scale: 1,
        kernel,
        bias: null,
        to: t.head!,
        owned: true,
      });
      break;
    }
  }
  return folds;
}

/**
 * The Pre-CRMSNorm fold of a LayerNorm's affine map into its reader:
 * W′_i = s(γ_i W_i − γ_d W_d) for i < d, c′ = sβ·W + c.
 */
function foldIntoReader(fold: ReaderFold): { kernel: tf.Tensor; bias: tf.Tensor } {
  if (!(fold.norm instanceof LayerNorm)) throw new Error("a Pre-LN model's norm is a LayerNorm");
  const norm = fold.norm;
  return tf.tidy(() => {
    const d = fold.kernel.shape[0] as number;
    const gamma = tf.mul(norm.weight, fold.scale);
    const beta = tf.mul(norm.bias, fold.scale);
    const scaled = tf.mul(fold.kernel, tf.expandDims(gamma, 1));
    const kept = tf.slice(scaled, [0, 0], [d - 1, -1]);
    const last = tf.slice(scaled, [d - 1, 0], [1, -1]);
    // β·W as a column sum: a fresh rank-1 tensor (a squeezed product would keep the rank-3
    // buffer of tfjs's batched matMul, which the wasm fused product refuses as a bias)
    const shift = tf.sum(tf.mul(fold.kernel, tf.expandDims(beta, 1)), 0);
    return {
      kernel: tf.sub(kept, last),
      bias: fold.bias ? tf.add(shift, fold.bias) : shift,
    };
  });
}
