/**
 * Unified Normalization (Yang et al., ACM MM 2022), exact to the authors' `UN1d`.
 *
 * Every data-dependent decision (warm-up, outlier skip, compensation) is taken with tensor ops,
 * never by reading a value back, so the layer runs on WebGPU without a synchronous read and its
 * whole state, step counter included, lives in variables that save and load with the weights.
 *
 * @module
 */
import * as tf from "../tf.ts";
import { assignIf, NormBase, type NormConstruction, tokenMean, tokenSum } from "./base.ts";
import type { OptionSpecs, ResolvedOptions } from "./options.ts";
import type { InferenceSplit, NormCallOptions } from "./types.ts";
import type { NormEntry } from "./entry.ts";
import { unBackwardState, unForwardState, unStateKernelsActive } from "../backend/un_state.ts";
import { unBackwardPasses, unOutput, unQuadraticMean } from "./un_passes.ts";

/**
 * Options of `un`, with the authors' defaults.
 *
 * @example
 * ```ts
 * import { UNIFIED_NORM_OPTIONS } from "@normbench/normbench";
 * console.assert(UNIFIED_NORM_OPTIONS.window.default === 4);
 * ```
 */
export const UNIFIED_NORM_OPTIONS: OptionSpecs = {
  window: { default: 4, rule: "int>=1", doc: "forward window W of quadratic means" },
  windowBackward: {
    default: 0,
    rule: "int>=0",
    doc: "backward window Wb of gradient statistics (0 = same as window)",
  },
  warmup: { default: 4000, rule: "int>=0", doc: "warm-up steps T_w (exact batch-RMS norm)" },
  outlierFiltration: {
    default: false,
    rule: "boolean",
    doc: "skip windows whose statistics look like outliers (authors: on for vision)",
  },
  eps: { default: 1e-5, rule: "positive", doc: "added to the statistic" },
  momentum: { default: 0.9, rule: "unit-open", doc: "momentum m of the running variance and Ψ" },
  compensationStart: {
    default: 1000,
    rule: "int>=0",
    doc: "gradient compensation starts after max(compensationStart, warmup) steps",
  },
};

/** One-hot row selector [W, 1] for slot `t mod W`. */
function slot(t: tf.Scalar, w: number): tf.Tensor2D {
  // Not tf.oneHot(…, "float32"): tfjs-wasm 4.22 writes integer bits into the float output.
  return tf.tidy(() =>
    tf.reshape(tf.cast(tf.equal(tf.range(0, w), tf.mod(t, w)), "float32"), [w, 1]) as tf.Tensor2D
  );
}

/** `buffer` [W, C] with the row selected by `sel` [W, 1] replaced by `row` [C]. */
function writeRow(buffer: tf.Tensor, sel: tf.Tensor2D, row: tf.Tensor): tf.Tensor2D {
  return tf.tidy(() => tf.add(tf.mul(buffer, tf.sub(1, sel)), tf.mul(sel, row)) as tf.Tensor2D);
}

/** Unbiased variance of all elements of `t` (one scalar). */
function unbiasedVariance(t: tf.Tensor): tf.Scalar {
  return tf.tidy(() => {
    const d = tf.sub(t, tf.mean(t));
    return tf.div(tf.sum(tf.square(d)), t.size - 1) as tf.Scalar;
  });
}

/**
 * `un`: Unified Normalization. Training normalises each channel by a windowed geometric mean of
 * batch quadratic means (no mean subtraction), with the authors' approximate backward (gradient
 * statistics averaged over a window, ratio compensation clamped to [1/5, 5]) and optional
 * outlier filtration; inference is the per-channel affine map γ·x/sqrt(RV + ε) + β, which folds
 * into the next linear layer. The rules, step by step, are in this file's private methods.
 *
 * During warm-up the forward is an exact batch-RMS norm, but the backward is not quite its
 * exact gradient: from step 1 on the authors' code subtracts the running Ψ (momentum m) rather
 * than the batch's own mean(Ĝ·z). The golden vectors record that behaviour, and so does this
 * layer.
 *
 * State (variables, saved with the weights): `weight`, `bias`, `runningVar`, `emaGz`, `iters`,
 * `bufX2` [W, C], `bufGz` [Wb, C], `skipCount`.
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs-core";
 * import { createNorm } from "@normbench/normbench";
 * const un = createNorm("un", 8, { window: 4, warmup: 10 });
 * const x = tf.randomNormal([2, 5, 8]);
 * const dx = tf.grad((v: tf.Tensor) => tf.sum(un.apply(v, { training: true })))(x);
 * console.assert(dx.shape.join() === "2,5,8");
 * ```
 */
