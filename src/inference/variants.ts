/**
 * The inference variants the efficiency suite times: which norm a model has (or which exact
 * conversion of the LN model it runs) and how its inference map is executed — as composite tfjs
 * ops, as one fused kernel, as an affine op, folded into the linear layers that consume it, or
 * not at all.
 *
 * @module
 */
import type { NormName } from "../norms/registry.ts";
import { UsageError } from "../util/errors.ts";

/**
 * How a variant executes each norm at inference:
 * - `zoo`: the norm's own `apply(x, { training: false })` (the unfolded twin of every check);
 * - `composite`: LayerNorm written with tfjs ops (mean, sub, square, mean, add, rsqrt, mul, mul,
 *   add), as a naïve port would;
 * - `fused`: LayerNorm as one fused kernel (`fusedLayerNorm`);
 * - `affine`: the per-channel map `statistic(x)·a + b` with `a`, `b` precomputed, kept as ops;
 * - `fold`: `a`, `b` folded into the linear layer(s) that consume the norm; only the per-token
 *   statistic (if any) stays an op;
 * - `identity`: no norm at all;
 * - `calibrate`: the norm in training mode (batch statistics; running statistics updated) — a
 *   forward under it calibrates a batch-statistics norm's running statistics to the data.
 */
export type NormTreatment =
  | "zoo"
  | "composite"
  | "fused"
  | "affine"
  | "fold"
  | "identity"
  | "calibrate";

/** The names of the inference variants. */
export type VariantName =
  | "ln"
  | "ln-fused"
  | "rms"
  | "dyt"
  | "pn"
  | "bn"
  | "bn-folded"
  | "un"
  | "un-folded"
  | "repbn-folded"
  | "rms-converted"
  | "crms-converted"
  | "none";

/**
 * An exact conversion a variant applies to the `ln` model before running it (Jiang et al.
 * 2023): `pre-rms` — `convertPreLnToPreRms`, zero-mean residual writers and RMSNorm with LN's
 * γ, β; `pre-crms` — `convertPreLnToPreCrms`, the residual stream in d−1 coordinates and CRMSNorm
 * with LN's affine map folded into its readers. Both need a Pre-LN model (placement `pre`).
 */
export type VariantConversion = "pre-rms" | "pre-crms";

/** One inference variant: a norm of the zoo and how it is executed. */
export interface VariantSpec {
  /** The variant's name. */
  name: VariantName;
  /**
   * The norm the model has; with `convert`, the norm of the model it converts (`ln`: a
   * converting variant runs the `ln` variants' model, so it computes the same function).
   */
  norm: NormName;
  /** How it runs at inference (the converted model's norms, with `convert`). */
  treatment: NormTreatment;
  /**
   * The conversion applied to the model before it runs (see {@linkcode VariantConversion});
   * absent: the model runs as it is.
   */
  convert?: VariantConversion;
  /** One line for reports. */
  description: string;
}

/**
 * Every variant, in the order reports list them.
 *
 * @example
 * ```ts
 * import { VARIANTS } from "@normbench/normbench";
 * for (const v of VARIANTS) console.log(v.name, v.norm, v.treatment);
 * ```
 */
