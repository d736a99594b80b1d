/**
 * The norm registry: every norm is created by name through {@linkcode createNorm}.
 *
 * @module
 */
import type { NormConstruction } from "./base.ts";
import { BATCH_NORM } from "./batch_norm.ts";
import { BATCH_CHANNEL_NORM } from "./batch_channel_norm.ts";
import { CRMS_NORM } from "./crms_norm.ts";
import { DYT } from "./dyt.ts";
import type { ModelShape, NormEntry, RunLength } from "./entry.ts";
import { EVONORM_B0 } from "./evonorm_b0.ts";
import { EVONORM_S0 } from "./evonorm_s0.ts";
import { GROUP_NORM } from "./group_norm.ts";
import { IDENTITY } from "./identity.ts";
import { LAYER_NORM } from "./layer_norm.ts";
import { type ResolvedOptions, resolveOptions } from "./options.ts";
import { POWER_NORM } from "./power_norm.ts";
import { REP_BN } from "./rep_bn.ts";
import { RMS_NORM } from "./rms_norm.ts";
import type { Norm } from "./types.ts";
import { UNIFIED_NORM } from "./unified_norm.ts";
import { UsageError } from "../util/errors.ts";

// Adding a norm: one file that exports its class and its entry, and one line here.
const ENTRIES = {
  ln: LAYER_NORM,
  rms: RMS_NORM,
  crms: CRMS_NORM,
  bn: BATCH_NORM,
  pn: POWER_NORM,
  un: UNIFIED_NORM,
  dyt: DYT,
  repbn: REP_BN,
  gn: GROUP_NORM,
  "evonorm-b0": EVONORM_B0,
  "evonorm-s0": EVONORM_S0,
  bcn: BATCH_CHANNEL_NORM,
  none: IDENTITY,
} satisfies Record<string, NormEntry>;

/** The names of the norms in the zoo. */
export type NormName = keyof typeof ENTRIES;

/**
 * Every norm name, in the order reports list them.
 *
 * @example
 * ```ts
 * import { NORM_NAMES } from "@normbench/normbench";
 * console.assert(NORM_NAMES.includes("un") && NORM_NAMES.includes("ln"));
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
  if (Object.hasOwn(WEIGHT_OPTIONS, name)) {
    throw new UsageError(
      `'${name}' is a weight option, not a norm`,
      `it applies to the layers' weights: append it to a norm, e.g. gn+${name} or bcn+${name}`,
    );
  }
  throw new UsageError(`unknown norm '${name}'`, `use one of: ${NORM_NAMES.join(", ")}`);
}

/** The weight options a norm name may carry after a `+`, with what each means. */
const WEIGHT_OPTIONS = {
  ws: "Weight Standardization of every convolution and block linear layer (Qiao et al.)",
} as const;

/** A norm name as models take it: the norm and the options of the weights around it. */
export interface NormSpec {
  /** The norm of every slot. */
  norm: NormName;
  /** Weight Standardization (`+ws`) of the layers' weights. */
  weightStandardization: boolean;
}

/**
 * Parses a norm name with optional weight options, `norm[+ws]` (e.g. `gn+ws`). `ws` alone, an
 * unknown option or a repeated one is a {@linkcode UsageError} naming the fix.
 *
 * @example
 * ```ts
 * import { parseNormSpec } from "@normbench/normbench";
 * const spec = parseNormSpec("bcn+ws");
 * console.assert(spec.norm === "bcn" && spec.weightStandardization);
 * console.assert(!parseNormSpec("ln").weightStandardization);
 * ```
 */
export function parseNormSpec(name: string): NormSpec {
  const [head, ...options] = name.split("+");
  const norm = parseNormName(head);
  for (const [i, option] of options.entries()) {
    if (!Object.hasOwn(WEIGHT_OPTIONS, option)) {
      throw new UsageError(
        `unknown weight option '${option}' in norm '${name}'`,
        `the weight options are: ${Object.keys(WEIGHT_OPTIONS).join(", ")} (e.g. gn+ws)`,
      );
    }
    if (options.indexOf(option) !== i) {
      throw new UsageError(`weight option '${option}' repeated in norm '${name}'`, "give it once");
    }
  }
  return { norm, weightStandardization: options.includes("ws") };
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
  return ENTRIES[parseNormName(name)] as NormEntry;
}

/**
 * A norm resolved once from its name and options: what a model receives and calls for each of
 * its norm slots.
 */