export class UnifiedNorm extends NormBase {
  /** Registry name of UN. */
  readonly name = "un" as const;
  /** Whether training normalizes with statistics over the batch. */
  readonly batchStatistics = true;
  /** γ, init 1. */
  readonly weight: tf.Variable;
  /** β, init 0. */
  readonly bias: tf.Variable;
  /** RV, the running statistic used at inference, init 1. */
  readonly runningVar: tf.Variable;
  /** Ψ, the running mean of the gradient statistic, init 0. */
  readonly emaGz: tf.Variable;
  /** t, training forward calls so far. */
  readonly iters: tf.Variable;
  /** The last W quadratic means, [W, C]. */
  readonly bufX2: tf.Variable;
  /** The last Wb gradient statistics, [Wb, C]. */
  readonly bufGz: tf.Variable;
  /** How many steps outlier filtration skipped. */
  readonly skipCount: tf.Variable;

  /** Prefer {@linkcode createNorm}, which validates and resolves `options`. */
  constructor(channels: number, options: ResolvedOptions, construction?: NormConstruction) {
    super(channels, options, construction);
    const w = this.window;
    const wb = this.windowBackward;
    this.weight = this.addVariable("weight", () => tf.ones([channels]), true);
    this.bias = this.addVariable("bias", () => tf.zeros([channels]), true);
    this.runningVar = this.addVariable("runningVar", () => tf.ones([channels]), false);
    this.emaGz = this.addVariable("emaGz", () => tf.zeros([channels]), false);
    this.iters = this.addVariable("iters", () => tf.scalar(0), false, true);
    this.bufX2 = this.addVariable("bufX2", () => tf.zeros([w, channels]), false);
    this.bufGz = this.addVariable("bufGz", () => tf.zeros([wb, channels]), false);
    this.skipCount = this.addVariable("skipCount", () => tf.scalar(0), false);
  }

  /** The forward window W. */
  get window(): number {
    return this.options.window as number;
  }

  /** The backward window Wb. */
  get windowBackward(): number {
    return (this.options.windowBackward as number) || this.window;
  }

