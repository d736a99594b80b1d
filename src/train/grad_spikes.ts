/**
 * Gradient-norm spikes: an update whose global gradient norm exceeds a factor (5) times the
 * running median of the previous updates' norms. It reads the norm the trainer already computed
 * for clipping — no tensor work.
 *
 * @module
 */
import { median } from "../metrics/stats.ts";
import { UsageError } from "../util/errors.ts";

/**
 * A spike is a norm above this many times the running median.
 *
 * @example
 * ```ts
 * import { SPIKE_FACTOR } from "@normbench/normbench";
 * console.assert(SPIKE_FACTOR === 5);
 * ```
 */
export const SPIKE_FACTOR = 5;

/**
 * The running median covers at most this many previous updates.
 *
 * @example
 * ```ts
 * import { SPIKE_WINDOW } from "@normbench/normbench";
 * console.assert(SPIKE_WINDOW === 100);
 * ```
 */
export const SPIKE_WINDOW = 100;

/**
 * No spike is flagged before this many previous norms are known (a median of one or two early
 * norms says little).
 *
 * @example
 * ```ts
 * import { SPIKE_MIN_HISTORY } from "@normbench/normbench";
 * console.assert(SPIKE_MIN_HISTORY === 5);
 * ```
 */
export const SPIKE_MIN_HISTORY = 5;

/** Options of {@linkcode GradientSpikeDetector}. */
export interface SpikeConfig {
  /** A norm above `factor` × the running median is a spike (default {@linkcode SPIKE_FACTOR}). */
  factor?: number;
  /** Previous updates the median covers (default {@linkcode SPIKE_WINDOW}). */
  window?: number;
  /** Previous norms needed before any spike (default {@linkcode SPIKE_MIN_HISTORY}). */
  minHistory?: number;
}

/** One spike (plain data). */
export interface GradientSpike {
  /** The update. */
  step: number;
  /** Its global gradient norm (before clipping). */
  norm: number;
  /** The running median of the previous norms it was compared with. */
  median: number;
}

/** What a {@linkcode GradientSpikeDetector} carries across a checkpoint (plain data). */
export interface SpikeState {
  /** The last norms, oldest first (at most `window`). */
  history: number[];
  /** Every spike so far. */
  spikes: GradientSpike[];
}

/**
 * Throws a {@linkcode UsageError} naming the fix unless `config` is valid; returns it with its
 * defaults filled in.
 *
 * @example
 * ```ts
 * import { checkSpikeConfig } from "@normbench/normbench";
 * console.assert(checkSpikeConfig({}).factor === 5);
 * ```
 */
export function checkSpikeConfig(config: SpikeConfig = {}): Required<SpikeConfig> {
  const factor = config.factor ?? SPIKE_FACTOR;
  const window = config.window ?? SPIKE_WINDOW;
  const minHistory = config.minHistory ?? SPIKE_MIN_HISTORY;
  if (!(factor > 1) || !Number.isFinite(factor)) {
    throw new UsageError(`spike factor must be a number above 1, got ${factor}`, "e.g. 5");
  }
  if (!Number.isInteger(window) || window < 1) {
    throw new UsageError(`spike window must be a positive integer, got ${window}`, "e.g. 100");
  }
  if (!Number.isInteger(minHistory) || minHistory < 1 || minHistory > window) {
    throw new UsageError(
      `spike minHistory must be an integer from 1 to the window (${window}), got ${minHistory}`,
      "e.g. 5",
    );
  }
  return { factor, window, minHistory };
}

/**
 * Flags updates whose gradient norm exceeds `factor` × the median of the previous `window`
 * finite norms (once `minHistory` are known). Non-finite norms are neither flagged nor kept.
 *
 * @example
 * ```ts
 * import { GradientSpikeDetector } from "@normbench/normbench";
 * const d = new GradientSpikeDetector();
 * [1, 1.2, 0.9, 1.1, 1, 1.05].forEach((n, i) => d.observe(i + 1, n));
 * const spike = d.observe(7, 6);
 * console.assert(spike !== null && Math.abs(spike.median - 1.025) < 1e-12);
 * ```
 */
export class GradientSpikeDetector {
  readonly #config: Required<SpikeConfig>;
  #state: SpikeState = { history: [], spikes: [] };

  /** A detector with no history (see {@linkcode SpikeConfig} for the defaults). */
  constructor(config: SpikeConfig = {}) {
    this.#config = checkSpikeConfig(config);
  }

  /** Checks update `step`'s norm against the previous ones, then remembers it. */
  observe(step: number, norm: number): GradientSpike | null {
    if (!Number.isFinite(norm)) return null;
    const { history, spikes } = this.#state;
    let spike: GradientSpike | null = null;
    if (history.length >= this.#config.minHistory) {
      const m = median(history);
      if (norm > this.#config.factor * m) spikes.push(spike = { step, norm, median: m });
    }
    history.push(norm);
    if (history.length > this.#config.window) history.shift();
    return spike;
  }

  /** Every spike so far. */
  spikes(): GradientSpike[] {
    return structuredClone(this.#state.spikes);
  }

  /** The state to checkpoint. */
  state(): SpikeState {
    return structuredClone(this.#state);
  }

  /** Restores a checkpointed state. */
  setState(state: SpikeState): void {
    this.#state = structuredClone(state);
  }
}
