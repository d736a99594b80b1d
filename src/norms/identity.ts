/**
 * `none`: the identity, the speed limit of removing a norm altogether.
 *
 * @module
 */
import type * as tf from "@tensorflow/tfjs-core";
import { NormBase, type NormConstruction } from "./base.ts";
import type { OptionSpecs, ResolvedOptions } from "./options.ts";
import type { NormCallOptions } from "./types.ts";
import type { NormEntry } from "./entry.ts";

/**
 * `none` takes no options.
 *
 * @example
 * ```ts
 * import { IDENTITY_OPTIONS } from "@normbench/normbench";
 * console.assert(Object.keys(IDENTITY_OPTIONS).length === 0);
 * ```
 */
export const IDENTITY_OPTIONS: OptionSpecs = {};

/**
 * `none`: returns its input unchanged; has no variables and nothing to fold.
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs-core";
 * import { createNorm } from "@normbench/normbench";
 * const x = tf.ones([2, 4]);
 * console.assert(createNorm("none", 4).apply(x) === x);
 * ```
 */
export class Identity extends NormBase {
  /** Registry name of the identity. */
  readonly name = "none" as const;
  /** Whether training normalizes with statistics over the batch. */
  readonly batchStatistics = false;

  /** Prefer {@linkcode createNorm}, which validates and resolves `options`. */
  constructor(channels: number, options: ResolvedOptions, construction?: NormConstruction) {
    super(channels, options, construction);
  }

  /** Normalizes `x` over its last axis (see {@linkcode Norm.apply}). */
  apply(x: tf.Tensor, _options: NormCallOptions = {}): tf.Tensor {
    this.checkInput(x);
    return x;
  }

  /** Null: nothing to fold (see {@linkcode Norm.inferenceSplit}). */
  inferenceSplit(): null {
    return null;
  }
}

/**
 * The registry entry of `none`: identity (no normalization); it has nothing to fold.
 *
 * @example
 * ```ts
 * import { IDENTITY } from "@normbench/normbench";
 * console.assert(IDENTITY.folds === "nothing" && Object.keys(IDENTITY.options).length === 0);
 * ```
 */
export const IDENTITY: NormEntry = {
  title: "identity (no normalization)",
  options: IDENTITY_OPTIONS,
  build: (c, o, k) => new Identity(c, o, k),
  folds: "nothing",
};
