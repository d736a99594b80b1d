/**
 * Per-layer diagnostics during training (`TrainConfig.diagnostics`): every k updates, that
 * update's own forward records the hidden-state variance and RMS per layer and the attention
 * entropy per layer and head; every update's gradient norm (the one computed for clipping) is
 * checked for spikes. The training numerics are untouched, and a run that does not ask runs
 * nothing of this.
 *
 * @module
 */
import { LayerRecorder } from "../nn/layer_recorder.ts";
import { UsageError } from "../util/errors.ts";
import {
  checkSpikeConfig,
  type GradientSpike,
  GradientSpikeDetector,
  type SpikeConfig,
  type SpikeState,
} from "./grad_spikes.ts";

/** What diagnostics a training run records (plain data). */
export interface DiagnosticsConfig {
  /** Record the per-layer statistics on updates divisible by this (a positive integer). */
  every: number;
  /** Gradient-norm spike detection (checked on every update). */
  spikes?: SpikeConfig;
}

/** The diagnostics of a run (plain data): one entry per recorded update. */
export interface DiagnosticsResult {
  /** The recording period k. */
  every: number;
  /** The recorded updates. */
  steps: number[];
  /** `variance[i][ℓ]`: hidden-state variance entering block ℓ (ℓ = L: after the last) at `steps[i]`. */
  variance: number[][];
  /** `rms[i][ℓ]`: hidden-state RMS, indexed as `variance`. */
  rms: number[][];
  /** `entropy[i][ℓ][h]`: self-attention entropy (nats) of block ℓ, head h at `steps[i]`. */
  entropy: number[][][];
  /** Every gradient-norm spike. */
  spikes: GradientSpike[];
}

/** What {@linkcode TrainingDiagnostics} carries across a checkpoint (plain data). */
export interface DiagnosticsState {
  /** The series so far. */
  series: Omit<DiagnosticsResult, "every" | "spikes">;
  /** The spike detector's state. */
  spikes: SpikeState;
}

/**
 * Throws a {@linkcode UsageError} naming the fix unless `config` is a valid diagnostics request.
 *
 * @example
 * ```ts
 * import { checkDiagnostics } from "@normbench/normbench";
 * checkDiagnostics({ every: 10 });
 * try { checkDiagnostics({ every: 0 }); } catch (err) { console.log((err as Error).message); }
 * ```
 */
export function checkDiagnostics(config: DiagnosticsConfig): void {
  if (!Number.isInteger(config.every) || config.every < 1) {
    throw new UsageError(
      `diagnostics.every must be a positive integer, got ${config.every}`,
      "record every k updates, e.g. { every: 10 }",
    );
  }
  checkSpikeConfig(config.spikes);
}

/**
 * The training loop's diagnostics: hands out a {@linkcode LayerRecorder} for the updates it
 * records, then takes each update's gradient norm and recorder back.
 *
 * @example
 * ```ts
 * import { TrainingDiagnostics } from "@normbench/normbench";
 * const d = new TrainingDiagnostics({ every: 2 });
 * console.assert(d.recorder(1) === undefined);
 * await d.observe(1, 1.5, undefined);
 * const r = d.recorder(2)!;
 * await d.observe(2, 1.4, r); // a forward would have run with `{ record: r }`
 * console.assert(d.result().steps.join() === "2");
 * ```
 */
export class TrainingDiagnostics {
  readonly #every: number;
  readonly #spikes: GradientSpikeDetector;
  #series: DiagnosticsState["series"] = { steps: [], variance: [], rms: [], entropy: [] };

  /** Checks `config` and starts empty. */
  constructor(config: DiagnosticsConfig) {
    checkDiagnostics(config);
    this.#every = config.every;
    this.#spikes = new GradientSpikeDetector(config.spikes);
  }

  /** A fresh recorder when update `step` is recorded, else undefined. */
  recorder(step: number): LayerRecorder | undefined {
    return step % this.#every === 0 ? new LayerRecorder() : undefined;
  }

  /** Update `step` ran with `gradNorm` (and `recorder` when recorded): reads and frees it. */
  async observe(step: number, gradNorm: number, recorder: LayerRecorder | undefined) {
    this.#spikes.observe(step, gradNorm);
    if (!recorder) return;
    const r = await recorder.read();
    this.#series.steps.push(step);
    this.#series.variance.push(r.variance);
    this.#series.rms.push(r.rms);
    this.#series.entropy.push(r.entropy);
  }

  /** Everything recorded so far. */
  result(): DiagnosticsResult {
    return { every: this.#every, ...structuredClone(this.#series), spikes: this.#spikes.spikes() };
  }

  /** The state to checkpoint. */
  state(): DiagnosticsState {
    return { series: structuredClone(this.#series), spikes: this.#spikes.state() };
  }

  /** Restores a checkpointed state. */
  setState(state: DiagnosticsState): void {
    this.#series = structuredClone(state.series);
    this.#spikes.setState(state.spikes);
  }
}
