/**
 * Adam and AdamW (decoupled weight decay, which tfjs lacks), updating all parameters at once on a
 * flat vector: a few large ops instead of a dozen small ones per parameter.
 *
 * @module
 */
import * as tf from "../tf.ts";
import type { NamedVariables } from "../nn/scope.ts";
import { UsageError } from "../util/errors.ts";
import { adamKernelsActive, adamStep, packTensors, unpackTensor } from "../backend/adam_kernels.ts";

/** `adam` (L2 weight decay added to the gradient, as torch's Adam) or `adamw` (decoupled). */
export type OptimizerKind = "adam" | "adamw";

/** An optimizer's settings (plain data). */
export interface OptimizerConfig {
  /** `adam` or `adamw`. */
  kind: OptimizerKind;
  /** Peak learning rate (the schedule scales it). */
  lr: number;
  /** β1 (default 0.9). */
  beta1?: number;
  /** β2 (default 0.999; the UN authors' translation recipe uses 0.98). */
  beta2?: number;
  /** ε (default 1e-8). */
  eps?: number;
  /** Weight decay (default 0). */
  weightDecay?: number;
  /**
   * Which parameters decay: `all` (fairseq) or `matrices` (rank ≥ 2: not biases, norm
   * parameters or scalars, as timm does for ViT). Default `matrices`.
   */
  decayOn?: "all" | "matrices";
}

/** The optimizer's state, for checkpoints (plain data, bit-exact). */
export interface OptimizerState {
  /** Updates applied so far. */
  step: number;
  /** Parameter paths in the order of the flat vectors. */
  names: string[];
  /** First moments, flat. */
  m: Float32Array;
  /** Second moments, flat. */
  v: Float32Array;
}

/** A non-trainable zero vector (the initial tensor is freed: the variable keeps the data). */
function zeroVariable(size: number): tf.Variable {
  const zeros = tf.zeros([size]);
  const v = tf.variable(zeros, false);
  zeros.dispose();
  return v;
}

/**
 * Fills in defaults and validates an optimizer config.
 *
 * @example
 * ```ts
 * import { resolveOptimizerConfig } from "@normbench/normbench";
 * console.assert(resolveOptimizerConfig({ kind: "adam", lr: 1e-3 }).beta2 === 0.999);
 * ```
 */
export function resolveOptimizerConfig(config: OptimizerConfig): Required<OptimizerConfig> {
  const c = {
    beta1: 0.9,
    beta2: 0.999,
    eps: 1e-8,
    weightDecay: 0,
    decayOn: "matrices" as const,
    ...config,
  };
  if (c.kind !== "adam" && c.kind !== "adamw") {
    throw new UsageError(`unknown optimizer '${c.kind}'`, "use adam or adamw");
  }
  const unit = (name: string, v: number) => {
    if (!(v >= 0 && v < 1)) throw new UsageError(`optimizer ${name} must be in [0, 1), got ${v}`);
  };
  unit("beta1", c.beta1);
  unit("beta2", c.beta2);
  if (!(c.lr > 0) || !Number.isFinite(c.lr)) {
    throw new UsageError(`learning rate must be a positive number, got ${c.lr}`);
  }
  if (!(c.eps > 0)) throw new UsageError(`optimizer eps must be > 0, got ${c.eps}`);
  if (!(c.weightDecay >= 0)) {
    throw new UsageError(`weight decay must be >= 0, got ${c.weightDecay}`);
  }
  if (c.decayOn !== "all" && c.decayOn !== "matrices") {
    throw new UsageError(`unknown decayOn '${c.decayOn}'`, "use all or matrices");
  }
  return c;
}

/**
 * Adam/AdamW over a fixed set of named parameters. Gradients come in as one flat vector
 * ({@linkcode Adam.flatten}); `apply` performs one update with the given learning rate:
 * `m ← β1·m + (1−β1)·g`, `v ← β2·v + (1−β2)·g²`,
 * `p ← p − lr·(m/(1−β1ᵗ)) / (√(v/(1−β2ᵗ)) + ε)`, with AdamW first applying `p ← p − lr·wd·p`.
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs-core";
 * import { Adam } from "@normbench/normbench";
 * const w = tf.variable(tf.ones([2]));
 * const opt = new Adam({ w }, { kind: "adamw", lr: 0.1, weightDecay: 0.01, decayOn: "all" });
 * const g = opt.flatten({ w: tf.ones([2]) });
 * opt.apply(g, 0.1);
 * console.assert(Math.abs((await w.data())[0] - 0.899) < 1e-4);
 * ```
 */
export class Adam {
  /** The resolved settings. */
  readonly config: Required<OptimizerConfig>;
  /** Parameter paths, in flat order. */
  readonly names: string[];
  readonly #params: tf.Variable[];
  readonly #sizes: number[];
  readonly #m: tf.Variable;
  readonly #v: tf.Variable;
  readonly #decayMask: tf.Tensor1D | null;
  #step = 0;

