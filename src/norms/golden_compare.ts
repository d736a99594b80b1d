/**
 * What every golden replay shares: the tolerance, the per-field error record and report, and
 * the checks of a golden file's fields.
 *
 * @module
 */
import { UsageError } from "../util/errors.ts";

/** Tolerance of a replay: an element passes when |got − want| ≤ atol + rtol·|want|. */
export interface Tolerance {
  /** Relative tolerance (default 1e-4). */
  rtol: number;
  /** Absolute tolerance near zero (default 1e-5). */
  atol: number;
}

/**
 * The default tolerance, as the golden README asks.
 *
 * @example
 * ```ts
 * import { GOLDEN_TOLERANCE } from "@normbench/normbench";
 * console.assert(GOLDEN_TOLERANCE.rtol === 1e-4);
 * ```
 */
export const GOLDEN_TOLERANCE: Tolerance = { rtol: 1e-4, atol: 1e-5 };

/** The error of one recorded field, over every step that recorded it. */
export interface FieldError {
  /** `y`, `dx`, `dweight`, `dbias`, `eval.y`, `state.<name>` or `skip_count`. */
  field: string;
  /** How many numbers were compared. */
  count: number;
  /** Largest |got − want|. */
  maxAbs: number;
  /** Largest |got − want| / |want| over elements with |want| ≥ atol. */
  maxRel: number;
  /** Largest |got − want| / (atol + rtol·|want|): ≤ 1 passes. */
  worst: number;
  /** Where the worst element was (step and index). */
  at: string;
  /** Within tolerance. */
  ok: boolean;
}

/** The outcome of replaying one golden file. */
export interface GoldenReport {
  /** Case name from the file. */
  name: string;
  /** The norm replayed. */
  norm: string;
  /** Training steps run. */
  steps: number;
  /** Per-field errors. */
  fields: FieldError[];
  /** True when every field is within tolerance. */
  ok: boolean;
  /** Wall time of the replay in ms. */
  ms: number;
}

/** Throws the {@linkcode UsageError} of a malformed golden file. */
export function fail(source: string, what: string): never {
  throw new UsageError(
    `golden file ${source}: ${what}`,
    "the formats are in test/fixtures/golden/README.md and test/fixtures/golden/seeds/README.md; " +
      "was the file truncated or edited?",
  );
}

/** A list of finite numbers (of `length`, when given) at `path`, or a malformed-file error. */
export function numbers(source: string, path: string, v: unknown, length?: number): number[] {
  if (!Array.isArray(v) || !v.every((n) => typeof n === "number" && Number.isFinite(n))) {
    fail(source, `'${path}' must be a list of finite numbers`);
  }
  if (length !== undefined && v.length !== length) {
    fail(source, `'${path}' has ${v.length} numbers, expected ${length}`);
  }
  return v as number[];
}

/** A positive integer at `path`, or a malformed-file error. */
export function positiveInt(source: string, path: string, v: unknown): number {
  if (typeof v !== "number" || !Number.isInteger(v) || v < 1) {
    fail(source, `'${path}' must be a positive integer`);
  }
  return v;
}

/** The running error of one recorded field over the comparisons of a replay. */
export class FieldAccumulator {
  /** Numbers compared. */
  count = 0;
  /** Largest absolute error so far. */
  maxAbs = 0;
  /** Largest relative error so far. */
  maxRel = 0;
  /** Largest error in units of the tolerance so far. */
  worst = 0;
  /** Where the worst element was. */
  at = "";
  /** A field called `field`, compared within `tol`. */
  constructor(readonly field: string, readonly tol: Tolerance) {}

  /** Compares `got` with `want`; `where` names the step for the report. */
  add(got: ArrayLike<number>, want: ArrayLike<number>, where: string): void {
    if (got.length !== want.length) {
      this.worst = Infinity;
      this.at = `${where}: ${got.length} values, expected ${want.length}`;
      return;
    }
    for (let i = 0; i < want.length; i++) {
      const diff = Math.abs(got[i] - want[i]);
      const mag = Math.abs(want[i]);
      const ratio = Number.isNaN(diff) ? Infinity : diff / (this.tol.atol + this.tol.rtol * mag);
      this.maxAbs = Math.max(this.maxAbs, Number.isNaN(diff) ? Infinity : diff);
      if (mag >= this.tol.atol) this.maxRel = Math.max(this.maxRel, diff / mag);
      if (ratio > this.worst || this.count === 0) {
        if (ratio > this.worst) this.worst = ratio;
        this.at = `${where}[${i}]`;
      }
      this.count++;
    }
  }

  /** The field's error record. */
  result(): FieldError {
    const { field, count, maxAbs, maxRel, worst, at } = this;
    return { field, count, maxAbs, maxRel, worst, at, ok: worst <= 1 };
  }
}

/**
 * The errors of one replay, field by field, and the report they make: every replay format
 * collects its comparisons here.
 *
 * @example
 * ```ts
 * import { GOLDEN_TOLERANCE, ReplayErrors } from "@normbench/normbench";
 * const errors = new ReplayErrors(GOLDEN_TOLERANCE);
 * errors.field("y").add([1, 2], [1, 2.5], "step 1");
 * const report = errors.report({ name: "demo", norm: "ln", steps: 1 });
 * console.assert(!report.ok && report.fields[0].at === "step 1[1]");
 * ```
 */
export class ReplayErrors {
  readonly #fields = new Map<string, FieldAccumulator>();
  readonly #start = performance.now();

  /** Errors of a replay compared within `tolerance`, timed from now. */
  constructor(readonly tolerance: Tolerance) {}

  /** The accumulator of field `name` (created on first use, reported in that order). */
  field(name: string): FieldAccumulator {
    let f = this.#fields.get(name);
    if (!f) this.#fields.set(name, f = new FieldAccumulator(name, this.tolerance));
    return f;
  }

  /** The replay's report: every field's error, whether all passed, and the wall time. */
  report(what: { name: string; norm: string; steps: number }): GoldenReport {
    const fields = [...this.#fields.values()].map((a) => a.result());
    return { ...what, fields, ok: fields.every((f) => f.ok), ms: performance.now() - this.#start };
  }
}
