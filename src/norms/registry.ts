/**
 * The norm registry: every norm is created by name through {@linkcode createNorm}.
 *
 * @module
 */
import type { NormConstruction } from "./base.ts";
import { BATCH_NORM } from "./batch_norm.ts";
import { DYT } from "./dyt.ts";
import type { ModelShape, NormEntry, RunLength } from "./entry.ts";
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
  bn: BATCH_NORM,
  pn: POWER_NORM,
  un: UNIFIED_NORM,
  dyt: DYT,
  repbn: REP_BN,
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
  return ENTRIES[parseNormName(name)] as NormEntry;
}

/**
 * A norm resolved once from its name and options: what a model receives and calls for each of
 * its norm slots.
 */
export interface NormFactory {
  /** The registry name. */
  readonly name: NormName;
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
 * PowerNorm's `groups = heads`); options given explicitly win. Unknown names, unknown options
 * and invalid values throw a {@linkcode UsageError} that lists what is valid.
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
  const normName = parseNormName(name);
  const entry: NormEntry = ENTRIES[normName];
  const given: Record<string, unknown> = model ? { ...entry.modelDefaults?.(model) } : {};
  for (const [k, v] of Object.entries(options)) if (v !== undefined) given[k] = v;
  const resolved = Object.freeze(resolveOptions(normName, entry.options, given));
  return {
    name: normName,
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
  const entry: NormEntry = ENTRIES[parseNormName(name)];
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
  return resolveNorm(name, own).create(channels, { variableFactory, name: prefix });
}
