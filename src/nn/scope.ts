/**
 * Named variables: every parameter and norm state of a model lives under a stable path such as
 * `encoder/layers/0/attn/qkv/kernel`, which checkpoints use as keys.
 *
 * @module
 */
import * as tf from "../tf.ts";
import type { NormFactory } from "../norms/registry.ts";
import type { Norm, VariableFactory } from "../norms/types.ts";
import type { Initializer } from "./init.ts";
import { hashSeed, SeededRng } from "../util/random.ts";
import { UsageError } from "../util/errors.ts";

/** Variables by path name, trainable parameters and state alike. */
export type NamedVariables = Record<string, tf.Variable>;

/**
 * A place in a model's tree of names. Modules create their variables through it; each variable
 * is initialised from its own stream `hash(seed, path)`, so adding a module never changes the
 * initial values of the others.
 *
 * @example
 * ```ts
 * import { normal, Scope } from "@normbench/normbench";
 * const root = new Scope({ seed: 1 });
 * const w = root.child("dense").param("kernel", [4, 2], normal(0.02));
 * console.assert(Object.keys(root.variables())[0] === "dense/kernel" && w.trainable);
 * ```
 */
export class Scope {
  /** This scope's path ("" at the root). */
  readonly path: string;
  /** The model seed every initial value derives from. */
  readonly seed: number;
  readonly #store: Map<string, tf.Variable>;

  /** Creates a scope; `store` is shared by a scope and its children. */
  constructor(options: { seed: number; path?: string; store?: Map<string, tf.Variable> }) {
    this.seed = options.seed;
    this.path = options.path ?? "";
    this.#store = options.store ?? new Map();
  }

  /** The scope `path/name`. */
  child(name: string | number): Scope {
    return new Scope({ seed: this.seed, path: this.join(String(name)), store: this.#store });
  }

  /** `path/name` (or `name` at the root). */
  join(name: string): string {
    return this.path ? `${this.path}/${name}` : name;
  }

  /** Creates a trainable parameter of `shape` initialised by `init`. */
  param(name: string, shape: number[], init: Initializer): tf.Variable {
    const path = this.join(name);
    const values = init(shape, new SeededRng(hashSeed(this.seed, path)));
    return this.#register(path, tf.tensor(values, shape, "float32"), true);
  }

  /** Creates a non-trainable variable (state) holding `value` (the scope takes ownership). */
  state(name: string, value: tf.Tensor): tf.Variable {
    return this.#register(this.join(name), value, false);
  }

  /**
   * Creates a norm from its resolved factory under `path/name`; its variables (trainable and
   * state) are registered as `path/name/<localName>`.
   */
  norm(name: string, factory: NormFactory, channels: number): Norm {
    return factory.create(channels, { variableFactory: this.variableFactory(name) });
  }

  /**
   * A {@linkcode VariableFactory} that registers each variable as `path/name/<localName>`
   * (copying its initial value), for modules whose initial values are tensors (a norm's state,
   * σReparam's γ and u).
   *
   * @example
   * ```ts
   * import * as tf from "@tensorflow/tfjs-core";
   * import { Scope } from "@normbench/normbench";
   * const root = new Scope({ seed: 1 });
   * const make = root.child("fc").variableFactory("sigma_reparam");
   * make("u", tf.ones([3]), false);
   * console.assert(Object.keys(root.variables())[0] === "fc/sigma_reparam/u");
   * ```
   */
  variableFactory(name: string): VariableFactory {
    const prefix = this.join(name);
    return (localName, initial, trainable) =>
      this.#register(`${prefix}/${localName}`, tf.clone(initial), trainable);
  }

  /** Every variable registered in this scope's tree (the whole model from the root). */
  variables(): NamedVariables {
    return Object.fromEntries(this.#store);
  }

  #register(path: string, value: tf.Tensor, trainable: boolean): tf.Variable {
    if (this.#store.has(path)) {
      value.dispose();
      throw new UsageError(`variable '${path}' is defined twice`, "give each module its own name");
    }
    const v = tf.variable(value, trainable);
    value.dispose();
    this.#store.set(path, v);
    return v;
  }
}