  /** Normalizes `x` over its last axis (see {@linkcode Norm.apply}). */
  apply(x: tf.Tensor, options: NormCallOptions = {}): tf.Tensor {
    this.checkInput(x);
    if (!options.training) {
      return tf.tidy(() => {
        const scale = tf.mul(this.weight, tf.rsqrt(tf.add(this.runningVar, this.eps)));
        return tf.add(tf.mul(x, scale), this.bias);
      });
    }
    const commit = options.commit ?? true;
    const mask = options.mask;
    if (unStateKernelsActive()) return this.#applyWithStateKernels(x, mask, commit);
    const fn = tf.customGrad((...args: (tf.Tensor | ((t: tf.Tensor[]) => void))[]) => {
      const [input, gamma, beta] = args as tf.Tensor[];
      const save = args[3] as (t: tf.Tensor[]) => void;
      const { denom, ratio, skip, t, sel, exact } = this.#statistics(input, mask, commit);
      const z = tf.div(input, denom);
      // The slot selector and the exact-statistic flag are the backward's too when Wb = W.
      save([z, denom, ratio, tf.cast(skip, "float32"), t, sel, exact]);
      return {
        value: tf.add(tf.mul(z, gamma), beta),
        gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) =>
          this.#backward(dy as tf.Tensor, saved, gamma, commit),
      };
    });
    return fn(x, this.weight, this.bias);
  }

  /**
   * The training forward with the per-channel bookkeeping in one state kernel each way (wasm,
   * cpu, webgpu; `src/backend/un_state.ts`): the same rules as {@linkcode UnifiedNorm.apply}'s composite
   * ops, a few kernels instead of ~50 per step, and three fewer passes over the activations in
   * the backward (Σ dy·z serves both the gradient statistic and γ's gradient); on WebGPU the
   * passes over the activations are one program each too (`./un_passes.ts`).
   */
  #applyWithStateKernels(x: tf.Tensor, mask: tf.Tensor | undefined, commit: boolean): tf.Tensor {
    const fn = tf.customGrad((...args: (tf.Tensor | ((t: tf.Tensor[]) => void))[]) => {
      const [input, gamma, beta] = args as tf.Tensor[];
      const save = args[3] as (t: tf.Tensor[]) => void;
      const state = unForwardState({
        q: unQuadraticMean(input, mask),
        runningVar: this.runningVar,
        bufX2: this.bufX2,
        iters: this.iters,
        skipCount: this.skipCount,
      }, {
        window: this.window,
        warmup: this.options.warmup as number,
        momentum: this.options.momentum as number,
        eps: this.eps,
        start: Math.max(this.options.compensationStart as number, this.options.warmup as number),
        outlierFiltration: this.options.outlierFiltration as boolean,
      });
      assignIf(commit, this.bufX2, state.buffer);
      assignIf(commit, this.runningVar, state.runningVar);
      assignIf(commit, this.iters, state.iters);
      if (this.options.outlierFiltration) assignIf(commit, this.skipCount, state.skipCount);
      const { y, saved: kept } = unOutput(input, state.denom, gamma, beta);
      save([kept.t, state.denom, state.ratio, state.flags]);
      return {
        value: y,
        gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
          const g = dy as tf.Tensor;
          const [t, denom, ratio, flags] = saved;
          const passes = unBackwardPasses(g, { t, isInput: kept.isInput }, denom);
          const back = unBackwardState({
            dyz: passes.dyz,
            ratio,
            gamma,
            denom,
            bufGz: this.bufGz,
            emaGz: this.emaGz,
            flags,
          }, {
            windowBackward: this.windowBackward,
            window: this.window,
            warmup: this.options.warmup as number,
            momentum: this.options.momentum as number,
            tokens: g.size / this.channels,
          });
          assignIf(commit, this.bufGz, back.buffer);
          assignIf(commit, this.emaGz, back.ema);
          return [passes.dx(back.scale, back.shift), back.dGamma, tokenSum(g)];
        },
      };
    });
    return fn(x, this.weight, this.bias);
  }

  /** ε of the denominator. */
  get eps(): number {
    return this.options.eps as number;
  }

  /**
   * True when no step can be a skip step (no outlier filtration and W > 1): the skip flag is
   * then the constant false and the ops that would combine it are left out (same results,
   * fewer kernels).
   */
  get #neverSkips(): boolean {
    return !this.options.outlierFiltration && this.window > 1;
  }

  /** Training statistics of this step (forward steps 1–8 of the spec); commits the state. */
  #statistics(x: tf.Tensor, mask: tf.Tensor | undefined, commit: boolean): {
    denom: tf.Tensor1D;
    ratio: tf.Tensor1D;
    skip: tf.Scalar;
    t: tf.Scalar;
    sel: tf.Tensor2D;
    exact: tf.Scalar;
  } {
    const w = this.window;
    const warmup = this.options.warmup as number;
    const m = this.options.momentum as number;
    const q = tokenMean(tf.square(x), mask);
    const t = tf.add(this.iters, 1) as tf.Scalar;
    const sel = slot(t, w);
    let buffer = writeRow(this.bufX2, sel, q);
    let outlier: tf.Scalar = tf.scalar(false, "bool");
    if (this.options.outlierFiltration) {
      const variance = unbiasedVariance(tf.sqrt(this.bufX2));
      const am = tf.mean(buffer, 0);
      const gm = tf.exp(tf.mean(tf.log(buffer), 0));
      const anyOutlier = tf.any(tf.greater(tf.sub(am, gm), tf.mul(variance, w)));
      outlier = tf.logicalAnd(tf.greaterEqual(t, warmup), anyOutlier) as tf.Scalar;
      buffer = tf.where(outlier, writeRow(this.bufX2, sel, this.runningVar), buffer);
      assignIf(commit, this.skipCount, tf.add(this.skipCount, tf.cast(outlier, "float32")));
    }
    const skip = w <= 1 ? tf.scalar(true, "bool") : outlier;
    const inWarmup = tf.logicalOr(tf.lessEqual(t, w), tf.less(t, warmup));
    const exact = this.#neverSkips ? inWarmup : tf.logicalOr(inWarmup, skip);
    const geometric = tf.exp(tf.mean(tf.log(buffer), 0));
    const sigma2 = tf.where(exact, q, geometric) as tf.Tensor1D;
    const start = Math.max(this.options.compensationStart as number, warmup);
    const denom = tf.sqrt(tf.add(sigma2, this.eps)) as tf.Tensor1D;
    const raw = tf.div(denom, tf.sqrt(tf.add(this.runningVar, this.eps)));
    const beforeStart = tf.lessEqual(t, start);
    const noCompensation = this.#neverSkips ? beforeStart : tf.logicalOr(beforeStart, skip);
    const ratio = tf.where(noCompensation, tf.onesLike(raw), tf.clipByValue(raw, 0.2, 5));
    assignIf(commit, this.bufX2, buffer);
    assignIf(commit, this.runningVar, tf.add(tf.mul(this.runningVar, m), tf.mul(sigma2, 1 - m)));
    assignIf(commit, this.iters, t);
    return { denom, ratio: ratio as tf.Tensor1D, skip, t, sel, exact: exact as tf.Scalar };
  }

  /** The authors' approximate backward (backward steps 1–7 of the spec); commits the state. */
  #backward(dy: tf.Tensor, saved: tf.Tensor[], gamma: tf.Tensor, commit: boolean): tf.Tensor[] {
    const [z, denom, ratio, skipF, t, forwardSel, forwardExact] = saved;
    const wb = this.windowBackward;
    const warmup = this.options.warmup as number;
    const m = this.options.momentum as number;
    const never = this.#neverSkips;
    const skip = never ? null : tf.cast(skipF, "bool");
    const gHat = tf.mul(dy, tf.mul(ratio, gamma));
    const gz = tokenMean(tf.mul(gHat, z));
    const sameWindow = wb === this.window;
    const buffer = writeRow(
      this.bufGz,
      sameWindow ? forwardSel as tf.Tensor2D : slot(t as tf.Scalar, wb),
      skip ? tf.where(skip, this.emaGz as tf.Tensor, gz) : gz,
    );
    let exact = forwardExact;
    if (!sameWindow) {
      const inWarmup = tf.logicalOr(tf.lessEqual(t, wb), tf.less(t, warmup));
      exact = skip ? tf.logicalOr(inWarmup, skip) : inWarmup;
    }
    const gBar = tf.where(exact, gz, tf.mean(buffer, 0));
    const ema = tf.add(tf.mul(this.emaGz, m), tf.mul(gBar, 1 - m));
    const psi = skip ? tf.where(skip, gBar, ema) : ema;
    assignIf(commit, this.bufGz, buffer);
    assignIf(commit, this.emaGz, ema);
    const dx = tf.div(tf.sub(gHat, tf.mul(psi, z)), denom);
    // Σ G·(r·z) = r·Σ G·z (r is per channel): one broadcast op less.
    const dGamma = tf.mul(tokenSum(tf.mul(dy, z)), ratio);
    const dBeta = tokenSum(dy);
    return [dx, dGamma, dBeta];
  }

  /** The inference map as statistic · scale + shift (see {@linkcode Norm.inferenceSplit}). */
  inferenceSplit(): InferenceSplit {
    const { scale, shift } = tf.tidy(() => ({
      scale: tf.mul(this.weight, tf.rsqrt(tf.add(this.runningVar, this.eps))) as tf.Tensor1D,
      shift: tf.clone(this.bias) as tf.Tensor1D,
    }));
    return { statistic: null, scale, shift };
  }
}

