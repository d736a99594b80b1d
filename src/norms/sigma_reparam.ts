/**
 * σReparam (Zhai et al. 2023, "Stabilizing Transformer Training by Preventing Attention Entropy
 * Collapse"): a linear layer's weight used as Ŵ = γ·W/σ(W), where σ(W) is W's spectral norm
 * estimated by one power iteration per training step from a persistent vector u, and γ is a
 * learned scalar initialised to σ(W₀). Like Weight Standardization it is a weight option, not a
 * norm slot, and lives with the norms (left of `nn` in the data flow) so that any layer with a
 * kernel can take it; `Dense` takes it as `sigmaReparam: true`.
 *
 * Layout: a tfjs dense kernel K is `[in, out]`, the transpose of the paper's W `[out, in]`. u
 * (length in) is W's right singular vector and v (length out) its left one, so W·u = Kᵀ·u and
 * Wᵀ·v = K·v.
 *
 * @module
 */
import * as tf from "../tf.ts";
import { assignIf, type NormConstruction, plainVariables } from "./base.ts";
import type { VariableFactory } from "./types.ts";

/** The floor of a vector's norm when it is normalised (torch's `F.normalize` default). */
export const SIGMA_REPARAM_NORMALIZE_EPS = 1e-12;

/**
 * Squarings of WᵀW (or WWᵀ) when u is initialised: after k of them the power is 2^k, so the
 * second singular direction is damped by (σ₂/σ₁)^(2^(k+1)) — converged for any gap a float32
 * matrix can resolve.
 */
export const SIGMA_REPARAM_INIT_SQUARINGS = 24;

/** Plain power iterations on W that polish u after the squarings (float32 round-off). */
export const SIGMA_REPARAM_INIT_REFINEMENTS = 4;

/** One power iteration's result: the new u `[in]`, v `[out]` and σ = vᵀ·W·u `[1]`. */
export interface PowerIteration {
  /** normalize(Wᵀ·v), length in. */
  u: tf.Tensor1D;
  /** normalize(W·u_old), length out. */
  v: tf.Tensor1D;
  /** vᵀ·W·u with the new u, shape `[1]`. */
  sigma: tf.Tensor1D;
}

/** x / max(‖x‖, ε). */
function normalize(x: tf.Tensor): tf.Tensor1D {
  return tf.div(x, tf.maximum(tf.norm(x), SIGMA_REPARAM_NORMALIZE_EPS)) as tf.Tensor1D;
}

/**
 * One power iteration on a dense kernel `[in, out]` from `u` `[in]`: v = normalize(W·u),
 * u' = normalize(Wᵀ·v), σ = vᵀ·W·u'. No gradient is meant to flow through it (σReparam treats u
 * and v as constants).
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs-core";
 * import { powerIteration } from "@normbench/normbench";
 * const kernel = tf.tensor2d([[3, 0], [0, 1]]); // singular values 3 and 1
 * const { u, sigma } = powerIteration(kernel, tf.tensor1d([1, 1]));
 * console.assert(sigma.dataSync()[0] > 2.8 && Math.abs(u.dataSync()[0]) > 0.99);
 * ```
 */
export function powerIteration(kernel: tf.Tensor2D, u: tf.Tensor): PowerIteration {
  return tf.tidy(() => {
    const [inDim, outDim] = kernel.shape;
    const v = normalize(tf.reshape(tf.matMul(tf.reshape(u, [1, inDim]), kernel), [outDim]));
    const kv = tf.reshape(tf.matMul(kernel, tf.reshape(v, [outDim, 1])), [inDim]);
    const next = normalize(kv);
    const sigma = tf.reshape(tf.sum(tf.mul(next, kv)), [1]) as tf.Tensor1D;
    return { u: next, v, sigma };
  });
}

/** `p / max |p|` (a zero matrix stays zero). */
function unitMax(p: tf.Tensor): tf.Tensor2D {
  return tf.div(p, tf.maximum(tf.max(tf.abs(p)), 1e-30)) as tf.Tensor2D;
}

