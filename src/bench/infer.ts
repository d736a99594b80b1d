/**
 * One cell of the inference benchmark: a model preset at a batch size on the current backend,
 * every variant built on the same random weights, each folded variant checked against its
 * unfolded twin, then timed interleaved and profiled.
 *
 * @module
 */
import * as tf from "../tf.ts";
import { describeBackend } from "../backend/backend.ts";
import { createModel, PRESETS } from "../models/presets.ts";
import { syntheticBatch } from "../models/synthetic.ts";
import type { Norm } from "../norms/types.ts";
import { buildInference, type InferenceModel } from "../inference/inference_model.ts";
import {
  bootstrapInterval,
  bootstrapMedians,
  type InterleaveOptions,
  pairedComparisons,
  profileInference,
  timeInterleaved,
} from "./measure.ts";
import { NormTracer } from "../inference/norm_ops.ts";
import { createNormSet, disposeNorms, type InferenceModelKind } from "../inference/norm_slots.ts";
import { parsePlacement } from "../nn/block.ts";
import {
  VARIANT_NAMES,
  variantFitsPlacement,
  type VariantName,
  variantSpec,
} from "../inference/variants.ts";
import { convertedModel } from "../inference/converted_model.ts";
import type { AnyModel } from "../models/presets.ts";
import { UsageError } from "../util/errors.ts";
import { median } from "../metrics/stats.ts";

/**
 * The largest relative error a variant may show against its unfolded twin before timing.
 *
 * @example
 * ```ts
 * import { FOLD_TOLERANCE } from "@normbench/normbench";
 * console.assert(FOLD_TOLERANCE === 1e-4);
 * ```
 */
export const FOLD_TOLERANCE = 1e-4;

/**
 * Options under which training-mode forwards set a batch-statistics norm's running statistics to
 * the batch's (the new batch's weight ≈ 1; PowerNorm's warm-up averages the batch statistics;
 * RepBN's λ reaches 0 at the second forward, so its statistics are those of the inference path
 * BN(x) + η·x, not of the LayerNorm it starts as). They only shape the calibration, not the
 * inference map.
 */
const CALIBRATION_OPTIONS: Record<string, Record<string, number>> = {
  un: { momentum: 0.01 },
  bn: { momentum: 0.99 },
  repbn: { momentum: 0.99, decaySteps: 1 },
};

/** Training-mode forwards of the calibration (the last one with RepBN at λ = 0). */
const CALIBRATION_FORWARDS = 2;

/** One cell: a model preset, a batch size and the variants to time. */
export interface InferCell {
  /** `vit`, `encoder` or `translator`. */
  model: InferenceModelKind;
  /** A preset of that model (`small`, or a paper-shaped one: `t2t-vit-14`, `bert-base`, `iwslt`). */
  preset: string;
  /** Samples per batch. */
  batch: number;
  /** Tokens per sequence (default: encoder min(maxLen, 128), translator min(maxLen, 32)). */
  seq?: number;
  /**
   * Variants (default: all that run under the placement — the converting ones need `pre`);
   * `ln`, `ln-fused` and `none` are always added.
   */
  variants?: VariantName[];
  /**
   * Norm placement (default `pre`): every placement runs through the model's own forward; a
   * norm whose output is also the residual stream keeps its affine map as an op when folded.
   */
  placement?: string;
  /** Seed of the weights, the norm state and the input (default 0). */
  seed?: number;
  /** Timing options. */
  measure?: InterleaveOptions;
  /** Profiled runs per variant (default 3; times are their medians). */
  profileRuns?: number;
}