/** UN's warm-up T_w and the start of its gradient compensation in the authors' recipes. */
const SOURCE_WARMUP = 4000;
const SOURCE_COMPENSATION_START = 1000;

/** UN's phase in one run: did every layer leave its warm-up, and how many outlier skips. */
function unPhase(counters: Readonly<Record<string, number>>, options: Readonly<ResolvedOptions>) {
  const all = Object.entries(counters).filter(([k]) => k.endsWith("iters")).map(([, v]) => v);
  // A layer that never ran a training forward (e.g. the MLM head without pre-training) has no
  // phase: it is counted apart, not taken as a layer stuck in warm-up.
  const iters = all.filter((v) => v > 0);
  const skips = Object.entries(counters).filter(([k]) => k.endsWith("skipCount"))
    .reduce((a, [, v]) => a + v, 0);
  const minIters = iters.length ? Math.min(...iters) : 0;
  return {
    layers: iters.length,
    unused: all.length - iters.length,
    minIters,
    stepsAfterWarmup: Math.max(0, minIters - (options.warmup as number)),
    skips,
  };
}

/**
 * The registry entry of `un`. Step-count scaling: T_w and the compensation start keep their
 * share of the source recipe's run. Summary: its phase (layers, unused layers, the smallest
 * step counter, steps after warm-up, outlier skips); check: every run left its warm-up.
 *
 * @example
 * ```ts
 * import { UNIFIED_NORM } from "@normbench/normbench";
 * const scaled = UNIFIED_NORM.scale!({ steps: 2000, scheduleWarmup: 100, sourceUpdates: 100_000 });
 * console.assert(scaled.warmup === 80 && scaled.compensationStart === 20);
 * const phase = UNIFIED_NORM.summarize!({ "a/iters": 100, "a/skipCount": 3, "b/iters": 0 }, {
 *   warmup: 40,
 * });
 * console.assert(phase.stepsAfterWarmup === 60 && phase.skips === 3 && phase.unused === 1);
 * ```
 */
