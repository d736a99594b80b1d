/**
 * What a suite is — a declarative description of one paper table — and what running it yields.
 *
 * A suite says *what* to run: the grid of runs (each a task module + plain-data input), the data
 * sets it needs, the paper's numbers and the claims to test, the plots to draw. The runner owns
 * scheduling, caching, resume, sharding, progress and files; the report is rebuilt from the
 * suite's JSON alone.
 *
 * @module
 */
import type { BackendInfo } from "../backend/backend.ts";

/** The profiles every suite defines: `smoke` (tests), `quick` (default), `full` (hours). */
export type ProfileName = "smoke" | "quick" | "full";

/**
 * Every profile, from the cheapest.
 *
 * @example
 * ```ts
 * import { PROFILE_NAMES } from "@normbench/normbench";
 * console.assert(PROFILE_NAMES.join() === "smoke,quick,full");
 * ```
 */
export const PROFILE_NAMES: readonly ProfileName[] = ["smoke", "quick", "full"];

/** A JSON value (what crosses worker boundaries and lands in results files). */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** Where a run's code lives: a module URL and the name of an exported async function. */
export interface TaskRef {
  /** Module URL, e.g. `import.meta.resolve("./nmt_task.ts")`. */
  module: string;
  /** Name of the exported `(input, context) => Promise<RunOutput>` function. */
  export: string;
}

/** Grid coordinates of a run, e.g. `{ norm: "un", placement: "pre", seed: 1 }`. */
export type Labels = Record<string, string | number | boolean>;

/** One run of a suite's grid, fully described by plain data. */
export interface RunSpec {
  /** Unique within the suite, stable across profiles of the same grid, e.g. `un/seed1`. */
  id: string;
  /** Grid coordinates; claims and plots select runs by these. */
  labels: Labels;
  /** The code that performs the run. */
  task: TaskRef;
  /** The task's input (model, recipe, data, seed …); hashed for the cache. */
  input: Json;
  /** Relative cost (e.g. training steps × model size), for the ETA and for sharding. */
  cost: number;
  /** Timing runs: run with nothing else in flight, so neighbours do not disturb the clock. */
  exclusive?: boolean;
}

/** A point of a curve. */
export interface SeriesPoint {
  /** Step (or epoch, or iteration). */
  x: number;
  /** Value. */
  y: number;
}

/** Why and when a training run collapsed. */
export interface RunCollapse {
  /** The step at which it was detected. */
  step: number;
  /** E.g. "non-finite loss", "non-finite gradient", "loss stuck above start". */
  reason: string;
}

/** What a task returns: plain data. */
export interface RunOutput {
  /** Final metrics, e.g. `{ bleu: 12.3, valid_loss: 3.1 }`; null when unavailable (collapsed). */
  metrics: Record<string, number | null>;
  /** Named curves, e.g. `train_loss`, `valid_accuracy`. */
  curves?: Record<string, SeriesPoint[]>;
  /** The collapse record, or null when training stayed finite and moving. */
  collapse?: RunCollapse | null;
  /** Anything else worth keeping (UN phase counters, statistics traces, data sizes …). */
  notes?: Record<string, Json>;
}

/** Context a task gets besides its input. */
export interface TaskContext {
  /** Reports progress of the run: `done` of `total` units (steps). */
  progress(done: number, total: number): void;
}

/** A task implementation: what `TaskRef.export` must name. */
export type TaskFunction = (input: Json, context: TaskContext) => Promise<RunOutput>;

/** A finished run as it is cached and written into the results. */
export interface RunRecord {
  /** From the spec. */
  id: string;
  /** From the spec. */
  labels: Labels;
  /** From the spec. */
  input: Json;
  /** Cache key: hash of task, input and code version. */
  hash: string;
  /** What the task returned. */
  output: RunOutput;
  /** Wall time of the run in ms. */
  wallMs: number;
  /** The backend the run used. */
  backend: BackendInfo;
  /** ISO time the run finished. */
  finishedAt: string;
}

/** Which runs a claim compares: every run whose labels include these. */
export type Selector = Labels;

