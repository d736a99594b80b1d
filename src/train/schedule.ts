/**
 * Learning-rate schedules with linear warm-up: constant, inverse square root (fairseq) and cosine
 * (timm).
 *
 * @module
 */
import { UsageError } from "../util/errors.ts";

/** A schedule (plain data). `warmup` is in updates; the peak is the optimizer's `lr`. */
export type ScheduleConfig =
  | { kind: "constant"; warmup?: number }
  | { kind: "inverse-sqrt"; warmup: number; warmupInit?: number }
  | { kind: "cosine"; warmup: number; minLr?: number };

/**
 * The learning rate of update `step` (1-based) of `total`, peaking at `peak`:
 * - warm-up (all kinds): linear from `warmupInit` (default 0) to `peak` over `warmup` updates;
 * - `constant`: `peak` afterwards;
 * - `inverse-sqrt`: `peak·√warmup/√step` afterwards (fairseq `inverse_sqrt`);
 * - `cosine`: from `peak` down to `minLr` (default 0) along a half cosine by update `total`.
 *
 * @example
 * ```ts
 * import { learningRate } from "@normbench/normbench";
 * const s = { kind: "inverse-sqrt", warmup: 100 } as const;
 * console.assert(learningRate(s, 1e-3, 100, 1000) === 1e-3);
 * console.assert(Math.abs(learningRate(s, 1e-3, 400, 1000) - 5e-4) < 1e-12);
 * ```
 */
export function learningRate(
  schedule: ScheduleConfig,
  peak: number,
  step: number,
  total: number,
): number {
  const warmup = schedule.warmup ?? 0;
  const init = schedule.kind === "inverse-sqrt" ? schedule.warmupInit ?? 0 : 0;
  if (step <= warmup) return init + (peak - init) * (step / warmup);
  switch (schedule.kind) {
    case "constant":
      return peak;
    case "inverse-sqrt":
      return peak * Math.sqrt(Math.max(warmup, 1)) / Math.sqrt(step);
    case "cosine": {
      const min = schedule.minLr ?? 0;
      const progress = Math.min(1, (step - warmup) / Math.max(1, total - warmup));
      return min + (peak - min) * 0.5 * (1 + Math.cos(Math.PI * progress));
    }
  }
}

/**
 * Validates a schedule (throws a {@linkcode UsageError} listing the kinds).
 *
 * @example
 * ```ts
 * import { checkSchedule } from "@normbench/normbench";
 * checkSchedule({ kind: "cosine", warmup: 10 });
 * ```
 */
export function checkSchedule(schedule: ScheduleConfig): ScheduleConfig {
  const kinds = ["constant", "inverse-sqrt", "cosine"];
  if (!kinds.includes(schedule?.kind)) {
    throw new UsageError(
      `unknown schedule '${(schedule as { kind?: string })?.kind}'`,
      `use one of: ${kinds.join(", ")}`,
    );
  }
  const w = schedule.warmup ?? 0;
  if (!Number.isInteger(w) || w < 0) {
    throw new UsageError(`schedule warmup must be an integer >= 0, got ${w}`);
  }
  return schedule;
}
