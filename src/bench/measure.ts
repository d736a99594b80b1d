/**
 * Timing and profiling of inference variants: warm-up, then rounds in which every variant runs
 * once in a freshly shuffled order (so that drift of the machine hits them all alike), until
 * every median is stable; and one profiled run per variant for peak memory and the share of
 * kernel time spent in norm ops.
 *
 * @module
 */
import * as tf from "../tf.ts";
import { countWebGpuDispatches } from "../backend/webgpu_util.ts";
import { SeededRng } from "../util/random.ts";
import { median, quantile } from "../metrics/stats.ts";
import type { NormTracer } from "../inference/norm_ops.ts";

/** Options of {@linkcode timeInterleaved}. */
export interface InterleaveOptions {
  /** Untimed runs of every variant first (default 2). */
  warmup?: number;
  /** Rounds at least (default 5). */
  minRounds?: number;
  /** Rounds at most (default 500). */
  maxRounds?: number;
  /** No new round starts once the timed rounds took this long, in ms (default 20 000). */
  budgetMs?: number;
  /**
   * Stability: for every runner, the median of all its times and the median of its first 80%
   * differ by at most this fraction — the last fifth of the rounds no longer moves the median
   * (default 0.01).
   */
  tolerance?: number;
  /** Seed of the per-round shuffles (default 0). */
  seed?: number;
  /** Called after every round with the fraction done (of the rounds or the budget, larger). */
  onRound?: (fraction: number) => void;
}

/** Median and interquartile range of a sample of times, in ms. */
export interface TimingSummary {
  /** Median. */
  median: number;
  /** 25th percentile. */
  q25: number;
  /** 75th percentile. */
  q75: number;
  /** Sample size. */
  n: number;
}

/** What {@linkcode timeInterleaved} measured. */
export interface InterleavedTimes {
  /** Per variant: median and IQR in ms. */
  timings: Record<string, TimingSummary>;
  /** Per variant: every timed run in ms, in round order. */
  samples: Record<string, number[]>;
  /** Rounds run. */
  rounds: number;
  /** Whether every median met the stability rule before the limits. */
  stable: boolean;
  /** Wall time of the timed rounds in ms. */
  wallMs: number;
}

/**
 * Median and IQR of a sample of times.
 *
 * @example
 * ```ts
 * import { summarizeTimes } from "@normbench/normbench";
 * console.assert(summarizeTimes([3, 1, 2]).median === 2);
 * ```
 */
export function summarizeTimes(xs: readonly number[]): TimingSummary {
  return {
    median: quantile(xs, 0.5),
    q25: quantile(xs, 0.25),
    q75: quantile(xs, 0.75),
    n: xs.length,
  };
}

function shuffled<T>(items: readonly T[], rng: SeededRng): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

/**
 * Times `runners` (each one inference, awaited to completion) interleaved: `warmup` untimed
 * runs each, then rounds in which every runner runs once, in an order shuffled afresh each round,
 * until the time budget or `maxRounds` is reached (at least `minRounds`); `stable` then says
 * whether the medians had settled (see {@linkcode InterleaveOptions.tolerance}). Each sample is one call, awaited.
 *
 * @example
 * ```ts
 * import { timeInterleaved } from "@normbench/normbench";
 * const noop = () => Promise.resolve();
 * const r = await timeInterleaved({ a: noop, b: noop }, { warmup: 0, minRounds: 3, maxRounds: 3 });
 * console.assert(r.rounds === 3 && r.timings.a.n === 3);
 * ```
 */
export async function timeInterleaved(
  runners: Record<string, () => Promise<void>>,
  options: InterleaveOptions = {},
): Promise<InterleavedTimes> {
  const names = Object.keys(runners);
  const warmup = options.warmup ?? 2;
  const minRounds = options.minRounds ?? 5;
  const maxRounds = Math.max(minRounds, options.maxRounds ?? 500);
  const budget = options.budgetMs ?? 20_000;
  const tol = options.tolerance ?? 0.01;
  const rng = new SeededRng(options.seed ?? 0);
  for (let i = 0; i < warmup; i++) {
    for (const name of shuffled(names, rng)) await runners[name]();
  }
  const samples: Record<string, number[]> = Object.fromEntries(names.map((n) => [n, []]));
  const start = performance.now();
  let rounds = 0;
  let stable = false;
  while (rounds < maxRounds) {
    for (const name of shuffled(names, rng)) {
      const t0 = performance.now();
      await runners[name]();
      samples[name].push(performance.now() - t0);
    }
    rounds++;
    options.onRound?.(
      Math.min(1, Math.max(rounds / maxRounds, (performance.now() - start) / budget)),
    );
    // The whole budget is spent: more rounds narrow the intervals of small differences
    // (the no-norm bound compares times a few per cent apart), which stability alone does not.
    if (rounds >= minRounds && performance.now() - start >= budget) break;
  }
  if (rounds >= minRounds) {
    const head = Math.floor(0.8 * rounds);
    stable = names.every((name) => {
      const now = quantile(samples[name], 0.5);
      return Math.abs(quantile(samples[name].slice(0, head), 0.5) - now) <= tol * now;
    });
  }
  const timings = Object.fromEntries(names.map((n) => [n, summarizeTimes(samples[n])]));
  return { timings, samples, rounds, stable, wallMs: performance.now() - start };
}

