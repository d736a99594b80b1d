/**
 * Collapse detection: a diverged run is a result, recorded with why and when, never an
 * exception.
 *
 * @module
 */

/** Why a run was declared collapsed. */
export type CollapseReason =
  | "non-finite-loss"
  | "non-finite-gradient"
  | "loss-stuck"
  | "no-progress";

/** What ended a collapsed run. */
export interface CollapseRecord {
  /** Why. */
  reason: CollapseReason;
  /** The update (1-based) at which it was detected. */
  step: number;
  /** The loss at that step (NaN/Infinity for non-finite). */
  loss: number;
  /** One line of detail. */
  detail: string;
}

/** Settings of {@linkcode CollapseDetector} (plain data). */
export interface CollapseConfig {
  /** Whether to watch for a stuck loss (non-finite values always end a run). Default true. */
  stuck?: boolean;
  /** Collapse when the mean loss of the last `window` steps exceeds `factor` × the initial loss. Default 1.5. */
  factor?: number;
  /** Steps averaged for the recent loss. Default 50. */
  window?: number;
  /** Steps averaged for the run's start (at most `window`). Default 10. */
  startSteps?: number;
  /**
   * A floor the run must get below: when training ends, the run collapsed ("no progress") if
   * the mean of its last `floorWindow` losses is not below it by `floorZ` standard errors —
   * e.g. the unigram entropy of a language model, which a run stuck at unigram level never
   * beats. Default: none.
   */
  floor?: number;
  /**
   * How many standard errors of the tail's mean (its losses' s.d. / √n) the run must end below
   * the floor: 0 compares the plain mean; 3 asks that the run be detectably below it, so a run
   * that sits on the floor is "no progress" whatever its batch noise, while a slow run that has
   * left it is not. Default 0.
   */
  floorZ?: number;
  /** Losses averaged for the floor test. Default 50. */
  floorWindow?: number;
  /** In words, what the floor is (for the collapse record). */
  floorText?: string;
}

/** The detector's state, for checkpoints. */
export interface CollapseState {
  /** Sum of the first losses (up to `min(startSteps, window)`). */
  initialSum: number;
  /** How many losses `initialSum` holds. */
  initialCount: number;
  /** The last `window` losses. */
  recent: number[];
  /** The last `floorWindow` losses (when a floor is set). */
  tail?: number[];
}

/**
 * Watches the loss and the gradient norm of each step:
 * - a non-finite loss or gradient norm ends the run at once;
 * - with `stuck` on, once `window + min(startSteps, window)` steps have run, the run collapses when the mean
 *   of the last `window` losses is above `factor` × the run's start (the mean of its first
 *   `min(startSteps, window)` losses);
 * - with a `floor`, {@linkcode CollapseDetector.finish} declares a run collapsed ("no progress":
 *   e.g. a language model stuck at unigram level) when the mean of its last `floorWindow` losses
 *   is not below the floor by `floorZ` standard errors of that mean.
 *
 * @example
 * ```ts
 * import { CollapseDetector } from "@normbench/normbench";
 * const d = new CollapseDetector({ window: 2 });
 * console.assert(d.observe(1, 2.3, 1) === null);
 * console.assert(d.observe(2, NaN, 1)?.reason === "non-finite-loss");
 * // a run whose last losses sit on the floor (6.2) made no progress; one clearly below it did
 * const stuck = new CollapseDetector({ floor: 6.2, floorWindow: 4, floorZ: 3 });
 * const slow = new CollapseDetector({ floor: 6.2, floorWindow: 4, floorZ: 3 });
 * for (let step = 1; step <= 8; step++) {
 *   stuck.observe(step, 6.2 + (step % 2 ? 0.05 : -0.05), 1);
 *   slow.observe(step, 6.0 + (step % 2 ? 0.05 : -0.05), 1);
 * }
 * console.assert(stuck.finish(8)?.reason === "no-progress");
 * console.assert(slow.finish(8) === null);
 * ```
 */
export class CollapseDetector {
  /** The resolved settings. */
  readonly config: Required<CollapseConfig>;
  #state: CollapseState = { initialSum: 0, initialCount: 0, recent: [] };

  /** A detector with `config` (defaults: stuck on, factor 1.5, window 50). */
  constructor(config: CollapseConfig = {}) {
    this.config = {
      stuck: true,
      factor: 1.5,
      window: 50,
      startSteps: 10,
      floor: NaN,
      floorWindow: 50,
      floorZ: 0,
      floorText: "the floor",
      ...config,
    };
  }

  /** Records step `step`; returns a collapse record when the run must end. */
  observe(step: number, loss: number, gradNorm: number): CollapseRecord | null {
    if (!Number.isFinite(loss)) {
      return { reason: "non-finite-loss", step, loss, detail: `loss became ${loss}` };
    }
    if (!Number.isFinite(gradNorm)) {
      return {
        reason: "non-finite-gradient",
        step,
        loss,
        detail: `gradient norm became ${gradNorm}`,
      };
    }
    const { window, factor } = this.config;
    const s = this.#state;
    if (Number.isFinite(this.config.floor)) {
      s.tail ??= [];
      s.tail.push(loss);
      if (s.tail.length > this.config.floorWindow) s.tail.shift();
    }
    if (s.initialCount < Math.min(window, this.config.startSteps)) {
      s.initialSum += loss;
      s.initialCount += 1;
    }
    s.recent.push(loss);
    if (s.recent.length > window) s.recent.shift();
    if (!this.config.stuck || s.recent.length < window) return null;
    if (step < window + Math.min(window, this.config.startSteps)) return null;
    const initial = s.initialSum / s.initialCount;
    const recent = s.recent.reduce((a, b) => a + b, 0) / s.recent.length;
    if (recent > factor * initial) {
      return {
        reason: "loss-stuck",
        step,
        loss,
        detail: `mean loss of the last ${window} steps ${recent.toFixed(4)} > ${factor} × ` +
          `initial ${initial.toFixed(4)}`,
      };
    }
    return null;
  }

  /**
   * The verdict at the end of training (`step` = the last update): collapsed ("no progress")
   * when a floor is set and the mean of the last `floorWindow` losses is not below it by
   * `floorZ` standard errors of that mean.
   */
  finish(step: number): CollapseRecord | null {
    const tail = this.#state.tail ?? [];
    const { floor, floorZ, floorText } = this.config;
    if (!Number.isFinite(floor) || tail.length === 0) return null;
    const n = tail.length;
    const mean = tail.reduce((a, b) => a + b, 0) / n;
    const variance = n > 1 ? tail.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1) : 0;
    const se = Math.sqrt(variance / n);
    if (mean < floor - floorZ * se) return null;
    const by = floorZ > 0 ? `is not ${floorZ} s.e. (${se.toFixed(4)}) below` : "is not below";
    return {
      reason: "no-progress",
      step,
      loss: tail[n - 1],
      detail: `mean loss of the last ${n} steps ${mean.toFixed(4)} ${by} ${floorText} ` +
        floor.toFixed(4),
    };
  }

  /** A copy of the state, for a checkpoint. */
  state(): CollapseState {
    return structuredClone(this.#state);
  }

  /** Restores a state saved by {@linkcode CollapseDetector.state}. */
  setState(state: CollapseState): void {
    this.#state = structuredClone(state);
  }
}
