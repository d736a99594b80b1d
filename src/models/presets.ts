/**
 * Size presets of every model and {@linkcode createModel}, the one way to build a model from
 * plain data: a model kind, a preset, a norm (any name of the registry), its options and a
 * placement.
 *
 * - `tiny`: unit tests (a few thousand parameters).
 * - `small`: quick reproductions on real data (d 64, 4 layers or 3+3, 4 heads), sized so that a
 *   training update takes well under a second on the wasm backend of a 2-core machine (measured
 *   with `bench train`: ViT B=64 ~70 ms, encoder B=32×64 ~150 ms, translator B=32×32+32
 *   ~200 ms, LM B=32×64 with a 4000-word vocabulary ~330 ms).
 * - paper-shaped presets for inference timing: translator `iwslt` (fairseq
 *   `transformer_iwslt_de_en`), encoder `bert-base`, ViT `t2t-vit-14` (T2T-ViT-14's width, depth,
 *   heads and MLP ratio on 16×16 patches of a 224×224 image).
 *
 * @module
 */
import { BOS_ID, EOS_ID, PAD_ID } from "../util/special_tokens.ts";
import { type ModelPlacement, parsePlacement } from "../nn/block.ts";
import { Cnn, type CnnConfig } from "./cnn.ts";
import { Encoder, type EncoderConfig } from "./encoder.ts";
import { LanguageModel, type LmConfig } from "./lm.ts";
import { Translator, type TranslatorConfig } from "./translator.ts";
import type { ModelKind } from "./types.ts";
import { VisionTransformer, type VitConfig } from "./vit.ts";
import { UsageError } from "../util/errors.ts";

/**
 * Every model kind, in the order help texts list them.
 *
 * @example
 * ```ts
 * import { MODEL_KINDS } from "@normbench/normbench";
 * console.assert(MODEL_KINDS.includes("translator"));
 * ```
 */
export const MODEL_KINDS: readonly ModelKind[] = ["vit", "encoder", "translator", "lm", "cnn"];

/** The configuration type of each model kind. */
export interface ModelConfigs {
  /** BERT-like encoder. */
  encoder: EncoderConfig;
  /** Encoder–decoder translator. */
  translator: TranslatorConfig;
  /** Vision Transformer. */
  vit: VitConfig;
  /** Decoder-only language model. */
  lm: LmConfig;
  /** Pre-activation ResNet for small images. */
  cnn: CnnConfig;
}

/** The model class of each kind. */
export interface ModelClasses {
  /** BERT-like encoder. */
  encoder: Encoder;
  /** Encoder–decoder translator. */
  translator: Translator;
  /** Vision Transformer. */
  vit: VisionTransformer;
  /** Decoder-only language model. */
  lm: LanguageModel;
  /** Pre-activation ResNet for small images. */
  cnn: Cnn;
}

/** A preset: the configuration without the norm, its options, the placement and the seed. */
export type Preset<K extends ModelKind> = Omit<
  ModelConfigs[K],
  "norm" | "normOptions" | "placement" | "seed" | "kind"
>;

const common = { dropout: 0, attentionDropout: 0, maskNorms: false } as const;

/** The translator's special ids: those of `src/data`'s BPE vocabularies. */
const SPECIAL_IDS = { padId: PAD_ID, bosId: BOS_ID, eosId: EOS_ID } as const;

/**
 * The presets of each model kind.
 *
 * @example
 * ```ts
 * import { PRESETS } from "@normbench/normbench";
 * console.assert(PRESETS.encoder["bert-base"].dim === 768);
 * ```
 */