/** How a claim is decided; every rule is stated in the report. */
export type ClaimTest =
  /** Parity: the 95% CI of mean(a) − mean(b) lies inside ±margin. */
  | { kind: "parity"; margin: number }
  /**
   * Non-inferiority: a is not worse than b by more than `margin` — the 95% CI of the gain
   * (a − b in the metric's better direction) lies above −margin; "keeps accuracy" claims.
   */
  | { kind: "non-inferior"; margin: number }
  /** a is better than b: the 95% CI of the difference lies on the better side of 0. */
  | { kind: "better" }
  /** a is worse than b. */
  | { kind: "worse" }
  /** a collapses more often than b: the 95% CI of the rate difference lies above 0. */
  | { kind: "collapses-more" }
  /** a's value reaches `threshold` (e.g. a speedup ≥ 1.05): its 95% CI lies above it. */
  | { kind: "at-least"; threshold: number };

/** One row of the overview: a paper's claim, its number and how ours is decided. */
export interface ClaimSpec {
  /** Stable id, e.g. `nmt.un-vs-ln`. */
  id: string;
  /** The claim in words, e.g. "UN matches LN in BLEU". */
  claim: string;
  /** Source, e.g. "UN paper, Table 2 (IWSLT14 De→En)". */
  source: string;
  /** The paper's value(s) in words, e.g. "UN 35.4 vs LN 35.3 BLEU". */
  paper: string;
  /** The paper's difference a − b (or rate, or ratio) when it has one, for the Δ column. */
  paperDelta?: number;
  /** The metric compared (a key of `RunOutput.metrics`); ignored by `collapses-more`. */
  metric: string;
  /** Direction of the metric. */
  higherIsBetter: boolean;
  /** The runs on the claim's side. */
  a: Selector;
  /** The runs it is compared with (not used by `at-least`). */
  b?: Selector;
  /** How it is decided. */
  test: ClaimTest;
}

/** Verdict of a claim. */
export type Verdict = "reproduced" | "not reproduced" | "inconclusive";

/** A declarative plot, rendered to SVG from the results alone. */
export type PlotSpec =
  /** Curves (mean with a ±1 std band over seeds) per group. */
  | {
    kind: "curve";
    id: string;
    title: string;
    curve: string;
    groupBy: string;
    facetBy?: string;
    where?: Selector;
    xTitle?: string;
    yTitle?: string;
    logY?: boolean;
  }
  /** Bars (mean ± std over seeds) per group. */
  | {
    kind: "bar";
    id: string;
    title: string;
    metric: string;
    groupBy: string;
    facetBy?: string;
    where?: Selector;
    yTitle?: string;
  }
  /** Collapse rate with Wilson 95% intervals per group. */
  | {
    kind: "rate";
    id: string;
    title: string;
    groupBy: string;
    facetBy?: string;
    where?: Selector;
  };

/** A check on the runs themselves, e.g. "UN's windowed phase actually ran". */
export interface CheckResult {
  /** What is checked. */
  check: string;
  /** Whether it held. */
  ok: boolean;
  /** The numbers behind it. */
  detail: string;
}

/** A suite: one paper table, described declaratively. */
export interface Suite {
  /** Registry name, e.g. `nmt`. */
  name: string;
  /** Title of its report. */
  title: string;
  /** The paper's setting and ours, in a sentence each. */
  setting: { paper: string; ours: string };
  /** Data sets it needs (prepared before the runs). */
  datasets: string[];
  /** The runs of a profile. */
  runs(profile: ProfileName): RunSpec[];
  /** The claims it tests. */
  claims: ClaimSpec[];
  /** Its plots. */
  plots: PlotSpec[];
  /** Checks on the finished runs (e.g. UN left its warm-up). */
  checks?(records: RunRecord[], profile: ProfileName): CheckResult[];
  /** Paragraphs for the report: the scaling rule, the recipe, caveats. Markdown. */
  notes(profile: ProfileName): string[];
  /** Columns of the results table: labels to group by and metrics to show. */
  table: TableSpec;
  /** More tables (e.g. one per quantity), each under its own heading. */
  tables?: (TableSpec & { title: string; where?: Selector })[];
}

/** A results table: one row per group of runs, one column per metric (mean ± std). */
export interface TableSpec {
  /** Labels whose values make a row. */
  groupBy: string[];
  /** Metric columns. */
  metrics: { key: string; title: string; digits?: number }[];
}
