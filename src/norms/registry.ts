/**
 * The norm registry: every norm is created by name through {@linkcode createNorm}.
 *
 * @module
 */
import type { NormBase, NormConstruction } from "./base.ts";
import { BATCH_NORM_OPTIONS, BatchNorm } from "./batch_norm.ts";
import { DynamicTanh, DYT_OPTIONS } from "./dyt.ts";
import { Identity, IDENTITY_OPTIONS } from "./identity.ts";
import { LAYER_NORM_OPTIONS, LayerNorm } from "./layer_norm.ts";
import { type OptionSpecs, type ResolvedOptions, resolveOptions } from "./options.ts";
import { POWER_NORM_OPTIONS, PowerNorm } from "./power_norm.ts";
import { REP_BN_OPTIONS, RepBatchNorm } from "./rep_bn.ts";
import { RMS_NORM_OPTIONS, RmsNorm } from "./rms_norm.ts";
import type { Norm, NormName } from "./types.ts";
import { UNIFIED_NORM_OPTIONS, UnifiedNorm } from "./unified_norm.ts";
import { UsageError } from "../util/errors.ts";

/** A registry entry: what a norm is, its options and how to build it. */
export interface NormEntry {
  /** One line: the method and its source. */
  title: string;
  /** Its options with defaults and rules. */
  options: OptionSpecs;
  /** Builds the norm from resolved options. */
  build: (channels: number, options: ResolvedOptions, construction?: NormConstruction) => NormBase;
  /** How much of it folds into the next linear layer at inference. */
  folds: "full" | "partial" | "nothing";
}

const ENTRIES: Record<NormName, NormEntry> = {
  ln: {
    title: "LayerNorm (Ba et al. 2016)",
    options: LAYER_NORM_OPTIONS,
    build: (c, o, k) => new LayerNorm(c, o, k),
    folds: "partial",
  },
  rms: {
    title: "RMSNorm (Zhang & Sennrich 2019)",
    options: RMS_NORM_OPTIONS,
    build: (c, o, k) => new RmsNorm(c, o, k),
    folds: "partial",
  },
  bn: {
    title: "BatchNorm over tokens (naive BN of the PowerNorm paper)",
    options: BATCH_NORM_OPTIONS,
    build: (c, o, k) => new BatchNorm(c, o, k),
    folds: "full",
  },
  pn: {
    title: "PowerNorm (Shen et al. 2020)",
    options: POWER_NORM_OPTIONS,
    build: (c, o, k) => new PowerNorm(c, o, k),
    folds: "partial",
  },
  un: {
    title: "Unified Normalization (Yang et al. 2022)",
    options: UNIFIED_NORM_OPTIONS,
    build: (c, o, k) => new UnifiedNorm(c, o, k),
    folds: "full",
  },
  dyt: {
    title: "Dynamic Tanh (Zhu et al. 2025)",
    options: DYT_OPTIONS,
    build: (c, o, k) => new DynamicTanh(c, o, k),
    folds: "partial",
  },
  repbn: {
    title: "Progressive re-parameterised BatchNorm (SLAB, Guo et al. 2024)",
    options: REP_BN_OPTIONS,
    build: (c, o, k) => new RepBatchNorm(c, o, k),
    folds: "full",
  },
  none: {
    title: "identity (no normalization)",
    options: IDENTITY_OPTIONS,
    build: (c, o, k) => new Identity(c, o, k),
    folds: "nothing",
  },
};

/**
 * Every norm name, in the order reports list them.
 *
 * @example
 * ```ts
 * import { NORM_NAMES } from "@normbench/normbench";
 * console.assert(NORM_NAMES.includes("un") && NORM_NAMES.length === 8);
 * ```
 */
export const NORM_NAMES: readonly NormName[] = Object.keys(ENTRIES) as NormName[];

/** Options of {@linkcode createNorm}: the norm's own options plus construction options. */
export type CreateNormOptions = Readonly<Record<string, unknown>> & NormConstruction;

/**
 * Throws a {@linkcode UsageError} listing the valid names unless `name` is a registered norm.
 *
 * @example
 * ```ts
 * import { parseNormName } from "@normbench/normbench";
 * console.assert(parseNormName("un") === "un");
 * ```
 */
export function parseNormName(name: string): NormName {
  if (Object.hasOwn(ENTRIES, name)) return name as NormName;
  throw new UsageError(`unknown norm '${name}'`, `use one of: ${NORM_NAMES.join(", ")}`);
}

/**
 * The registry entry of a norm: title, options (with defaults) and foldability.
 *
 * @example
 * ```ts
 * import { normEntry } from "@normbench/normbench";
 * console.assert(normEntry("un").options.window.default === 4);
 * ```
 */
export function normEntry(name: string): NormEntry {
  return ENTRIES[parseNormName(name)];
}

/**
 * Creates a norm by name — the one way models get their norms. `options` holds the norm's own
 * options (see {@linkcode normEntry}); unknown names, unknown options and invalid values throw
 * a {@linkcode UsageError} that lists what is valid. `variableFactory` and `name` control how
 * the variables are created and named.
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs-core";
 * import { createNorm } from "@normbench/normbench";
 * const norm = createNorm("un", 64, { window: 4, warmup: 100, outlierFiltration: true });
 * const y = norm.apply(tf.randomNormal([8, 16, 64]), { training: true });
 * console.assert(y.shape[2] === 64);
 * ```
 */
export function createNorm(name: string, channels: number, options: CreateNormOptions = {}): Norm {
  const entry = normEntry(name);
  const { variableFactory, name: prefix, ...own } = options;
  const resolved = resolveOptions(name, entry.options, own);
  return entry.build(channels, resolved, { variableFactory, name: prefix });
}
