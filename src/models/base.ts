/**
 * The bookkeeping every model shares: variables by path, parameter count, FLOPs, disposal.
 *
 * @module
 */
import type * as tf from "../tf.ts";
import type { Norm } from "../norms/types.ts";
import type { ForwardContext } from "../nn/context.ts";
import type { NamedVariables, Scope } from "../nn/scope.ts";
import type { Batch, LossOptions, Model } from "./types.ts";

/**
 * Base class of the model zoo. Subclasses build their modules on `scope` and implement
 * `loss`, `macs` and (when a first layer skips its input gradient) `inputMacs`.
 *
 * @example
 * ```ts
 * import { BaseModel, createModel } from "@normbench/normbench";
 * console.assert(createModel({ model: "lm", preset: "tiny", norm: "ln" }) instanceof BaseModel);
 * ```
 */
export abstract class BaseModel<C, B extends Batch> implements Model<C, B> {
  /** The configuration the model was built from. */
  readonly config: C;
  /** The root scope holding every variable. */
  readonly scope: Scope;

  /** Keeps a copy of `config` and the root `scope` of the model's variables. */
  constructor(config: C, scope: Scope) {
    this.config = structuredClone(config);
    this.scope = scope;
  }

  variables(): NamedVariables {
    return this.scope.variables();
  }

  trainableVariables(): NamedVariables {
    return Object.fromEntries(Object.entries(this.variables()).filter(([, v]) => v.trainable));
  }

  abstract norms(): Norm[];
  abstract loss(batch: B, ctx: ForwardContext, options?: LossOptions): tf.Scalar;
  abstract macs(batch: B): number;

  /** MACs of the backward's input product that a first layer skips (default 0). */
  inputMacs(_batch: B): number {
    return 0;
  }

  trainingFlops(batch: B): number {
    return 2 * (3 * this.macs(batch) - this.inputMacs(batch));
  }

  parameterCount(): number {
    return Object.values(this.trainableVariables()).reduce((s, v) => s + v.size, 0);
  }

  dispose(): void {
    for (const v of Object.values(this.variables())) v.dispose();
  }
}
