/**
 * Experiment: the papers' motivation figures. Trains a model with a chosen norm and records, at
 * every step and for every norm layer, the per-channel batch quadratic mean of the layer's
 * input — the statistic BN, PowerNorm and UN estimate — then measures how much it fluctuates:
 * its distance from a running average (PowerNorm's Fig. 2 argument) and how often UN's outlier
 * rule would fire on it.
 *
 * @module
 */
import * as tf from "../tf.ts";
import { tokenMean } from "../norms/base.ts";
import type { Norm, NormCallOptions } from "../norms/types.ts";
import type { Json, RunOutput, TaskContext } from "../results/types.ts";
import type { AnyModel } from "../models/presets.ts";
import type { ExperimentHooks } from "./common.ts";
import { trainImageClassifier } from "./image_classification.ts";
import { trainTranslator } from "./translation.ts";
import { median } from "../metrics/stats.ts";

/** Per-layer traces of the batch quadratic mean, one Float32Array [C] per step. */
export type StatTrace = Float32Array[][];

/**
 * Wraps every norm of `model` so that each training call records the per-channel quadratic mean
 * of its input. `flush()` reads what was recorded (asynchronously) into the trace.
 *
 * @example
 * ```ts ignore
 * const probe = probeNormInputs(model);
 * // … train …
 * await probe.flush();
 * console.log(probe.trace.length);
 * ```
 */
export function probeNormInputs(model: AnyModel): {
  trace: StatTrace;
  flush: () => Promise<void>;
  layers: number;
} {
  const norms: Norm[] = model.norms();
  const trace: StatTrace = norms.map(() => []);
  const pending: { layer: number; q: tf.Tensor }[] = [];
  norms.forEach((norm, layer) => {
    const original = norm.apply.bind(norm);
    (norm as { apply: Norm["apply"] }).apply = (x: tf.Tensor, options: NormCallOptions = {}) => {
      if (options.training) {
        pending.push({ layer, q: tf.keep(tokenMean(tf.square(x), options.mask)) });
      }
      return original(x, options);
    };
  });
  // Reads are chained, so traces stay in step order however often flush is called.
  let queue = Promise.resolve();
  const flush = () => {
    const items = pending.splice(0);
    queue = queue.then(async () => {
      for (const { layer, q } of items) {
        trace[layer].push((await q.data()) as Float32Array);
        q.dispose();
      }
    });
    return queue;
  };
  return { trace, flush, layers: norms.length };
}

/** Fluctuation summaries of one layer's trace. */
export interface LayerFluctuation {
  /** Mean over steps of ‖q_t − ema_{t−1}‖ / ‖ema_{t−1}‖ (ema momentum 0.9). */
  distance: number;
  /** Fraction of steps at which UN's outlier rule (window `window`) fires on q. */
  outlierRate: number;
}

/**
 * PowerNorm's distance of batch statistics from their running average, and UN's outlier rule
 * applied to the recorded statistics, for one layer; the first `skip` steps are left out
 * (initial transients).
 *
 * @example
 * ```ts
 * import { layerFluctuation } from "@normbench/normbench";
 * const steady = Array.from({ length: 20 }, () => Float32Array.of(1, 2));
 * const f = layerFluctuation(steady, 4, 2);
 * console.assert(f.distance < 1e-6 && f.outlierRate === 0);
 * ```
 */
export function layerFluctuation(
  steps: Float32Array[],
  window: number,
  skip: number,
): LayerFluctuation {
  const c = steps[0]?.length ?? 0;
  const ema = new Float64Array(c);
  let distanceSum = 0;
  let distanceN = 0;
  let outliers = 0;
  let checked = 0;
  for (let t = 0; t < steps.length; t++) {
    const q = steps[t];
    if (t === 0) ema.set(q);
    else {
      let num = 0;
      let den = 0;
      for (let i = 0; i < c; i++) {
        num += (q[i] - ema[i]) ** 2;
        den += ema[i] ** 2;
        ema[i] = 0.9 * ema[i] + 0.1 * q[i];
      }
      if (t >= skip && den > 0) {
        distanceSum += Math.sqrt(num / den);
        distanceN++;
      }
    }
    // UN's rule: V = unbiased variance of sqrt(q) over the previous window (all elements);
    // outlier when any channel's arithmetic minus geometric mean over the window with the new
    // q exceeds W·V.
    if (t >= Math.max(skip, window)) {
      const prev = steps.slice(t - window, t);
      const roots = prev.flatMap((p) => Array.from(p, Math.sqrt));
      const mu = roots.reduce((a, b) => a + b, 0) / roots.length;
      const v = roots.reduce((a, b) => a + (b - mu) ** 2, 0) / Math.max(1, roots.length - 1);
      const win = [...steps.slice(t - window + 1, t), q];
      let fires = false;
      for (let i = 0; i < c && !fires; i++) {
        const am = win.reduce((a, p) => a + p[i], 0) / window;
        const gm = Math.exp(win.reduce((a, p) => a + Math.log(p[i]), 0) / window);
        if (am - gm > window * v) fires = true;
      }
      if (fires) outliers++;
      checked++;
    }
  }
  return {
    distance: distanceN ? distanceSum / distanceN : NaN,
    outlierRate: checked ? outliers / checked : NaN,
  };
}

