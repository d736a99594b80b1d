/**
 * The training loop: plain, deterministic, resumable, leak-free. It takes a model, a plain-data
 * config and hooks (batches, evaluation, progress, checkpoints) and returns plain data: the loss
 * curve, metrics per evaluation, final metrics, the collapse record, wall time and throughput.
 *
 * @module
 */
import * as tf from "../tf.ts";
import type { Batch, Model } from "../models/types.ts";
import { hashSeed, SeededRng } from "../util/random.ts";
import { traceMatMuls } from "../nn/linear.ts";
import { captureVariables, type Checkpoint, restoreVariables } from "./checkpoint.ts";
import {
  type CollapseConfig,
  CollapseDetector,
  type CollapseRecord,
  type CollapseState,
} from "./collapse.ts";
import { Adam, type OptimizerConfig } from "./optimizer.ts";
import { checkSchedule, learningRate, type ScheduleConfig } from "./schedule.ts";
import { measureMatMul } from "./throughput.ts";
import { UsageError } from "../util/errors.ts";
import type { ForwardContext } from "../nn/context.ts";
import type { ForwardRecorder } from "../nn/recorder.ts";
import {
  checkDiagnostics,
  type DiagnosticsConfig,
  type DiagnosticsResult,
  type DiagnosticsState,
  TrainingDiagnostics,
} from "./diagnostics.ts";

/** How to train (plain data). */
export interface TrainConfig {
  /** Total updates (the schedule's horizon). */
  steps: number;
  /** Seed of the training randomness (dropout). Default 0. */
  seed?: number;
  /** The optimizer. */
  optimizer: OptimizerConfig;
  /** The learning-rate schedule (default: constant, no warm-up). */
  schedule?: ScheduleConfig;
  /** Clip the global gradient norm to this (0 or absent: no clipping). */
  clipNorm?: number;
  /** Label smoothing ε of the loss (default 0). */
  labelSmoothing?: number;
  /** Evaluate every this many updates (and always after the last); 0: only at the end. */
  evalEvery?: number;
  /** Print a line every this many updates unless `quiet` (default: steps/20). */
  logEvery?: number;
  /** No printing at all (workers). */
  quiet?: boolean;
  /** Collapse detection settings. */
  collapse?: CollapseConfig;
  /** Stop after this update (the schedule still spans `steps`); for checkpoint-and-resume. */
  stopAt?: number;
  /** Call `onCheckpoint` every this many updates (and after the last one run). */
  checkpointEvery?: number;
  /**
   * The backend's plain matmul GFLOP/s for MFU; measured at the model's own shapes when absent
   * and needed (printing, or `measureMfu`).
   */
  matmulGflops?: number;
  /** Measure MFU even when quiet. Default false. */
  measureMfu?: boolean;
  /**
   * Per-layer diagnostics every k updates and gradient-norm spikes (see `TrainingDiagnostics`);
   * absent: none, at no cost.
   */
  diagnostics?: DiagnosticsConfig;
}

/** Progress of a run, for progress bars. */
export interface TrainProgress {
  /** Updates done. */
  step: number;
  /** Total updates. */
  total: number;
  /** This update's loss. */
  loss: number;
  /** This update's learning rate. */
  lr: number;
  /** Mean milliseconds per update so far (training only). */
  msPerStep: number;
}

/** Hooks of {@linkcode train}. */
export interface TrainHooks<B extends Batch> {
  /** The batch of update `step` (1-based). Must depend only on `step` for exact resumption. */
  batch(step: number): B;
  /** Metrics of the model after update `step` (inference mode is the hook's to choose). */
  evaluate?(step: number): Promise<Record<string, number>> | Record<string, number>;
  /** Called after every update. */
  onProgress?(progress: TrainProgress): void;
  /** Receives checkpoints (see `checkpointEvery`). */
  onCheckpoint?(checkpoint: Checkpoint): Promise<void> | void;
  /** Resume from this checkpoint. */
  resume?: Checkpoint;
}

