/**
 * The training benchmark: times full training updates of a preset (after warm-up, several
 * repeats, median) and compares the model's effective FLOP/s with the backend's plain matmul
 * FLOP/s measured in the same process at the model's own matrix shapes.
 *
 * @module
 */
import * as tf from "../tf.ts";
import { describeBackend } from "../backend/backend.ts";
import { traceWebGpuDispatches } from "../backend/webgpu_util.ts";
import { traceMatMuls } from "../nn/linear.ts";
import { createModel, type ModelSpec } from "../models/presets.ts";
import { syntheticBatch } from "../models/synthetic.ts";
import type { Batch, Model, ModelKind } from "../models/types.ts";
import { ConvReference, MatMulReference } from "../train/throughput.ts";
import { traceConvs } from "../nn/conv.ts";
import { batchSize, Trainer } from "../train/train.ts";
import { median, quantile } from "../metrics/stats.ts";
import { LayerRecorder } from "../nn/layer_recorder.ts";
import { UsageError } from "../util/errors.ts";

/** One benchmark configuration. */
export interface BenchTrainCase {
  /** Model kind. */
  model: ModelKind;
  /** Preset (default `small`). */
  preset?: string;
  /** Norm name. */
  norm: string;
  /** Placement (default `pre`). */
  placement?: string;
  /** Batch size (default: 64 for the ViT and the CNN, 32 otherwise). */
  batch?: number;
  /** Tokens per sequence for text models (default: the model's maxLen, at most 64; 32 for the translator). */
  seq?: number;
  /** Untimed updates first (default 5). */
  warmup?: number;
  /** Timed updates (default 20). */
  repeats?: number;
  /**
   * Also time updates that record per-layer diagnostics, as a run with `diagnostics: { every }`
   * does every `every` updates: recording and plain updates alternate (`repeats` of each), and
   * the row gets {@linkcode BenchDiagnostics}. Absent: plain updates only.
   */
  diagnostics?: number;
  /** Also break one update down by kernel (and, on WebGPU, by WGSL program): `row.profile`. */
  profile?: boolean;
}

/** One update broken down (see {@linkcode BenchTrainCase.profile}). */
export interface BenchTrainProfile {
  /** tfjs kernels by name, most time first: how many and their summed kernel ms. */
  kernels: { name: string; count: number; ms: number }[];
  /** On WebGPU, GPU dispatches by WGSL program, most first; null elsewhere. */
  dispatches: Record<string, number> | null;
}

/** The cost of per-layer diagnostics recorded every `every` updates. */
export interface BenchDiagnostics {
  /** The recording period k. */
  every: number;
  /** Median ms of a plain update (the same as the row's `msPerStep`). */
  msPlain: number;
  /** Median ms of an update that records (forward hooks, reductions, one read-back). */
  msDiagnostic: number;
  /** (msDiagnostic − msPlain) / (every · msPlain): the extra time per update, amortized. */
  overhead: number;
}

/** One row of the benchmark (plain data, printed as JSON). */
export interface BenchTrainRow {
  /** Model kind. */
  model: ModelKind;
  /** Preset. */
  preset: string;
  /** Norm. */
  norm: string;
  /** Placement. */
  placement: string;
  /** Backend. */
  backend: string;
  /** Samples per update. */
  batch: number;
  /** Tokens per update (positions through the model; images: patches + class token). */
  tokens: number;
  /** Trainable parameters. */
  parameters: number;
  /** Analytic FLOPs of one update (matrix products, forward + backward). */
  flopsPerStep: number;
  /** Median ms per update. */
  msPerStep: number;
  /** 25th and 75th percentile ms per update. */
  msIqr: [number, number];
  /** Samples per second at the median. */
  samplesPerSec: number;
  /** flopsPerStep / median time, GFLOP/s. */
  effectiveGflops: number;
  /**
   * The backend's own speed at the model's forward shapes, GFLOP/s: plain 2-D matmuls for the
   * Transformers, `conv2d` for the CNN (see `reference`); the median of passes interleaved with
   * the timed updates.
   */
  matmulGflops: number;
  /** What the reference timed: `matmul` or `conv2d`. */
  reference: "matmul" | "conv2d";
  /** Which products or convolutions the reference timed. */
  matmulShapes: string;
  /** effectiveGflops / matmulGflops. */
  ratio: number;
  /**
   * Backend kernels one update dispatches (forward, backward, clipping and AdamW), counted with
   * `tf.profile` on an extra, untimed update: a deterministic proxy beside the time, and what
   * bounds a small model's speed where each dispatch costs more than its arithmetic.
   */
  kernelsPerUpdate: number;
  /**
   * On WebGPU, GPU dispatches of one update (every WGSL program run, also those a kernel runs
   * inside — reshapes record none); null on other backends.
   */
  dispatchesPerUpdate: number | null;
  /** The diagnostics' cost, when the case asked for it. */
  diagnostics?: BenchDiagnostics;
  /** One update broken down, when the case asked for it. */
  profile?: BenchTrainProfile;
}