/** One variant's numbers in a cell. */
export interface InferVariantResult {
  /** The variant. */
  variant: VariantName;
  /** Median ms per batch. */
  ms: number;
  /** 25th and 75th percentile ms per batch. */
  msIqr: [number, number];
  /** Timed runs. */
  n: number;
  /** Samples per second at the median. */
  samplesPerSec: number;
  /** t_ln / t: the median over rounds of the ratio within a round. */
  speedupVsLn: number;
  /** 95% bootstrap interval of `speedupVsLn` (rounds resampled as units). */
  speedupVsLnCi: [number, number] | null;
  /** t_ln-fused / t: the median over rounds of the ratio within a round. */
  speedupVsFused: number;
  /** 95% bootstrap interval of `speedupVsFused`. */
  speedupVsFusedCi: [number, number] | null;
  /**
   * t_none / t: the median over rounds of the ratio within a round — 1 when the variant runs as
   * fast as the model with no norm. Null when `none` was not timed (and in results written
   * before this field existed).
   */
  speedupVsNone?: number | null;
  /** 95% bootstrap interval of `speedupVsNone`. */
  speedupVsNoneCi?: [number, number] | null;
  /**
   * (t_ln − t) / (t_ln − t_none): the share of the no-norm bound reached, each difference the
   * median over rounds of the difference within a round; null if that of `none` is not positive.
   */
  boundFraction: number | null;
  /** 95% bootstrap interval of `boundFraction` (resamples with t_ln ≤ t_none left out). */
  boundCi: [number, number] | null;
  /** Peak tensor MB during one inference above what was alive before (activations, output). */
  peakMb: number;
  /** 1 − peak / peak of `ln`. */
  peakReduction: number;
  /** MB of the weights and norm constants the forward reads. */
  weightsMb: number;
  /** WebGPU: peak GPU MB in use (sampled at norm boundaries) above the start, else null. */
  gpuPeakMb: number | null;
  /** Kernels per inference. */
  kernels: number;
  /** WebGPU: GPU dispatches per inference (absent or null elsewhere). */
  dispatches?: number | null;
  /** MB the kernels read and write per inference (elements × 4 bytes; deterministic). */
  mbMoved: number;
  /** Of which inside norm ops. */
  normKernels: number;
  /** Share of the profiled kernel time spent in norm ops; null without kernel timers. */
  normShare: number | null;
  /** Max relative error against the unfolded twin (`zoo` execution of the same norms). */
  twinError: number | null;
}

/** A finished cell (plain data). */
export interface InferCellResult {
  /** Backend name. */
  backend: string;
  /** The adapter (WebGPU) or a CPU note. */
  adapter: string;
  /** True on a software WebGPU adapter: correctness only, not a speed claim. */
  softwareAdapter: boolean;
  /** Model kind. */
  model: InferenceModelKind;
  /** Preset. */
  preset: string;
  /** Samples per batch. */
  batch: number;
  /** Norm placement the model ran under (`pre` unless the cell named another). */
  placement: string;
  /** Tokens per sequence (text) or per image (patches + class token). */
  seq: number;
  /** Timed rounds. */
  rounds: number;
  /** Whether every median met the stability rule. */
  stable: boolean;
  /** Wall time of the timed rounds, ms. */
  timingMs: number;
  /** Per variant, in report order. */
  variants: InferVariantResult[];
}

/**
 * Throws a {@linkcode UsageError} unless `cell` names a model the engine runs and one of its
 * presets, a positive batch and sequence length and known variants; returns the resolved
 * sequence length.
 *
 * @example
 * ```ts
 * import { checkInferCell } from "@normbench/normbench";
 * console.assert(checkInferCell({ model: "encoder", preset: "bert-base", batch: 1 }) === 128);
 * ```
 */
export function checkInferCell(cell: InferCell): number {
  if (!["vit", "encoder", "translator"].includes(cell.model)) {
    throw new UsageError(
      `inference timing runs vit, encoder and translator models, got '${cell.model}'`,
    );
  }
  const presets = PRESETS[cell.model] as Record<string, Record<string, unknown>>;
  if (!Object.hasOwn(presets, cell.preset)) {
    throw new UsageError(
      `unknown preset '${cell.preset}' for model '${cell.model}'`,
      `use one of: ${Object.keys(presets).join(", ")}`,
    );
  }
  if (!Number.isInteger(cell.batch) || cell.batch < 1) {
    throw new UsageError(`batch must be a positive integer, got ${cell.batch}`);
  }
  const placement = cell.placement === undefined ? "pre" : parsePlacement(cell.placement);
  for (const v of cell.variants ?? []) {
    if (!variantFitsPlacement(variantSpec(v), placement)) {
      throw new UsageError(
        `variant '${v}' converts a Pre-LN model; it does not run under placement '${placement}'`,
        "use placement pre for it, or leave it out",
      );
    }
  }
  const p = presets[cell.preset];
  if (cell.model === "vit") {
    return ((p.imageSize as number) / (p.patch as number)) ** 2 + 1;
  }
  const maxLen = p.maxLen as number;
  const seq = cell.seq ?? Math.min(maxLen, cell.model === "encoder" ? 128 : 32);
  if (!Number.isInteger(seq) || seq < 1 || seq > maxLen) {
    throw new UsageError(
      `sequence length must be an integer in 1…${maxLen} for ${cell.model}/${cell.preset}, ` +
        `got ${seq}`,
    );
  }
  return seq;
}