export const PRESETS: { [K in ModelKind]: Record<string, Preset<K>> } = {
  vit: {
    tiny: {
      imageSize: 8,
      channels: 1,
      patch: 4,
      classes: 4,
      dim: 16,
      layers: 2,
      heads: 2,
      ffnDim: 32,
      activation: "gelu",
      dropout: 0,
      attentionDropout: 0,
      positions: "sinusoidal",
      patchInit: "torch",
    },
    small: {
      imageSize: 28,
      channels: 1,
      patch: 7,
      classes: 10,
      dim: 64,
      layers: 4,
      heads: 4,
      ffnDim: 256,
      activation: "gelu",
      dropout: 0,
      attentionDropout: 0,
      positions: "sinusoidal",
      patchInit: "torch",
    },
    "t2t-vit-14": {
      imageSize: 224,
      channels: 3,
      patch: 16,
      classes: 1000,
      dim: 384,
      layers: 14,
      heads: 6,
      ffnDim: 1152,
      activation: "gelu",
      dropout: 0,
      attentionDropout: 0,
      positions: "sinusoidal",
      patchInit: "torch",
    },
  },
  encoder: {
    tiny: {
      ...common,
      vocab: 32,
      maxLen: 16,
      classes: 2,
      dim: 16,
      layers: 2,
      heads: 2,
      ffnDim: 32,
      activation: "gelu",
      padId: 0,
      pooling: "mean",
    },
    small: {
      ...common,
      vocab: 4000,
      maxLen: 64,
      classes: 2,
      dim: 64,
      layers: 4,
      heads: 4,
      ffnDim: 256,
      activation: "gelu",
      padId: 0,
      pooling: "mean",
    },
    "bert-base": {
      ...common,
      vocab: 30522,
      maxLen: 512,
      classes: 2,
      dim: 768,
      layers: 12,
      heads: 12,
      ffnDim: 3072,
      activation: "gelu",
      padId: 0,
      pooling: "cls",
    },
  },
  translator: {
    tiny: {
      ...common,
      vocab: 32,
      maxLen: 16,
      dim: 32,
      encoderLayers: 2,
      decoderLayers: 2,
      heads: 2,
      ffnDim: 64,
      activation: "relu",
      activationDropout: 0,
      ...SPECIAL_IDS,
    },
    small: {
      ...common,
      vocab: 4000,
      maxLen: 48,
      dim: 64,
      encoderLayers: 3,
      decoderLayers: 3,
      heads: 4,
      ffnDim: 128,
      activation: "relu",
      dropout: 0.1,
      activationDropout: 0,
      ...SPECIAL_IDS,
    },
    iwslt: {
      ...common,
      vocab: 10000,
      maxLen: 256,
      dim: 512,
      encoderLayers: 6,
      decoderLayers: 6,
      heads: 4,
      ffnDim: 1024,
      activation: "relu",
      dropout: 0.3,
      activationDropout: 0,
      ...SPECIAL_IDS,
    },
  },
  lm: {
    tiny: {
      ...common,
      vocab: 32,
      maxLen: 32,
      dim: 16,
      layers: 2,
      heads: 2,
      ffnDim: 32,
      activation: "gelu",
      padId: 0,
      tieEmbeddings: true,
    },
    small: {
      ...common,
      vocab: 4000,
      maxLen: 64,
      dim: 64,
      layers: 4,
      heads: 4,
      ffnDim: 256,
      activation: "gelu",
      padId: 0,
      tieEmbeddings: true,
    },
  },
  cnn: {
    tiny: { imageSize: 28, channels: 1, classes: 10, width: 8, blocks: 1 },
    small: { imageSize: 28, channels: 1, classes: 10, width: 16, blocks: 2 },
  },
};

/**
 * The Transformer stack's optional settings (Mix-LN's α, LayerNorm Scaling, σReparam, the
 * zero-mean and compressed residual streams of Pre-RMSNorm and Pre-CRMSNorm).
 */
const STACK_SETTINGS = {
  mixFraction: "number",
  lnScaling: "boolean",
  sigmaReparam: "boolean",
  centered: "boolean",
  compressed: "boolean",
} as const;
/**
 * Settings a model kind accepts as overrides although its presets leave them unset, with their
 * type.
 */
const OPTIONAL_SETTINGS: Partial<
  Record<ModelKind, Record<string, "string" | "number" | "boolean">>
> = {
  translator: { decoderNorm: "string", ...STACK_SETTINGS },
  encoder: { mlmNorm: "string", ...STACK_SETTINGS },
  vit: STACK_SETTINGS,
  lm: STACK_SETTINGS,
};

/** What {@linkcode createModel} takes: all plain data. */
export interface ModelSpec<K extends ModelKind = ModelKind> {
  /** The model kind. */
  model: K;
  /** A preset name of that kind (see {@linkcode PRESETS}). */
  preset: string;
  /** Registry name of the norm (`ln rms bn pn un dyt repbn none`). */
  norm: string;
  /** The norm's own options (PowerNorm's `groups` defaults to the head count). */
  normOptions?: Record<string, unknown>;
  /** Norm placement (default `pre`). */
  placement?: string;
  /** Whether pad masks reach the norms (default false, as in the UN authors' setup). */
  maskNorms?: boolean;
  /** Seed of the initial weights (default 0). */
  seed?: number;
  /** Changes to the preset (e.g. `{ vocab: 3000, dropout: 0.3 }`), checked by name and type. */
  overrides?: Record<string, unknown>;
}