/** tf.profile's kernels summed by name, most time first (op-level scopes left out). */
function kernelTable(
  kernels: { name: string; kernelTimeMs: unknown }[],
): BenchTrainProfile["kernels"] {
  const by = new Map<string, { count: number; ms: number }>();
  for (const k of kernels) {
    if (!/^[A-Z]/.test(k.name)) continue; // `unnamed scope`, `fusedMatMul__op`: scopes, not kernels
    const e = by.get(k.name) ?? { count: 0, ms: 0 };
    e.count++;
    e.ms += typeof k.kernelTimeMs === "number" ? k.kernelTimeMs : 0;
    by.set(k.name, e);
  }
  return [...by].map(([name, e]) => ({ name, ...e })).sort((a, b) => b.ms - a.ms);
}

function tokensOf(batch: Batch, model: ReturnType<typeof createModel>): number {
  switch (batch.kind) {
    case "image": {
      const c = model.config as { imageSize: number; patch?: number };
      // the CNN's positions are its input pixels; a ViT's its patches and the class token
      return batch.shape[0] * (c.patch ? (c.imageSize / c.patch) ** 2 + 1 : c.imageSize ** 2);
    }
    case "translate":
      return batch.srcShape[0] * (batch.srcShape[1] + batch.tgtShape[1]);
    case "lm":
      return batch.shape[0] * (batch.shape[1] - 1);
    default:
      return batch.shape[0] * batch.shape[1];
  }
}

/**
 * Runs one benchmark case on the current backend.
 *
 * @example
 * ```ts
 * import { benchTrain, initBackend } from "@normbench/normbench";
 * await initBackend("wasm");
 * const row = await benchTrain({ model: "vit", preset: "tiny", norm: "ln", warmup: 1, repeats: 2 });
 * console.assert(row.msPerStep > 0 && row.ratio > 0 && row.kernelsPerUpdate > 0);
 * ```
 */