/**
 * Turns a trace into run-output metrics, curves and notes.
 *
 * @example
 * ```ts
 * import { traceOutput } from "@normbench/normbench";
 * const trace = [Array.from({ length: 12 }, () => Float32Array.of(1, 2))];
 * console.assert(traceOutput(trace).metrics.stat_distance! < 1e-6);
 * ```
 */
export function traceOutput(trace: StatTrace, window = 4): Pick<RunOutput, "curves"> & {
  metrics: Record<string, number | null>;
  notes: Record<string, Json>;
} {
  const steps = Math.min(...trace.map((t) => t.length));
  const skip = Math.max(1, Math.floor(steps * 0.1));
  const layers = trace.map((t) => layerFluctuation(t, window, skip));
  const mean = (xs: number[]) =>
    xs.filter(Number.isFinite).reduce((a, b) => a + b, 0) /
    Math.max(1, xs.filter(Number.isFinite).length);
  const curves: RunOutput["curves"] = {};
  // the overall scale of the first and last norm layers' statistic, relative to its median
  for (const [name, layer] of [["first", 0], ["last", trace.length - 1]] as const) {
    const scale = trace[layer].map((q) => q.reduce((a, b) => a + b, 0) / q.length);
    const typical = median(scale) || 1;
    curves[`stat_${name}`] = scale.map((s, t) => ({ x: t + 1, y: s / typical }));
  }
  return {
    metrics: {
      stat_distance: mean(layers.map((l) => l.distance)),
      outlier_rate: mean(layers.map((l) => l.outlierRate)),
    },
    curves,
    notes: {
      layers: layers.map((l) => ({ distance: l.distance, outlierRate: l.outlierRate })),
      steps,
      skip,
    },
  };
}

/** Input of {@linkcode traceStatistics}: which experiment to trace (its own input) and how. */
export interface StatisticsRunInput {
  /** `translation` or `image`. */
  experiment: "translation" | "image";
  /** The experiment's input (see its module). */
  input: Json;
  /** UN's window for the outlier rule. */
  window: number;
}

/**
 * Runs an experiment with probes on its norms and returns the fluctuation measures (plus the
 * experiment's own metrics, prefixed `task_`).
 *
 * @example
 * ```ts ignore
 * import { traceStatistics } from "@normbench/normbench";
 * const out = await traceStatistics({ experiment: "image", input: { ... }, window: 4 }, { progress: () => {} });
 * console.log(out.metrics.stat_distance);
 * ```
 */
export async function traceStatistics(input: Json, context: TaskContext): Promise<RunOutput> {
  const cfg = input as unknown as StatisticsRunInput;
  let probe: ReturnType<typeof probeNormInputs> | undefined;
  const hooks: ExperimentHooks = {
    onModel: (model) => {
      probe = probeNormInputs(model);
    },
    onStep: () => {
      void probe?.flush();
    },
  };
  const run = cfg.experiment === "translation" ? trainTranslator : trainImageClassifier;
  const output = await run(cfg.input, context, hooks);
  await probe?.flush();
  const traced = traceOutput(probe!.trace, cfg.window);
  const taskMetrics = Object.fromEntries(
    Object.entries(output.metrics).map(([k, v]) => [`task_${k}`, v]),
  );
  return {
    metrics: { ...traced.metrics, ...taskMetrics },
    curves: { ...traced.curves, train_loss: output.curves?.train_loss ?? [] },
    collapse: output.collapse,
    notes: { ...traced.notes, task: output.notes ?? {} },
  };
}