/**
 * Throws a {@linkcode UsageError} listing the kinds unless `name` is a model kind.
 *
 * @example
 * ```ts
 * import { parseModelKind } from "@normbench/normbench";
 * console.assert(parseModelKind("vit") === "vit");
 * ```
 */
export function parseModelKind(name: string): ModelKind {
  if ((MODEL_KINDS as readonly string[]).includes(name)) return name as ModelKind;
  throw new UsageError(`unknown model '${name}'`, `use one of: ${MODEL_KINDS.join(", ")}`);
}

/**
 * The full configuration a spec resolves to (validated: unknown names and bad values throw a
 * {@linkcode UsageError} listing what is valid).
 *
 * @example
 * ```ts
 * import { resolveModelConfig } from "@normbench/normbench";
 * const c = resolveModelConfig({ model: "vit", preset: "small", norm: "un", placement: "mix" });
 * console.assert(c.dim === 64 && c.placement === "mix");
 * ```
 */
export function resolveModelConfig<K extends ModelKind>(spec: ModelSpec<K>): ModelConfigs[K] {
  const kind = parseModelKind(spec.model) as K;
  const presets = PRESETS[kind] as Record<string, Preset<K>>;
  const preset = Object.hasOwn(presets, spec.preset) ? presets[spec.preset] : undefined;
  if (!preset) {
    throw new UsageError(
      `unknown preset '${spec.preset}' for model '${kind}'`,
      `use one of: ${Object.keys(presets).join(", ")}`,
    );
  }
  const placement: ModelPlacement = parsePlacement(spec.placement ?? "pre");
  const config: Record<string, unknown> = {
    kind,
    ...structuredClone(preset),
    norm: spec.norm,
    normOptions: { ...(spec.normOptions ?? {}) },
    placement,
    seed: spec.seed ?? 0,
  };
  if ("maskNorms" in preset) config.maskNorms = spec.maskNorms ?? false;
  for (const [key, value] of Object.entries(spec.overrides ?? {})) {
    const optional = OPTIONAL_SETTINGS[kind]?.[key];
    if (optional && !Object.hasOwn(preset, key)) {
      const actual: string = typeof value;
      if (actual !== optional) {
        throw new UsageError(
          `setting '${key}' of model '${kind}' must be a ${optional}, got ${JSON.stringify(value)}`,
        );
      }
      config[key] = value;
      continue;
    }
    if (!Object.hasOwn(preset, key)) {
      throw new UsageError(
        `model '${kind}' has no setting '${key}'`,
        `its settings are: ${
          [...Object.keys(preset), ...Object.keys(OPTIONAL_SETTINGS[kind] ?? {})].join(", ")
        }`,
      );
    }
    const current = (preset as Record<string, unknown>)[key];
    if (typeof value !== typeof current || (typeof value === "number" && !Number.isFinite(value))) {
      throw new UsageError(
        `setting '${key}' of model '${kind}' must be a ${typeof current}, got ${
          JSON.stringify(value)
        }`,
      );
    }
    config[key] = value;
  }
  checkConfig(config);
  return config as unknown as ModelConfigs[K];
}