/**
 * W's top right singular vector u `[in]` and its singular value σ(W) `[1]`, for a dense kernel
 * `[in, out]`: repeated squaring of the smaller of WᵀW and WWᵀ (deterministic, converged for any
 * gap float32 resolves), then {@linkcode SIGMA_REPARAM_INIT_REFINEMENTS} power iterations on W
 * itself. Tensor ops only (no read-back), so it runs on WebGPU. u's sign is arbitrary, as an
 * SVD's; nothing depends on it. A zero kernel has no direction: u and σ are then 0.
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs-core";
 * import { topSingularPair } from "@normbench/normbench";
 * const kernel = tf.tensor2d([[1, 0, 0], [0, 2, 0]]); // [in 2, out 3]: W = diag(1, 2) padded
 * const { u, sigma } = topSingularPair(kernel);
 * console.assert(Math.abs(sigma.dataSync()[0] - 2) < 1e-5);
 * console.assert(Math.abs(Math.abs(u.dataSync()[1]) - 1) < 1e-5);
 * ```
 */
export function topSingularPair(kernel: tf.Tensor2D): { u: tf.Tensor1D; sigma: tf.Tensor1D } {
  return tf.tidy(() => {
    const [inDim, outDim] = kernel.shape;
    const byInput = inDim <= outDim;
    const transposed = tf.transpose(kernel);
    // WᵀW = K·Kᵀ [in, in] has eigenvectors u; WWᵀ = Kᵀ·K [out, out] has eigenvectors v.
    let p = unitMax(byInput ? tf.matMul(kernel, transposed) : tf.matMul(transposed, kernel));
    for (let i = 0; i < SIGMA_REPARAM_INIT_SQUARINGS; i++) {
      const next = tf.tidy(() => unitMax(tf.matMul(p, p)));
      p.dispose();
      p = next;
    }
    // p ≈ c·w·wᵀ: its row of largest norm is c·w_i·wᵀ with |w_i| ≥ 1/√m, never ≈ 0.
    const row = tf.argMax(tf.sum(tf.square(p), 1));
    const w = normalize(tf.reshape(tf.gather(p, tf.reshape(row, [1])), [-1]));
    let u = byInput
      ? w
      : normalize(tf.reshape(tf.matMul(kernel, tf.reshape(w, [outDim, 1])), [inDim]));
    let sigma = tf.zeros([1]) as tf.Tensor1D;
    for (let i = 0; i < SIGMA_REPARAM_INIT_REFINEMENTS; i++) {
      ({ u, sigma } = powerIteration(kernel, u));
    }
    return { u, sigma };
  });
}

/**
 * γ·K/σ with u, v and σ held constant: dK = (γ/σ)·G − (γ·Σ(G⊙K)/σ²)·u·vᵀ, dγ = Σ(G⊙K)/σ (the
 * gradient reaches K through σ = uᵀ·K·v and directly).
 */
function reparametrized(
  kernel: tf.Tensor2D,
  gamma: tf.Tensor,
  step: PowerIteration,
): tf.Tensor2D {
  const fn = tf.customGrad((...args: (tf.Tensor | ((t: tf.Tensor[]) => void))[]) => {
    const [k, g] = args as tf.Tensor[];
    const save = args[2] as (t: tf.Tensor[]) => void;
    save([k, g, step.u, step.v, step.sigma]);
    return {
      value: tf.mul(k, tf.div(g, step.sigma)),
      gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
        const [sk, sg, u, v, sigma] = saved;
        const d = dy as tf.Tensor;
        const inner = tf.sum(tf.mul(d, sk));
        const dGamma = tf.reshape(tf.div(inner, sigma), sg.shape);
        const coefficient = tf.div(tf.mul(sg, inner), tf.square(sigma));
        // u·vᵀ by broadcasting, not matMul: tfjs-wasm caches a product's packed right operand by
        // its data id, and v was the [out, 1] right operand of the power iteration.
        const outer = tf.mul(tf.reshape(u, [-1, 1]), tf.reshape(v, [1, -1]));
        const dKernel = tf.sub(tf.mul(d, tf.div(sg, sigma)), tf.mul(outer, coefficient));
        return [dKernel, dGamma];
      },
    };
  });
  return fn(kernel, gamma) as tf.Tensor2D;
}