/**
 * Per-round comparisons of each variant with `ln` and `ln-fused`, one value per round: keys
 * `vsLn:v` (t_ln / t_v), `vsFused:v` (t_ln-fused / t_v) and `diff:v` (t_ln − t_v), and with
 * `none` when it was timed, `vsNone:v` (t_none / t_v). Every
 * variant runs once per round, close in time, so what drifts between rounds cancels within each
 * ratio or difference; medians of these series are the paired estimates.
 *
 * @example
 * ```ts
 * import { pairedComparisons } from "@normbench/normbench";
 * // the second round ran twice as slow for everyone: the ratios do not move
 * const s = { ln: [3, 6], "ln-fused": [2, 4], un: [2, 4], none: [2, 4] };
 * const p = pairedComparisons(s, ["un"]);
 * console.assert(p["vsLn:un"].every((r) => r === 1.5) && p["diff:un"][1] === 2);
 * console.assert(p["vsNone:un"].every((r) => r === 1));
 * ```
 */
export function pairedComparisons(
  samples: Record<string, readonly number[]>,
  names: readonly string[],
): Record<string, number[]> {
  const ln = samples.ln;
  const fused = samples["ln-fused"];
  if (!ln || !fused) throw new Error("paired comparisons need the ln and ln-fused samples");
  const none = samples.none && samples.none.length === ln.length ? samples.none : null;
  const out: Record<string, number[]> = {};
  for (const v of names) {
    const t = samples[v];
    if (!t || t.length !== ln.length || fused.length !== ln.length) {
      throw new Error(`variant ${v} has no sample for every round`);
    }
    out[`vsLn:${v}`] = t.map((x, r) => ln[r] / x);
    out[`vsFused:${v}`] = t.map((x, r) => fused[r] / x);
    out[`diff:${v}`] = t.map((x, r) => ln[r] - x);
    if (none) out[`vsNone:${v}`] = t.map((x, r) => none[r] / x);
  }
  return out;
}

/**
 * Bootstrap of the per-runner medians with rounds resampled as units (a round's times stay
 * together, so what drift they share is kept): `resamples` draws of `n` round indices with
 * replacement, each giving every runner's median. All runners must have the same number of
 * samples (one per round).
 *
 * @example
 * ```ts
 * import { bootstrapMedians } from "@normbench/normbench";
 * const draws = bootstrapMedians({ a: [1, 2, 3], b: [2, 4, 6] }, { resamples: 100 });
 * console.assert(draws.length === 100 && draws.every((d) => d.b === 2 * d.a));
 * ```
 */
export function bootstrapMedians(
  samples: Record<string, readonly number[]>,
  options: { resamples?: number; seed?: number } = {},
): Record<string, number>[] {
  const names = Object.keys(samples);
  const n = names.length ? samples[names[0]].length : 0;
  if (n === 0) return [];
  const rng = new SeededRng(options.seed ?? 0);
  const idx = new Int32Array(n);
  const draw = new Float64Array(n);
  const out: Record<string, number>[] = [];
  for (let r = 0; r < (options.resamples ?? 1000); r++) {
    for (let i = 0; i < n; i++) idx[i] = rng.int(n);
    out.push(Object.fromEntries(names.map((k) => {
      for (let i = 0; i < n; i++) draw[i] = samples[k][idx[i]];
      return [k, median(draw)];
    })));
  }
  return out;
}

/**
 * The central `level` interval (default 95%) of a statistic over bootstrap draws (see
 * {@linkcode bootstrapMedians}); non-finite values are dropped; null when none is left.
 *
 * @example
 * ```ts
 * import { bootstrapInterval } from "@normbench/normbench";
 * const draws = Array.from({ length: 101 }, (_, i) => ({ a: i }));
 * const [low, high] = bootstrapInterval(draws, (m) => m.a)!;
 * console.assert(Math.abs(low - 2.5) < 1e-9 && Math.abs(high - 97.5) < 1e-9);
 * ```
 */
export function bootstrapInterval(
  draws: readonly Record<string, number>[],
  statistic: (medians: Record<string, number>) => number,
  level = 0.95,
): [number, number] | null {
  const values = draws.map(statistic).filter(Number.isFinite);
  if (values.length === 0) return null;
  return [quantile(values, (1 - level) / 2), quantile(values, (1 + level) / 2)];
}