function checkConfig(c: Record<string, unknown>): void {
  const positiveInts = [
    "vocab",
    "maxLen",
    "classes",
    "dim",
    "layers",
    "heads",
    "ffnDim",
    "encoderLayers",
    "decoderLayers",
    "imageSize",
    "channels",
    "patch",
    "width",
    "blocks",
  ];
  for (const key of positiveInts) {
    const v = c[key];
    if (v !== undefined && (!Number.isInteger(v) || (v as number) < 1)) {
      throw new UsageError(`setting '${key}' must be a positive integer, got ${v}`);
    }
  }
  for (const key of ["dropout", "attentionDropout", "activationDropout"]) {
    const v = c[key];
    if (v !== undefined && (typeof v !== "number" || v < 0 || v >= 1)) {
      throw new UsageError(`setting '${key}' must be in [0, 1), got ${v}`);
    }
  }
  if (
    c.mixFraction !== undefined && ((c.mixFraction as number) < 0 || (c.mixFraction as number) > 1)
  ) {
    throw new UsageError(
      `setting 'mixFraction' must be in [0, 1], got ${c.mixFraction}`,
      "give Mix-LN's fraction of post-norm blocks, e.g. 0.25",
    );
  }
  checkResidualForm(c);
  if (c.heads !== undefined && (c.dim as number) % (c.heads as number) !== 0) {
    throw new UsageError(`heads (${c.heads}) must divide dim (${c.dim})`);
  }
  if (c.activation !== undefined && c.activation !== "relu" && c.activation !== "gelu") {
    throw new UsageError(`unknown activation '${c.activation}'`, "use relu or gelu");
  }
  if (c.patchInit !== undefined && c.patchInit !== "torch" && c.patchInit !== "truncated-normal") {
    throw new UsageError(`unknown patchInit '${c.patchInit}'`, "use torch or truncated-normal");
  }
  if (c.positions !== undefined && c.positions !== "learned" && c.positions !== "sinusoidal") {
    throw new UsageError(`unknown positions '${c.positions}'`, "use learned or sinusoidal");
  }
  if (c.pooling !== undefined && c.pooling !== "cls" && c.pooling !== "mean") {
    throw new UsageError(`unknown pooling '${c.pooling}'`, "use cls or mean");
  }
}

/** Throws a {@linkcode UsageError} unless `centered` and `compressed` fit the norm and placement. */
function checkResidualForm(c: Record<string, unknown>): void {
  for (const key of ["centered", "compressed"]) {
    if (c[key] && c.placement !== "pre") {
      throw new UsageError(
        `setting '${key}' needs placement 'pre', got '${c.placement}'`,
        "the zero-mean residual stream is Pre-norm's: use placement pre or drop the setting",
      );
    }
  }
  if (!c.compressed) return;
  const decoderNorm = c.decoderNorm ?? c.norm;
  if (c.norm !== "crms" || decoderNorm !== "crms") {
    throw new UsageError(
      `setting 'compressed' needs norm 'crms', got '${c.norm}'${
        decoderNorm !== c.norm ? ` (decoder '${decoderNorm}')` : ""
      }`,
      "only CRMSNorm reads the compressed d−1 channels: use norm crms or drop 'compressed'",
    );
  }
  if (c.tieEmbeddings === true) {
    throw new UsageError(
      "setting 'compressed' needs tieEmbeddings false",
      "the head reads the d−1 channels with the final norm's affine folded in: untie it",
    );
  }
  if ((c.dim as number) < 2) {
    throw new UsageError(
      `setting 'compressed' needs a width of at least 2, got ${c.dim}`,
      "widen the model",
    );
  }
}

/**
 * Builds a model from plain data: kind, preset, norm, norm options, placement, seed and
 * overrides. Models never special-case a norm name: any registry name works.
 *
 * @example
 * ```ts
 * import { createModel } from "@normbench/normbench";
 * const vit = createModel({ model: "vit", preset: "tiny", norm: "pn", placement: "peri" });
 * console.assert(vit.parameterCount() > 0);
 * vit.dispose();
 * ```
 */
export function createModel<K extends ModelKind>(spec: ModelSpec<K>): ModelClasses[K] {
  const config = resolveModelConfig(spec);
  return buildModel(config) as ModelClasses[K];
}

/**
 * Builds a model from a full configuration (as stored in checkpoints and results).
 *
 * @example
 * ```ts
 * import { buildModel, resolveModelConfig } from "@normbench/normbench";
 * const model = buildModel(resolveModelConfig({ model: "lm", preset: "tiny", norm: "ln" }));
 * console.assert(model.config.kind === "lm");
 * ```
 */
export function buildModel(config: ModelConfigs[ModelKind]): ModelClasses[ModelKind] {
  switch (config.kind) {
    case "vit":
      return new VisionTransformer(config);
    case "encoder":
      return new Encoder(config);
    case "translator":
      return new Translator(config);
    case "lm":
      return new LanguageModel(config);
    case "cnn":
      return new Cnn(config);
  }
}

/** Any model of the zoo. */
export type AnyModel = ModelClasses[ModelKind];