/** How {@linkcode SigmaReparam.weight} is called. */
export interface SigmaReparamCallOptions {
  /** Training: one power iteration, gradient through σ. Inference: the last σ. Default false. */
  training?: boolean;
  /** Training only: when false, leave u and σ as they are (finite-difference checks). Default true. */
  commit?: boolean;
}

/**
 * The σReparam state of one kernel and its reparametrized weight Ŵ = γ·K/σ. Variables: `gamma`
 * `[1]` (trainable, initialised to σ(W₀)), `u` `[in]` (state, initialised to W₀'s top right
 * singular vector) and `sigma` `[1]` (state: the last σ, initialised to σ(W₀)). A training call
 * runs one power iteration from u (no gradient through u and v), stores the new u and σ, and
 * passes gradients to K through σ and to γ; an inference call divides by the stored σ without
 * iterating.
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs-core";
 * import { SigmaReparam } from "@normbench/normbench";
 * const kernel = tf.variable(tf.tensor2d([[0.5, 0], [0, 0.25], [0, 0]])); // [in 3, out 2]
 * const sr = new SigmaReparam(kernel);
 * console.assert(Math.abs(sr.gamma.dataSync()[0] - 0.5) < 1e-6); // γ₀ = σ(W₀)
 * const w = sr.weight(kernel, { training: true }); // γ·K/σ = K at initialisation
 * console.assert(Math.abs(w.dataSync()[0] - 0.5) < 1e-6);
 * ```
 */
export class SigmaReparam {
  /** γ `[1]`, trainable, initialised to σ(W₀). */
  readonly gamma: tf.Variable;
  /** The persistent power-iteration vector u `[in]` (state). */
  readonly u: tf.Variable;
  /** The last σ `[1]` (state), which inference divides by. */
  readonly sigma: tf.Variable;
  readonly #factory: VariableFactory;

  /**
   * Creates the state of `kernel` `[in, out]` (its current value is W₀). `construction` names
   * the variables as a norm's are (`variableFactory`, `name`).
   */
  constructor(kernel: tf.Tensor2D, construction: NormConstruction = {}) {
    this.#factory = construction.variableFactory ?? plainVariables(construction.name);
    const { u, sigma } = topSingularPair(kernel);
    this.gamma = this.#make("gamma", tf.clone(sigma), true);
    this.u = this.#make("u", u, false);
    this.sigma = this.#make("sigma", sigma, false);
  }

  #make(localName: string, initial: tf.Tensor, trainable: boolean): tf.Variable {
    const v = this.#factory(localName, initial, trainable);
    if (v !== (initial as unknown)) initial.dispose();
    return v;
  }

  /**
   * The weight to multiply by, γ·K/σ, for `kernel` (the layer's current K). Training: one power
   * iteration from u gives σ (and, unless `commit` is false, the new u and σ are stored).
   * Inference: the stored σ. The caller disposes the result.
   */
  weight(kernel: tf.Tensor2D, options: SigmaReparamCallOptions = {}): tf.Tensor2D {
    if (!options.training) {
      return tf.tidy(() => tf.mul(kernel, tf.div(this.gamma, this.sigma)) as tf.Tensor2D);
    }
    return tf.tidy(() => {
      const step = powerIteration(kernel, this.u);
      const commit = options.commit ?? true;
      assignIf(commit, this.u, step.u);
      assignIf(commit, this.sigma, step.sigma);
      return reparametrized(kernel, this.gamma, step);
    });
  }

  /** γ, u and σ by local name (save these with the kernel to save the layer). */
  variables(): Record<string, tf.Variable> {
    return { gamma: this.gamma, u: this.u, sigma: this.sigma };
  }

  /** Frees γ, u and σ. */
  dispose(): void {
    tf.dispose([this.gamma, this.u, this.sigma]);
  }
}
