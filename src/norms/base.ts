/**
 * What the norms share: variable bookkeeping and masked statistics over tokens.
 *
 * @module
 */
import * as tf from "../tf.ts";
import type { ResolvedOptions } from "./options.ts";
import type { InferenceSplit, Norm, NormCallOptions, VariableFactory } from "./types.ts";
import { columnSum } from "../backend/kernels.ts";
import { UsageError } from "../util/errors.ts";

/** Options every norm constructor takes besides its own. */
export interface NormConstruction {
  /** Creates the norm's variables; default: `tf.variable` with an optional name prefix. */
  variableFactory?: VariableFactory;
  /** Prefix for the tfjs variable names (default: none, tfjs picks unique names). */
  name?: string;
}

/**
 * The default {@linkcode VariableFactory}: plain `tf.variable`s, named `prefix/localName` when a
 * prefix is given.
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs-core";
 * import { plainVariables } from "@normbench/normbench";
 * const make = plainVariables();
 * const v = make("weight", tf.ones([4]), true);
 * console.assert(v.trainable);
 * ```
 */
export function plainVariables(prefix?: string): VariableFactory {
  return (localName, initial, trainable) =>
    tf.variable(initial, trainable, prefix ? `${prefix}/${localName}` : undefined);
}

/**
 * Base class of the zoo: keeps the variables and implements the bookkeeping of {@linkcode Norm}.
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs-core";
 * import { NormBase } from "@normbench/normbench";
 * class Scale extends NormBase {
 *   readonly name = "scale2";
 *   readonly batchStatistics = false;
 *   apply(x: tf.Tensor): tf.Tensor {
 *     return tf.mul(x, 2);
 *   }
 *   inferenceSplit(): null {
 *     return null;
 *   }
 * }
 * console.assert(new Scale(4, {}).apply(tf.ones([1, 4])).shape[1] === 4);
 * ```
 */
export abstract class NormBase implements Norm {
  abstract readonly name: string;
  abstract readonly batchStatistics: boolean;
  readonly channels: number;
  readonly options: Readonly<ResolvedOptions>;
  readonly #vars: Record<string, tf.Variable> = {};
  readonly #counters: string[] = [];
  readonly #factory: VariableFactory;

  /** Prefer {@linkcode createNorm}, which validates and resolves `options`. */
  constructor(channels: number, options: ResolvedOptions, construction: NormConstruction = {}) {
    if (!Number.isInteger(channels) || channels < 1) {
      throw new UsageError(
        `a norm needs a positive integer channel count, got ${channels}`,
        "pass the width of the layer it normalises",
      );
    }
    this.channels = channels;
    this.options = Object.freeze({ ...options });
    this.#factory = construction.variableFactory ?? plainVariables(construction.name);
  }

  /** Creates and registers a variable; `counter` marks step counters reset by `resetCounters`. */
  protected addVariable(
    localName: string,
    initial: () => tf.Tensor,
    trainable: boolean,
    counter = false,
  ): tf.Variable {
    const init = initial();
    const v = this.#factory(localName, init, trainable);
    if (v !== (init as unknown)) init.dispose();
    this.#vars[localName] = v;
    if (counter) this.#counters.push(localName);
    return v;
  }

  abstract apply(x: tf.Tensor, options?: NormCallOptions): tf.Tensor;
  abstract inferenceSplit(): InferenceSplit | null;

  trainableVariables(): tf.Variable[] {
    return Object.values(this.#vars).filter((v) => v.trainable);
  }

  variables(): Record<string, tf.Variable> {
    return { ...this.#vars };
  }

  resetCounters(): void {
    for (const name of this.#counters) {
      const v = this.#vars[name];
      v.assign(tf.zerosLike(v));
    }
  }

  dispose(): void {
    for (const v of Object.values(this.#vars)) v.dispose();
  }

  /** Throws unless the last axis of `x` is the norm's channel count. */
  protected checkInput(x: tf.Tensor): void {
    if (x.rank < 2 || x.shape[x.rank - 1] !== this.channels) {
      throw new UsageError(
        `norm '${this.name}' expects input [..., ${this.channels}], got [${x.shape.join(", ")}]`,
        "the channel axis must be last",
      );
    }
  }
}

/**
 * Per-channel mean of `v` over every token (all axes but the last), leaving out tokens where
 * `mask` is 1/true. Returns shape [C].
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs-core";
 * import { tokenMean } from "@normbench/normbench";
 * const v = tf.tensor3d([[[1, 2], [3, 4]]]); // B=1, N=2, C=2
 * const m = tokenMean(v, tf.tensor2d([[0, 1]])); // only the first token counts
 * console.assert(m.arraySync()[1] === 2);
 * ```
 */
export function tokenMean(v: tf.Tensor, mask?: tf.Tensor): tf.Tensor1D {
  return tf.tidy(() => {
    const c = v.shape[v.rank - 1];
    const flat = tf.reshape(v, [-1, c]) as tf.Tensor2D;
    if (!mask) return tf.div(sumRows(flat), flat.shape[0]) as tf.Tensor1D;
    const keep = tf.sub(1, tf.reshape(tf.cast(mask, "float32"), [-1, 1]));
    const total = sumRows(tf.mul(flat, keep) as tf.Tensor2D);
    return tf.div(total, tf.maximum(tf.sum(keep), 1)) as tf.Tensor1D;
  });
}

/**
 * Per-channel sum of `v` over every token (all axes but the last). Returns shape [C].
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs-core";
 * import { tokenSum } from "@normbench/normbench";
 * console.assert(tokenSum(tf.ones([2, 3, 4])).shape[0] === 4);
 * ```
 */
export function tokenSum(v: tf.Tensor): tf.Tensor1D {
  return tf.tidy(() => sumRows(tf.reshape(v, [-1, v.shape[v.rank - 1]]) as tf.Tensor2D));
}

/**
 * Σ over the rows of `[T, C]` on a vectorised column-sum kernel (`columnSum`): tfjs-wasm
 * reduces axis 0 by transposing first, with a transpose that slows to ~1 ms at 2048×64. Its
 * gradient is the broadcast of `dy` to every row.
 */
function sumRows(x: tf.Tensor2D): tf.Tensor1D {
  const fn = tf.customGrad((...args: (tf.Tensor | ((t: tf.Tensor[]) => void))[]) => {
    const input = args[0] as tf.Tensor2D;
    const rows = input.shape[0];
    return {
      value: columnSum(input),
      gradFunc: (dy: tf.Tensor | tf.Tensor[]) => [tf.mul(tf.ones([rows, 1]), dy as tf.Tensor)],
    };
  });
  return fn(x) as tf.Tensor1D;
}

/** Assigns `value` to `v` when `commit` holds; disposes nothing (callers run inside tidy). */
export function assignIf(commit: boolean, v: tf.Variable, value: tf.Tensor): void {
  if (commit) v.assign(value);
}