/** One evaluation point of the curve. */
export interface CurvePoint {
  /** Updates done. */
  step: number;
  /** Mean training loss since the previous point. */
  trainLoss: number;
  /** Learning rate at this update. */
  lr: number;
  /** Training time so far in ms (evaluation excluded). */
  trainMs: number;
  /** The evaluation's metrics. */
  metrics: Record<string, number>;
}

/** What a run returns (plain data). */
export interface TrainResult {
  /** Planned updates. */
  steps: number;
  /** Updates applied (fewer on collapse or `stopAt`). */
  completedSteps: number;
  /** The loss of every update, in order. */
  losses: number[];
  /** One point per evaluation. */
  curve: CurvePoint[];
  /** Metrics of the last evaluation plus `trainLoss` (mean of the last ≤ 50 losses). */
  final: Record<string, number>;
  /** Why and when the run collapsed, or null. */
  collapse: CollapseRecord | null;
  /** Wall time of the whole call in ms. */
  wallMs: number;
  /** Time spent in updates in ms (evaluation excluded). */
  trainMs: number;
  /** Updates per second (training time). */
  stepsPerSec: number;
  /** Samples per second (training time). */
  samplesPerSec: number;
  /** Analytic FLOPs of one update on the first batch. */
  flopsPerStep: number;
  /** flopsPerStep × stepsPerSec, in GFLOP/s. */
  effectiveGflops: number;
  /** The backend's plain matmul GFLOP/s used for MFU, or null when not measured. */
  matmulGflops: number | null;
  /** effectiveGflops ÷ matmulGflops, or null. */
  mfu: number | null;
  /** Every scalar state variable of the norms (step counters, skip counts) by path. */
  normCounters: Record<string, number>;
  /** The per-layer diagnostics, present when `TrainConfig.diagnostics` asked for them. */
  diagnostics?: DiagnosticsResult;
}

interface LoopState {
  losses: number[];
  curve: CurvePoint[];
  collapse: CollapseState;
  trainMs: number;
  sinceEval: number[];
  samples: number;
  diagnostics?: DiagnosticsState;
}

/**
 * Samples in a batch.
 *
 * @example
 * ```ts
 * import { batchSize } from "@normbench/normbench";
 * console.assert(batchSize({ kind: "lm", tokens: new Int32Array(10), shape: [2, 5] }) === 2);
 * ```
 */
export function batchSize(batch: Batch): number {
  switch (batch.kind) {
    case "translate":
      return batch.srcShape[0];
    default:
      return batch.shape[0];
  }
}

/** What {@linkcode Trainer} needs of a {@linkcode TrainConfig}. */
export type UpdateConfig = Pick<
  TrainConfig,
  "steps" | "seed" | "optimizer" | "schedule" | "clipNorm" | "labelSmoothing"
>;

/** Options of one {@linkcode Trainer.update}. */
export interface UpdateOptions {
  /** Records this update's forward (diagnostics); absent, the update runs as plain as ever. */
  record?: ForwardRecorder;
}

/** The outcome of one {@linkcode Trainer.update}. */
export interface UpdateResult {
  /** The batch loss (before the update). */
  loss: number;
  /** The global gradient norm (before clipping). */
  gradNorm: number;
  /** The learning rate used. */
  lr: number;
  /** False when the loss or the gradient was not finite: then nothing was changed. */
  applied: boolean;
}

/**
 * One training update at a time: forward and backward in training mode, flat gradient, global
 * norm, clipping, Adam/AdamW. {@linkcode train} drives it; benchmarks time it.
 *
 * @example
 * ```ts
 * import { createModel, Trainer } from "@normbench/normbench";
 * const model = createModel({ model: "lm", preset: "tiny", norm: "ln" });
 * const trainer = new Trainer(model, { steps: 10, optimizer: { kind: "adam", lr: 1e-3 } });
 * const r = await trainer.update({ kind: "lm", tokens: new Int32Array([3, 4, 5, 6]), shape: [1, 4] }, 1);
 * console.assert(r.applied && r.loss > 0);
 * trainer.dispose();
 * ```
 */