/** Max |a − b| / max |b|. */
async function relativeError(a: tf.Tensor, b: tf.Tensor): Promise<number> {
  const [x, y] = [await a.data(), await b.data()];
  let diff = 0;
  let mag = 0;
  for (let i = 0; i < x.length; i++) {
    diff = Math.max(diff, Math.abs(x[i] - y[i]));
    mag = Math.max(mag, Math.abs(y[i]));
  }
  return mag === 0 ? diff : diff / mag;
}

const MB = 1024 * 1024;

/**
 * The norms of one variant family with realistic state: trainable parameters (γ, β, α, η)
 * drawn at random; running statistics (BN, UN, PowerNorm, RepBN) set by training-mode forwards
 * over a calibration batch (a different sample from the timed one), so the model stays
 * well-conditioned and folding is tested on statistics that differ from 1 and 0 per channel.
 */
async function calibratedNorms(
  model: ReturnType<typeof createModel>,
  norm: string,
  seed: number,
  shared: Map<string, tf.Tensor>,
): Promise<Map<string, Norm>> {
  const norms = createNormSet(model, norm, CALIBRATION_OPTIONS[norm] ?? {}, seed, "trainable");
  if ([...norms.values()].some((n) => n.batchStatistics)) {
    const batch = syntheticBatch(model, { batch: 4, seed: seed + 2 });
    const calibrate = buildInference(model, { treatment: "calibrate", norms, shared });
    for (let i = 0; i < CALIBRATION_FORWARDS; i++) {
      const y = calibrate.run(batch, { teacherForcing: true });
      await y.data();
      y.dispose();
    }
    calibrate.dispose();
  }
  return norms;
}

/**
 * Runs one cell on the current backend: builds the model once (random weights, norm `none`),
 * a set of norms per norm of the variants (random γ, β, α, η; running statistics calibrated by
 * training-mode forwards on another batch), every variant on the shared weights (a converting
 * variant on a converted copy of the `ln` variants' model); checks each against the `zoo`
 * execution of the same norms (a converting variant: of the LayerNorms; max relative error
 * ≤ {@linkcode FOLD_TOLERANCE}, else it throws and times nothing); then times all variants
 * interleaved and profiles each once. Frees everything it made.
 *
 * @example
 * ```ts
 * import { benchInfer, initBackend } from "@normbench/normbench";
 * await initBackend("wasm");
 * const r = await benchInfer({
 *   model: "vit", preset: "tiny", batch: 2, variants: ["un-folded"],
 *   measure: { warmup: 1, minRounds: 2, maxRounds: 2 },
 * });
 * console.assert(r.variants.length === 4 && r.variants[2].twinError! < 1e-4);
 * ```
 */