  /** Optimises the trainable variables of `params` (sorted by path) with `config`. */
  constructor(params: NamedVariables, config: OptimizerConfig) {
    this.config = resolveOptimizerConfig(config);
    this.names = Object.keys(params).filter((k) => params[k].trainable).sort();
    this.#params = this.names.map((n) => params[n]);
    this.#sizes = this.#params.map((p) => p.size);
    const total = this.#sizes.reduce((a, b) => a + b, 0);
    this.#m = zeroVariable(total);
    this.#v = zeroVariable(total);
    this.#decayMask = null;
    if (this.config.weightDecay > 0 && this.config.decayOn === "matrices") {
      const mask = new Float32Array(total);
      let at = 0;
      this.#params.forEach((p, i) => {
        if (p.rank >= 2) mask.fill(1, at, at + this.#sizes[i]);
        at += this.#sizes[i];
      });
      this.#decayMask = tf.tensor1d(mask);
    }
  }

  /** Updates applied so far. */
  get step(): number {
    return this.#step;
  }

  /** Number of scalars optimised. */
  get size(): number {
    return this.#m.size;
  }

  /**
   * The gradients of the parameters as one flat vector in optimizer order; a parameter without
   * a gradient (unused by this loss) contributes zeros. `grads` is keyed by parameter path.
   */
  flatten(grads: Record<string, tf.Tensor | undefined>): tf.Tensor1D {
    return tf.tidy(() => {
      const parts = this.names.map((n, i) => {
        const g = grads[n];
        if (!g) return tf.zeros([this.#sizes[i]]);
        return g.rank === 1 ? g : tf.reshape(g, [-1]);
      });
      return (adamKernelsActive() ? packTensors(parts) : tf.concat(parts)) as tf.Tensor1D;
    });
  }

  /** One update with flat gradient `grad` and learning rate `lr`. */
  apply(grad: tf.Tensor1D, lr: number): void {
    const { beta1: b1, beta2: b2, eps, weightDecay: wd, kind } = this.config;
    this.#step += 1;
    const t = this.#step;
    if (adamKernelsActive()) {
      this.#applyPacked(grad, lr);
      return;
    }
    tf.tidy(() => {
      let p = tf.concat(
        this.#params.map((v) => (v.rank === 1 ? v : tf.reshape(v, [-1]))),
      ) as tf.Tensor1D;
      const decayed = (x: tf.Tensor) => (this.#decayMask ? tf.mul(x, this.#decayMask) : x);
      let g: tf.Tensor = grad;
      if (kind === "adam" && wd > 0) g = tf.add(g, tf.mul(decayed(p), wd));
      const m = tf.add(tf.mul(this.#m, b1), tf.mul(g, 1 - b1));
      const v = tf.add(tf.mul(this.#v, b2), tf.mul(tf.square(g), 1 - b2));
      this.#m.assign(m);
      this.#v.assign(v);
      const denom = tf.add(tf.mul(tf.sqrt(v), 1 / Math.sqrt(1 - b2 ** t)), eps);
      const update = tf.mul(tf.div(m, denom), lr / (1 - b1 ** t));
      if (kind === "adamw" && wd > 0) p = tf.sub(p, tf.mul(decayed(p), lr * wd));
      const next = tf.split(tf.sub(p, update), this.#sizes);
      this.#params.forEach((param, i) =>
        param.assign(param.rank === 1 ? next[i] : tf.reshape(next[i], param.shape))
      );
    });
  }

  /**
   * The same update on the packing and update kernels (WebGPU): parameters packed and unpacked
   * by buffer copies, the moments and the parameters one program each.
   */
  #applyPacked(grad: tf.Tensor1D, lr: number): void {
    const { beta1, beta2, eps, weightDecay, kind } = this.config;
    const t = this.#step;
    tf.tidy(() => {
      const p = packTensors(this.#params);
      const [next, m, v] = adamStep(
        p,
        grad,
        this.#m as tf.Tensor1D,
        this.#v as tf.Tensor1D,
        this.#decayMask,
        {
          kind,
          beta1,
          beta2,
          eps,
          weightDecay,
          lrc: lr / (1 - beta1 ** t),
          vc: 1 / Math.sqrt(1 - beta2 ** t),
          lrwd: lr * weightDecay,
        },
      );
      this.#m.assign(m);
      this.#v.assign(v);
      unpackTensor(next, this.#sizes).forEach((x, i) => {
        const param = this.#params[i];
        param.assign(param.rank === 1 ? x : tf.reshape(x, param.shape));
      });
    });
  }

  /** The state (moments and step), read back for a checkpoint. */
  async state(): Promise<OptimizerState> {
    return {
      step: this.#step,
      names: [...this.names],
      m: new Float32Array(await this.#m.data() as Float32Array),
      v: new Float32Array(await this.#v.data() as Float32Array),
    };
  }

  /** Restores a state saved by {@linkcode Adam.state} (same parameters, same order). */
  setState(state: OptimizerState): void {
    if (state.names.join("\n") !== this.names.join("\n") || state.m.length !== this.size) {
      throw new UsageError(
        "the optimizer state does not match the model's parameters",
        "resume with the same model configuration",
      );
    }
    this.#step = state.step;
    tf.tidy(() => {
      this.#m.assign(tf.tensor1d(state.m));
      this.#v.assign(tf.tensor1d(state.v));
    });
  }

  /** Frees the optimizer's tensors. */
  dispose(): void {
    tf.dispose([this.#m, this.#v]);
    this.#decayMask?.dispose();
  }
}