/** What profiling an inference showed. */
export interface InferenceProfile {
  /** Peak tensor bytes during a run above those alive before it (activations and output). */
  peakBytes: number;
  /** Backend kernels per run (tfjs's op-level scope records are left out). */
  kernels: number;
  /** Of which inside norm ops. */
  normKernels: number;
  /**
   * Bytes the kernels read and write per run: Σ over kernels of their input and output
   * elements × 4 (every tensor counted as 4-byte elements) — a deterministic proxy of the
   * memory traffic, beside the timings.
   */
  bytesMoved: number;
  /** Median over the runs of Σ kernel time in ms (0 on WebGPU without timestamp queries). */
  kernelMs: number;
  /** Median over the runs of Σ kernel time inside norm ops in ms. */
  normKernelMs: number;
  /** Median over the runs of the norm ops' share of kernel time; null when it is not timed. */
  normShare: number | null;
  /** WebGPU: largest GPU bytes in use at a norm boundary above the start, else null. */
  gpuPeakBytes: number | null;
  /**
   * WebGPU: GPU dispatches per run (every WGSL program, also those inside a kernel), else null.
   */
  dispatches: number | null;
}

/**
 * `tf.profile` also records op-level scopes (`fusedMatMul__op`, custom-gradient ops) around the
 * kernels they run; only names registered as kernels of the backend are kernels.
 */
function isKernel(name: string): boolean {
  return tf.getKernel(name, tf.getBackend()) !== undefined;
}

interface OneProfile {
  peakBytes: number;
  kernels: number;
  bytesMoved: number;
  normKernels: number;
  kernelMs: number;
  normKernelMs: number;
  gpuPeakBytes: number | null;
}

async function profileOnce(run: () => tf.Tensor, tracer: NormTracer): Promise<OneProfile> {
  const before = tf.memory() as { numBytes: number; numBytesInGPU?: number };
  tracer.start();
  let trace;
  let info;
  try {
    info = await tf.profile(async () => {
      const y = run();
      await y.data();
      return y;
    });
  } finally {
    trace = tracer.stop();
  }
  (info.result as tf.Tensor).dispose();
  const inNorm = new Set<number>();
  for (const [a, b] of trace.ranges) for (let i = a; i < b; i++) inNorm.add(i);
  let kernels = 0;
  let bytesMoved = 0;
  let normKernels = 0;
  let kernelMs = 0;
  let normKernelMs = 0;
  info.kernels.forEach((k, i) => {
    if (!isKernel(k.name)) return;
    const ms = typeof k.kernelTimeMs === "number" ? k.kernelTimeMs : 0;
    kernels++;
    kernelMs += ms;
    bytesMoved += 4 * [...(k.inputShapes ?? []), ...(k.outputShapes ?? [])]
      .reduce((sum, shape) => sum + (shape ?? []).reduce((a, b) => a * b, 1), 0);
    if (inNorm.has(i)) {
      normKernels++;
      normKernelMs += ms;
    }
  });
  const peakBytes = Math.max(0, info.peakBytes - before.numBytes);
  const gpuPeakBytes = trace.gpuBytes !== null && before.numBytesInGPU !== undefined
    ? Math.max(0, trace.gpuBytes - before.numBytesInGPU)
    : null;
  return { peakBytes, kernels, bytesMoved, normKernels, kernelMs, normKernelMs, gpuPeakBytes };
}

/**
 * Profiles `runs` inferences with `tf.profile` (default 3): peak memory, kernel count and time,
 * and — through `tracer`, which must wrap the norm operators of the model `run` uses — which
 * kernels ran inside norm ops. Times are medians over the runs.
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs-core";
 * import { NormTracer, profileInference } from "@normbench/normbench";
 * const tracer = new NormTracer();
 * const norm = tracer.wrap((x) => tf.mul(x, 2));
 * const p = await profileInference(() => tf.add(norm(tf.ones([4])), 1), tracer);
 * console.assert(p.kernels === 2 && p.normKernels === 1);
 * ```
 */
export async function profileInference(
  run: () => tf.Tensor,
  tracer: NormTracer,
  runs = 3,
): Promise<InferenceProfile> {
  const all: OneProfile[] = [];
  for (let i = 0; i < Math.max(1, runs); i++) all.push(await profileOnce(run, tracer));
  const median = (f: (p: OneProfile) => number) => quantile(all.map(f), 0.5);
  const kernelMs = median((p) => p.kernelMs);
  const gpu = all.map((p) => p.gpuPeakBytes).filter((b): b is number => b !== null);
  return {
    peakBytes: Math.max(...all.map((p) => p.peakBytes)),
    kernels: all[0].kernels,
    bytesMoved: all[0].bytesMoved,
    normKernels: all[0].normKernels,
    kernelMs,
    normKernelMs: median((p) => p.normKernelMs),
    normShare: kernelMs > 0
      ? median((p) => (p.kernelMs > 0 ? p.normKernelMs / p.kernelMs : 0))
      : null,
    gpuPeakBytes: gpu.length ? Math.max(...gpu) : null,
    // one more run on WebGPU only (elsewhere there is nothing to count)
    dispatches: tf.getBackend() === "webgpu"
      ? await countWebGpuDispatches(async () => {
        const y = run();
        await y.data();
        y.dispose();
      })
      : null,
  };
}