export async function benchTrain(c: BenchTrainCase): Promise<BenchTrainRow> {
  const every = c.diagnostics;
  if (every !== undefined && (!Number.isInteger(every) || every < 1)) {
    throw new UsageError(
      `diagnostics must be a positive integer period, got ${every}`,
      "e.g. 10 to price recording every 10 updates",
    );
  }
  const spec: ModelSpec = {
    model: c.model,
    preset: c.preset ?? "small",
    norm: c.norm,
    placement: c.placement ?? "pre",
  };
  const model = createModel(spec);
  const batch = syntheticBatch(model, {
    batch: c.batch ?? (c.model === "vit" || c.model === "cnn" ? 64 : 32),
    seq: c.seq,
    seed: 1,
  });
  const warmup = c.warmup ?? 5;
  const repeats = c.repeats ?? 20;
  const forward = () => model.loss(batch as never, { training: false });
  const convs = traceConvs(forward);
  const shapes = traceMatMuls(forward);
  const reference = convs.length ? new ConvReference(convs) : new MatMulReference(shapes);
  const trainer = new Trainer(model as Model<unknown, Batch>, {
    steps: warmup + (every ? 2 * repeats + 1 : repeats) + 2,
    optimizer: { kind: "adamw", lr: 1e-4, weightDecay: 0.01 },
    clipNorm: 1,
  });
  // Updates and reference passes alternate, so that both see the same machine load.
  const times: number[] = [];
  const diagnosticTimes: number[] = [];
  const speeds: number[] = [];
  let kernelsPerUpdate = 0;
  let dispatchesPerUpdate: number | null = null;
  let profiled: BenchTrainProfile | undefined;
  const recordedUpdate = async (step: number) => {
    const record = new LayerRecorder();
    try {
      await trainer.update(batch as never, step, { record });
    } finally {
      await record.read();
    }
  };
  try {
    for (let i = 0; i < 2; i++) await reference.sample();
    let step = 1;
    // One untimed recording update first, so that its kernels are warm too.
    if (every) await recordedUpdate(step++);
    for (let i = 1; i <= warmup + repeats; i++, step++) {
      const t0 = performance.now();
      await trainer.update(batch as never, step);
      if (i <= warmup) continue;
      times.push(performance.now() - t0);
      speeds.push(await reference.sample());
      if (!every) continue;
      const t1 = performance.now();
      await recordedUpdate(++step);
      diagnosticTimes.push(performance.now() - t1);
    }
    // Counted after the timing, so that the profiler's bookkeeping costs no timed update.
    const profile = await tf.profile(async () => {
      await trainer.update(batch as never, step);
    });
    kernelsPerUpdate = profile.kernels.length;
    // one more update on WebGPU only (elsewhere there is nothing to count)
    const byProgram = tf.getBackend() === "webgpu"
      ? await traceWebGpuDispatches(async () => {
        await trainer.update(batch as never, step + 1);
      })
      : null;
    dispatchesPerUpdate = byProgram && Object.values(byProgram).reduce((a, b) => a + b, 0);
    if (c.profile) profiled = { kernels: kernelTable(profile.kernels), dispatches: byProgram };
  } finally {
    trainer.dispose();
    reference.dispose();
  }
  const matmulGflops = median(speeds);
  const traced: readonly (readonly number[])[] = convs.length ? convs : shapes;
  const distinct = [...new Set(traced.map((s) => s.join("x")))]
    .map((k) => `${k}×${traced.filter((s) => s.join("x") === k).length}`).join(", ");
  const flopsPerStep = model.trainingFlops(batch as never);
  const ms = median(times);
  const effectiveGflops = flopsPerStep / ms / 1e6;
  const row: BenchTrainRow = {
    model: c.model,
    preset: spec.preset,
    norm: c.norm,
    placement: spec.placement!,
    backend: describeBackend()?.name ?? tf.getBackend(),
    batch: batchSize(batch),
    tokens: tokensOf(batch, model),
    parameters: model.parameterCount(),
    flopsPerStep,
    msPerStep: ms,
    msIqr: [quantile(times, 0.25), quantile(times, 0.75)],
    samplesPerSec: batchSize(batch) / (ms / 1000),
    effectiveGflops,
    matmulGflops,
    reference: convs.length ? "conv2d" : "matmul",
    matmulShapes: convs.length
      ? `the model's convolutions [B,H,W,C]×k×k→O at their stride (tfjs conv2d forward), each as ` +
        `often as the model runs it: ${distinct}`
      : `the model's 2-D forward products [m,k]·[k,n] (right operand reused), each as ` +
        `often as the model runs it: ${distinct}`,
    ratio: effectiveGflops / matmulGflops,
    kernelsPerUpdate,
    dispatchesPerUpdate,
    ...(profiled ? { profile: profiled } : {}),
  };
  if (every) {
    const msDiagnostic = median(diagnosticTimes);
    row.diagnostics = {
      every,
      msPlain: ms,
      msDiagnostic,
      overhead: (msDiagnostic - ms) / (every * ms),
    };
  }
  model.dispose();
  return row;
}