export class Trainer<B extends Batch> {
  /** The model trained. */
  readonly model: Model<unknown, B>;
  /** The optimizer (its state goes into checkpoints). */
  readonly optimizer: Adam;
  /** The training randomness (dropout); its state goes into checkpoints. */
  readonly rng: SeededRng;
  readonly #config: UpdateConfig;
  readonly #schedule: ScheduleConfig;
  readonly #byTfName: Map<string, string>;
  readonly #varList: tf.Variable[];

  /** Prepares the optimizer and the training RNG (seed `config.seed`). */
  constructor(model: Model<unknown, B>, config: UpdateConfig) {
    this.model = model;
    this.#config = config;
    this.#schedule = config.schedule ? checkSchedule(config.schedule) : { kind: "constant" };
    const params = model.trainableVariables();
    this.optimizer = new Adam(params, config.optimizer);
    this.#byTfName = new Map(Object.entries(params).map(([path, v]) => [v.name, path]));
    this.#varList = this.optimizer.names.map((n) => params[n]);
    this.rng = new SeededRng(hashSeed(config.seed ?? 0, "train"));
  }

  /** Learning rate of update `step`. */
  lr(step: number): number {
    return learningRate(this.#schedule, this.optimizer.config.lr, step, this.#config.steps);
  }

  /**
   * Update number `step` (1-based) on `batch`; `options.record` records its forward without
   * changing a bit of the loss, the gradients or the weights.
   */
  async update(batch: B, step: number, options: UpdateOptions = {}): Promise<UpdateResult> {
    const lr = this.lr(step);
    const ctx: ForwardContext = options.record
      ? { training: true, rng: this.rng, record: options.record }
      : { training: true, rng: this.rng };
    const { value, grads } = tf.variableGrads(
      () => this.model.loss(batch, ctx, { labelSmoothing: this.#config.labelSmoothing }),
      this.#varList,
    );
    const named: Record<string, tf.Tensor> = {};
    for (const [tfName, g] of Object.entries(grads)) named[this.#byTfName.get(tfName)!] = g;
    const flat = this.optimizer.flatten(named);
    tf.dispose(Object.values(grads));
    const stats = tf.tidy(() => tf.stack([value, tf.sum(tf.square(flat))]));
    const [loss, normSq] = await stats.data();
    tf.dispose([stats, value]);
    const gradNorm = Math.sqrt(normSq);
    if (!Number.isFinite(loss) || !Number.isFinite(gradNorm)) {
      flat.dispose();
      return { loss, gradNorm, lr, applied: false };
    }
    const clip = this.#config.clipNorm ?? 0;
    if (clip > 0 && gradNorm > clip) {
      const scaled = tf.tidy(() => tf.mul(flat, clip / (gradNorm + 1e-6)) as tf.Tensor1D);
      this.optimizer.apply(scaled, lr);
      scaled.dispose();
    } else {
      this.optimizer.apply(flat, lr);
    }
    flat.dispose();
    return { loss, gradNorm, lr, applied: true };
  }

  /** Frees the optimizer state. */
  dispose(): void {
    this.optimizer.dispose();
  }
}

function checkConfig(config: TrainConfig): void {
  if (!Number.isInteger(config.steps) || config.steps < 1) {
    throw new UsageError(`steps must be a positive integer, got ${config.steps}`);
  }
  if (config.stopAt !== undefined && (!Number.isInteger(config.stopAt) || config.stopAt < 1)) {
    throw new UsageError(`stopAt must be a positive integer, got ${config.stopAt}`);
  }
  if (config.clipNorm !== undefined && !(config.clipNorm >= 0)) {
    throw new UsageError(`clipNorm must be >= 0, got ${config.clipNorm}`);
  }
  const ls = config.labelSmoothing ?? 0;
  if (!(ls >= 0 && ls < 1)) throw new UsageError(`labelSmoothing must be in [0, 1), got ${ls}`);
  if (config.schedule) checkSchedule(config.schedule);
  if (config.diagnostics) checkDiagnostics(config.diagnostics);
}

async function scalarCounters(model: Model): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const [name, v] of Object.entries(model.variables())) {
    if (!v.trainable && v.size === 1) out[name] = (await v.data())[0];
  }
  return out;
}

/**
 * Trains `model` with Adam/AdamW on the batches `hooks.batch(step)`. A non-finite loss or
 * gradient, or a loss stuck far above its start, ends the run with a collapse record — never an
 * exception. Same seed, backend and batches → identical losses; a run resumed from a checkpoint
 * continues bit-exactly.
 *
 * @example
 * ```ts
 * import { createModel, train } from "@normbench/normbench";
 * const model = createModel({ model: "vit", preset: "tiny", norm: "ln" });
 * const images = new Float32Array(8 * 64).map((_, i) => (i % 7) / 7);
 * const batch = { kind: "image" as const, images, shape: [8, 8, 8, 1] as [number, number, number, number], labels: new Int32Array(8) };
 * const result = await train(model, { steps: 3, optimizer: { kind: "adamw", lr: 1e-3 }, quiet: true }, { batch: () => batch });
 * console.assert(result.losses.length === 3 && result.collapse === null);
 * ```
 */
export async function train<B extends Batch>(
  model: Model<unknown, B>,
  config: TrainConfig,
  hooks: TrainHooks<B>,
): Promise<TrainResult> {
  checkConfig(config);
  const wallStart = performance.now();
  const total = config.steps;
  const last = Math.min(total, config.stopAt ?? total);
  const trainer = new Trainer(model, config);
  const { optimizer, rng } = trainer;
  const detector = new CollapseDetector(config.collapse);
  const diagnostics = config.diagnostics ? new TrainingDiagnostics(config.diagnostics) : null;
  let state: LoopState = {
    losses: [],
    curve: [],
    collapse: detector.state(),
    trainMs: 0,
    sinceEval: [],
    samples: 0,
  };
  let start = 1;
  if (hooks.resume) {
    const ck = hooks.resume;
    restoreVariables(model.variables(), ck.variables);
    optimizer.setState(ck.optimizer);
    rng.setState(ck.rng);
    state = structuredClone(ck.loop as LoopState);
    detector.setState(state.collapse);
    if (diagnostics && state.diagnostics) diagnostics.setState(state.diagnostics);
    start = ck.step + 1;
  }
  const first = hooks.batch(start);
  const flopsPerStep = model.trainingFlops(first);
  const quiet = config.quiet ?? false;
  let matmulGflops = config.matmulGflops ?? null;
  if (matmulGflops === null && (!quiet || config.measureMfu)) {
    const shapes = traceMatMuls(() => model.loss(first, { training: false }));
    matmulGflops = (await measureMatMul(shapes)).gflops;
  }
  const logEvery = config.logEvery ?? Math.max(1, Math.round(total / 20));
  const evalEvery = config.evalEvery ?? 0;
  let collapse: CollapseRecord | null = null;
  let completed = start - 1;
  let logMark = { step: start - 1, ms: state.trainMs, samples: state.samples };

  const checkpoint = async (step: number): Promise<Checkpoint> => ({
    format: "normbench-checkpoint/1",
    step,
    model: structuredClone(model.config),
    variables: await captureVariables(model.variables()),
    optimizer: await optimizer.state(),
    rng: rng.state(),
    loop: structuredClone({
      ...state,
      collapse: detector.state(),
      ...(diagnostics ? { diagnostics: diagnostics.state() } : {}),
    }),
  });

  try {
    for (let step = start; step <= last; step++) {
      const t0 = performance.now();
      const batch = step === start ? first : hooks.batch(step);
      let loss: number, gradNorm: number, lr: number;
      if (diagnostics) {
        const record = diagnostics.recorder(step);
        try {
          ({ loss, gradNorm, lr } = await trainer.update(batch, step, { record }));
        } catch (err) {
          record?.dispose();
          throw err;
        }
        await diagnostics.observe(step, gradNorm, record);
      } else {
        ({ loss, gradNorm, lr } = await trainer.update(batch, step));
      }
      collapse = detector.observe(step, loss, gradNorm);
      if (collapse) {
        state.losses.push(loss);
        break;
      }
      completed = step;
      state.trainMs += performance.now() - t0;
      state.losses.push(loss);
      state.sinceEval.push(loss);
      state.samples += batchSize(batch);
      const msPerStep = state.trainMs / state.losses.length;
      hooks.onProgress?.({ step, total, loss, lr, msPerStep });
      if (!quiet && (step % logEvery === 0 || step === last)) {
        // Speed over the updates since the previous line (nanoGPT style), not since the start.
        const ms = (state.trainMs - logMark.ms) / (step - logMark.step);
        const samples = (state.samples - logMark.samples) / (state.trainMs - logMark.ms) * 1000;
        logMark = { step, ms: state.trainMs, samples: state.samples };
        const gflops = flopsPerStep / ms / 1e6;
        const mfu = matmulGflops ? ` | mfu ${(100 * gflops / matmulGflops).toFixed(1)}%` : "";
        console.log(
          `step ${step}/${total} | loss ${loss.toFixed(4)} | lr ${lr.toExponential(2)} | ` +
            `${ms.toFixed(1)} ms/step | ${samples.toFixed(0)} samples/s${mfu}`,
        );
      }
      if ((evalEvery > 0 && step % evalEvery === 0) || step === last) {
        const metrics = hooks.evaluate ? await hooks.evaluate(step) : {};
        const mean = state.sinceEval.reduce((a, b) => a + b, 0) /
          Math.max(1, state.sinceEval.length);
        state.curve.push({ step, trainLoss: mean, lr, trainMs: state.trainMs, metrics });
        state.sinceEval = [];
        if (!quiet && hooks.evaluate) {
          const text = Object.entries(metrics).map(([k, v]) => `${k} ${v.toFixed(4)}`).join(" | ");
          console.log(`eval step ${step} | ${text}`);
        }
      }
      const every = config.checkpointEvery ?? 0;
      if (hooks.onCheckpoint && ((every > 0 && step % every === 0) || step === last)) {
        await hooks.onCheckpoint(await checkpoint(step));
      }
    }
    if (!collapse && completed === total) collapse = detector.finish(completed);
  } finally {
    trainer.dispose();
  }
  if (collapse && !quiet) console.log(`collapse at step ${collapse.step}: ${collapse.detail}`);
  const lastEval = state.curve[state.curve.length - 1];
  const tail = state.losses.slice(-50).filter(Number.isFinite);
  const done = state.losses.length;
  const stepsPerSec = state.trainMs > 0 ? completed / (state.trainMs / 1000) : 0;
  const effectiveGflops = flopsPerStep * stepsPerSec / 1e9;
  return {
    steps: total,
    completedSteps: completed,
    losses: state.losses,
    curve: state.curve,
    final: {
      ...(collapse ? {} : lastEval?.metrics ?? {}),
      trainLoss: tail.length ? tail.reduce((a, b) => a + b, 0) / tail.length : NaN,
    },
    collapse,
    wallMs: performance.now() - wallStart,
    trainMs: state.trainMs,
    stepsPerSec: done ? stepsPerSec : 0,
    samplesPerSec: state.trainMs > 0 ? state.samples / (state.trainMs / 1000) : 0,
    flopsPerStep,
    effectiveGflops,
    matmulGflops,
    mfu: matmulGflops ? effectiveGflops / matmulGflops : null,
    normCounters: await scalarCounters(model as Model),
    ...(diagnostics ? { diagnostics: diagnostics.result() } : {}),
  };
}