export interface NormFactory {
  /** The registry name of the norm. */
  readonly name: NormName;
  /** Whether the model standardises the weights of its layers (`+ws`). */
  readonly weightStandardization: boolean;
  /** The registry entry (title, options, rules). */
  readonly entry: NormEntry;
  /** The norm's options with every default (model defaults included) filled in. */
  readonly options: Readonly<ResolvedOptions>;
  /** Builds one norm over `channels` channels. */
  create(channels: number, construction?: NormConstruction): Norm;
}

/**
 * Resolves a norm name and its options once — the name is checked, the options validated and
 * completed with the entry's defaults and, given the `model`, its per-model defaults (e.g.
 * PowerNorm's `groups = heads`); options given explicitly win. The name may carry weight options
 * (`gn+ws`, see {@linkcode parseNormSpec}). Unknown names, unknown options, invalid values and a
 * norm that mixes positions in a causal model throw a {@linkcode UsageError} that lists what is
 * valid.
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs-core";
 * import { resolveNorm } from "@normbench/normbench";
 * const pn = resolveNorm("pn", { warmup: 100 }, { heads: 4 });
 * console.assert(pn.options.groups === 4 && pn.options.warmup === 100);
 * const norms = [pn.create(16), pn.create(16)]; // one per slot, same options
 * console.assert(norms[1].apply(tf.ones([2, 16])).shape[1] === 16);
 * ```
 */
export function resolveNorm(
  name: string,
  options: Readonly<Record<string, unknown>> = {},
  model?: ModelShape,
): NormFactory {
  const { norm: normName, weightStandardization } = parseNormSpec(name);
  const entry: NormEntry = ENTRIES[normName];
  if (model?.causal && entry.mixesPositions) {
    const perToken = NORM_NAMES.filter((n) => !(ENTRIES[n] as NormEntry).mixesPositions);
    throw new UsageError(
      `norm '${normName}' normalises over a sample's positions, so in a causal model each ` +
        "position would see later ones",
      `use a per-position norm in the LM and the translator's decoder: ${perToken.join(", ")}`,
    );
  }
  const given: Record<string, unknown> = model ? { ...entry.modelDefaults?.(model) } : {};
  for (const [k, v] of Object.entries(options)) if (v !== undefined) given[k] = v;
  const resolved = Object.freeze(resolveOptions(normName, entry.options, given));
  return {
    name: normName,
    weightStandardization,
    entry,
    options: resolved,
    create: (channels, construction = {}) =>
      entry.build(channels, resolved, {
        variableFactory: construction.variableFactory,
        name: construction.name,
      }),
  };
}

/**
 * A norm's step-count options for a run of `run.steps` updates (UN's warm-up, PowerNorm's
 * warm-up, RepBN's decay), from its entry's scaling rule; options in `explicit` win. A norm
 * without step-count options gets `explicit` back.
 *
 * @example
 * ```ts
 * import { scaledNormOptions } from "@normbench/normbench";
 * const run = { steps: 6000, scheduleWarmup: 200, sourceUpdates: 750_000 };
 * console.assert(scaledNormOptions("un", run).warmup === 32);
 * console.assert(scaledNormOptions("un", run, { warmup: 5 }).warmup === 5);
 * console.assert(Object.keys(scaledNormOptions("ln", run)).length === 0);
 * ```
 */
export function scaledNormOptions(
  name: string,
  run: RunLength,
  explicit: Readonly<Record<string, number | boolean>> = {},
): Record<string, number | boolean> {
  const entry: NormEntry = ENTRIES[parseNormSpec(name).norm];
  return { ...entry.scale?.(run), ...explicit };
}

/**
 * The sentences that state every norm's step-count scaling rule, for reports.
 *
 * @example
 * ```ts
 * import { normScalingRules } from "@normbench/normbench";
 * console.assert(normScalingRules().some((rule) => rule.startsWith("UN's warm-up")));
 * ```
 */
export function normScalingRules(): string[] {
  return NORM_NAMES.flatMap((name) => {
    const rule = (ENTRIES[name] as NormEntry).scaleRule;
    return rule ? [rule] : [];
  });
}

/**
 * Creates a norm by name — shorthand for `resolveNorm(name, options).create(channels)`.
 * `options` holds the norm's own options (see {@linkcode normEntry}) plus `variableFactory` and
 * `name`, which control how the variables are created and named.
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
  const { variableFactory, name: prefix, ...own } = options;
  const factory = resolveNorm(name, own);
  if (factory.weightStandardization) {
    throw new UsageError(
      `'${name}' names weight options, and createNorm builds one norm`,
      `create '${factory.name}' here and standardise the layer's weights with standardizeWeight ` +
        `(models take '${name}' whole)`,
    );
  }
  return factory.create(channels, { variableFactory, name: prefix });
}