export async function benchInfer(cell: InferCell): Promise<InferCellResult> {
  const seq = checkInferCell(cell);
  const placement = cell.placement ?? "pre";
  const names = VARIANT_NAMES.filter((v) =>
    ["ln", "ln-fused", "none"].includes(v) ||
    (cell.variants ?? VARIANT_NAMES.filter((n) => variantFitsPlacement(variantSpec(n), placement)))
      .includes(v)
  );
  const seed = cell.seed ?? 0;
  const model = createModel({
    model: cell.model,
    preset: cell.preset,
    norm: "none",
    placement: cell.placement,
    seed,
  });
  const batch = syntheticBatch(model, { batch: cell.batch, seq, seed: seed + 1 });
  const normSets = new Map<string, Map<string, Norm>>();
  const shared = new Map<string, tf.Tensor>();
  const tracer = new NormTracer();
  const built = new Map<VariantName, InferenceModel>();
  const converted: AnyModel[] = [];
  try {
    const twinErrors = new Map<VariantName, number | null>();
    const twinOutputs = new Map<string, tf.Tensor>();
    try {
      for (const name of names) {
        const spec = variantSpec(name);
        if (!normSets.has(spec.norm)) {
          normSets.set(spec.norm, await calibratedNorms(model, spec.norm, seed, shared));
        }
        const norms = normSets.get(spec.norm)!;
        if (spec.convert) {
          // the ln variants' model (these weights, the ln norms) converted exactly
          const target = convertedModel(model, spec.convert, norms);
          converted.push(target);
          built.set(name, buildInference(target, { treatment: spec.treatment, tracer, shared }));
        } else {
          built.set(
            name,
            buildInference(model, { treatment: spec.treatment, norms, tracer, shared }),
          );
        }
        if (spec.treatment === "identity") {
          twinErrors.set(name, null);
          continue;
        }
        if (!twinOutputs.has(spec.norm)) {
          const twin = buildInference(model, { treatment: "zoo", norms, shared });
          twinOutputs.set(spec.norm, twin.run(batch, { probe: true }));
          twin.dispose();
        }
        const y = built.get(name)!.run(batch, { probe: true });
        const err = await relativeError(y, twinOutputs.get(spec.norm)!);
        y.dispose();
        if (!(err <= FOLD_TOLERANCE)) {
          throw new Error(
            `${cell.model}/${cell.preset}: variant '${name}' differs from its unfolded twin by a ` +
              `relative ${err.toExponential(2)} (> ${FOLD_TOLERANCE}); refusing to time it`,
          );
        }
        twinErrors.set(name, err);
      }
    } finally {
      tf.dispose([...twinOutputs.values()]);
    }
    const runners = Object.fromEntries(names.map((name) => [name, async () => {
      const y = built.get(name)!.run(batch);
      await y.data();
      y.dispose();
    }]));
    const timed = await timeInterleaved(runners, { seed, ...cell.measure });
    const profiles = new Map<VariantName, Awaited<ReturnType<typeof profileInference>>>();
    for (const name of names) {
      profiles.set(
        name,
        await profileInference(() => built.get(name)!.run(batch), tracer, cell.profileRuns ?? 3),
      );
    }
    // Comparisons are paired by round: every variant ran once per round, close in time, so
    // what drifts between rounds (a noisy neighbour, a slower phase of the host) cancels in the
    // per-round ratio or difference before the median is taken.
    const paired = pairedComparisons(timed.samples, names);
    const draws = bootstrapMedians(paired, { resamples: 1000, seed });
    const whole = Object.fromEntries(
      Object.entries(paired).map(([k, xs]) => [k, median(xs)]),
    );
    const bound = (m: Record<string, number>, v: string) =>
      m["diff:none"] > 0 ? m[`diff:${v}`] / m["diff:none"] : NaN;
    const peakLn = profiles.get("ln")!.peakBytes;
    const info = describeBackend();
    return {
      backend: info?.name ?? tf.getBackend(),
      adapter: info?.adapter ?? tf.getBackend(),
      softwareAdapter: info?.fallbackAdapter ?? false,
      model: cell.model,
      preset: cell.preset,
      batch: cell.batch,
      placement,
      seq,
      rounds: timed.rounds,
      stable: timed.stable,
      timingMs: timed.wallMs,
      variants: names.map((name) => {
        const s = timed.timings[name];
        const p = profiles.get(name)!;
        return {
          variant: name,
          ms: s.median,
          msIqr: [s.q25, s.q75],
          n: s.n,
          samplesPerSec: cell.batch / (s.median / 1000),
          speedupVsLn: whole[`vsLn:${name}`],
          speedupVsLnCi: bootstrapInterval(draws, (m) => m[`vsLn:${name}`]),
          speedupVsFused: whole[`vsFused:${name}`],
          speedupVsFusedCi: bootstrapInterval(draws, (m) => m[`vsFused:${name}`]),
          speedupVsNone: whole[`vsNone:${name}`] ?? null,
          speedupVsNoneCi: `vsNone:${name}` in whole
            ? bootstrapInterval(draws, (m) => m[`vsNone:${name}`])
            : null,
          boundFraction: whole["diff:none"] > 0 ? bound(whole, name) : null,
          boundCi: bootstrapInterval(draws, (m) => bound(m, name)),
          peakMb: p.peakBytes / MB,
          peakReduction: peakLn > 0 ? 1 - p.peakBytes / peakLn : 0,
          weightsMb: built.get(name)!.weightBytes() / MB,
          gpuPeakMb: p.gpuPeakBytes === null ? null : p.gpuPeakBytes / MB,
          kernels: p.kernels,
          dispatches: p.dispatches,
          mbMoved: p.bytesMoved / MB,
          normKernels: p.normKernels,
          normShare: p.normShare,
          twinError: twinErrors.get(name) ?? null,
        };
      }),
    };
  } finally {
    for (const m of built.values()) m.dispose();
    for (const m of converted) m.dispose();
    for (const set of normSets.values()) disposeNorms(set);
    tf.dispose([...shared.values()]);
    model.dispose();
  }
}