export const VARIANTS: readonly VariantSpec[] = [
  {
    name: "ln",
    norm: "ln",
    treatment: "composite",
    description: "LayerNorm as tfjs composite ops (mean, sub, square, mean, add, rsqrt, mul; " +
      "γ, β as mul, add): a naïve port",
  },
  {
    name: "ln-fused",
    norm: "ln",
    treatment: "fused",
    description: "LayerNorm as ONE fused kernel (WGSL program / wasm SIMD function / cpu loop)",
  },
  {
    name: "rms",
    norm: "rms",
    treatment: "fold",
    description: "RMSNorm: γ folded into the next linear, the per-token RMS stays (5 ops)",
  },
  {
    name: "dyt",
    norm: "dyt",
    treatment: "fold",
    description: "DyT: γ, β folded into the next linear, tanh(α·x) stays (2 ops)",
  },
  {
    name: "pn",
    norm: "pn",
    treatment: "fold",
    description: "PowerNorm: γ/sqrt(φ+ε), β folded, the per-token group scaling stays",
  },
  {
    name: "bn",
    norm: "bn",
    treatment: "affine",
    description: "BatchNorm with running statistics as an affine op (x·a + b)",
  },
  {
    name: "bn-folded",
    norm: "bn",
    treatment: "fold",
    description: "BatchNorm folded into the next linear: no op left",
  },
  {
    name: "un",
    norm: "un",
    treatment: "affine",
    description: "UN's inference map γ·x/sqrt(RV+ε) + β as an affine op (x·a + b)",
  },
  {
    name: "un-folded",
    norm: "un",
    treatment: "fold",
    description: "UN folded into the next linear: no op left",
  },
  {
    name: "repbn-folded",
    norm: "repbn",
    treatment: "fold",
    description: "RepBN (BN(x) + η·x) folded into the next linear: no op left",
  },
  {
    name: "rms-converted",
    norm: "ln",
    convert: "pre-rms",
    treatment: "fold",
    description: "the ln model converted exactly to Pre-RMSNorm (writers centred once, baked " +
      "into their weights): RMSNorm's γ, β folded into the next linear, the per-token RMS stays",
  },
  {
    name: "crms-converted",
    norm: "ln",
    convert: "pre-crms",
    treatment: "fold",
    description: "the ln model converted exactly to Pre-CRMSNorm: the residual stream in d−1 " +
      "coordinates, LN's γ, β folded into the readers, the per-token compressed RMS stays",
  },
  {
    name: "none",
    norm: "none",
    treatment: "identity",
    description: "no norm at all (other weights equal): the speed limit of any norm change",
  },
];

/**
 * Every variant name, in report order.
 *
 * @example
 * ```ts
 * import { VARIANT_NAMES } from "@normbench/normbench";
 * console.assert(VARIANT_NAMES[0] === "ln" && VARIANT_NAMES.at(-1) === "none");
 * ```
 */
export const VARIANT_NAMES: readonly VariantName[] = VARIANTS.map((v) => v.name);

/**
 * The variant called `name`; a {@linkcode UsageError} listing the names otherwise.
 *
 * @example
 * ```ts
 * import { variantSpec } from "@normbench/normbench";
 * console.assert(variantSpec("un-folded").treatment === "fold");
 * ```
 */
export function variantSpec(name: string): VariantSpec {
  const spec = VARIANTS.find((v) => v.name === name);
  if (!spec) {
    throw new UsageError(`unknown variant '${name}'`, `use one of: ${VARIANT_NAMES.join(", ")}`);
  }
  return spec;
}

/**
 * Whether a variant runs under a norm placement: every variant does, except the converting ones
 * (`convert`), whose conversions are exact for Pre-LN models only (placement `pre`).
 *
 * @example
 * ```ts
 * import { variantFitsPlacement, variantSpec } from "@normbench/normbench";
 * console.assert(variantFitsPlacement(variantSpec("un-folded"), "post"));
 * console.assert(!variantFitsPlacement(variantSpec("rms-converted"), "peri"));
 * ```
 */
export function variantFitsPlacement(spec: VariantSpec, placement: string): boolean {
  return spec.convert === undefined || placement === "pre";
}

/**
 * Parses a comma-separated list of variant names (`all` for every variant that runs under
 * `placement`, default `pre`) in report order, without duplicates; always includes `ln`,
 * `ln-fused` and `none`, the references every derived number needs. A converting variant named
 * under another placement than `pre` is a {@linkcode UsageError}.
 *
 * @example
 * ```ts
 * import { parseVariants } from "@normbench/normbench";
 * console.assert(parseVariants("un-folded").join() === "ln,ln-fused,un-folded,none");
 * console.assert(!parseVariants("all", "post").includes("crms-converted"));
 * ```
 */
export function parseVariants(list: string, placement = "pre"): VariantName[] {
  const names = list.split(",").map((s) => s.trim()).filter(Boolean);
  if (names.length === 0) {
    throw new UsageError("no variant given", `use 'all' or some of: ${VARIANT_NAMES.join(", ")}`);
  }
  const chosen = new Set<string>(["ln", "ln-fused", "none"]);
  for (const name of names) {
    if (name === "all") {
      VARIANTS.filter((v) => variantFitsPlacement(v, placement)).forEach((v) => chosen.add(v.name));
      continue;
    }
    const spec = variantSpec(name);
    if (!variantFitsPlacement(spec, placement)) {
      throw new UsageError(
        `variant '${name}' converts a Pre-LN model; it does not run under placement '${placement}'`,
        "use placement pre for it, or leave it out",
      );
    }
    chosen.add(spec.name);
  }
  return VARIANT_NAMES.filter((v) => chosen.has(v));
}