export const UNIFIED_NORM: NormEntry = {
  title: "Unified Normalization (Yang et al. 2022)",
  options: UNIFIED_NORM_OPTIONS,
  build: (c, o, k) => new UnifiedNorm(c, o, k),
  folds: "full",
  scale: ({ steps, sourceUpdates }) => ({
    warmup: Math.round((SOURCE_WARMUP / sourceUpdates) * steps),
    compensationStart: Math.round((SOURCE_COMPENSATION_START / sourceUpdates) * steps),
  }),
  scaleRule: "UN's warm-up T_w and the start of its gradient compensation are 4000 and 1000 " +
    "updates of 100k in the IWSLT14 recipes (4% and 1% of our run) and of ≈ 750k in the " +
    "ImageNet one (T2T-ViT-14: 300 epochs at batch 512; 0.53% and 0.13%). UN's window W (a " +
    "count of recent batches) is not a horizon and is kept. Unscaled, UN would stay in warm-up " +
    "— an exact batch-RMS norm — for the whole run and test nothing of UN itself.",
  summarize: unPhase,
  check: (runs) => {
    const phases = runs.map((r) => r.summary as ReturnType<typeof unPhase>);
    const unused = Math.max(0, ...phases.map((p) => p.unused ?? 0));
    const after = phases.map((p) => p.stepsAfterWarmup);
    const skips = phases.map((p) => p.skips);
    const warmups = runs.map((r) => r.options.warmup as number);
    return [{
      check: "UN left its warm-up: the windowed statistic and gradient window were in use",
      ok: after.every((a) => a > 0),
      detail:
        `${runs.length} UN runs; scaled warm-up ${Math.min(...warmups)}–${Math.max(...warmups)} ` +
        `steps; steps after warm-up per run ${Math.min(...after)}–${Math.max(...after)}; outlier ` +
        `skips (summed over layers) ${Math.min(...skips)}–${Math.max(...skips)} per run` +
        (unused
          ? `; ${unused} UN layer(s) per run never ran in training (e.g. an unused head)`
          : ""),
    }];
  },
};
