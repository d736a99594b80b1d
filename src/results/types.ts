/**
 * The schema of what runs produce and results files hold — plain data that crosses process
 * boundaries: a task's reference, input and output, a finished run's record, the claims,
 * references, plots and tables a suite declares, verdicts and profiles. Experiments, suites,
 * the runner and the report all speak it; the report reads nothing else.
 *
 * @module
 */
import type { BackendInfo } from "../backend/backend.ts";

/**
 * The profiles every suite defines: `smoke` (the tests: seconds), `quick` (the default of
 * `reproduce`: an honest miniature, under 40 min on 2 cores) and `standard` (the headline: every
 * accuracy claim at convergence with ≥ 5 seeds; tens of hours on 2 cores, run in shards).
 */
export type ProfileName = "smoke" | "quick" | "standard";

/**
 * Every profile, from the cheapest.
 *
 * @example
 * ```ts
 * import { PROFILE_NAMES } from "@normbench/normbench";
 * console.assert(PROFILE_NAMES.join() === "smoke,quick,standard");
 * ```
 */
export const PROFILE_NAMES: readonly ProfileName[] = ["smoke", "quick", "standard"];

/**
 * The profile whose results are the committed headline (the README's claims table).
 *
 * @example
 * ```ts
 * import { HEADLINE_PROFILE } from "@normbench/normbench";
 * console.assert(HEADLINE_PROFILE === "standard");
 * ```
 */
export const HEADLINE_PROFILE: ProfileName = "standard";

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

/** How a run's setting was chosen from tuning runs, as recorded with the run. */
export interface RunChoice {
  /** The validation metric compared. */
  metric: string;
  /** Whether higher values of it are better. */
  higherIsBetter: boolean;
  /** Every candidate: its tuning run, the setting it tried and its metric (null: collapsed). */
  candidates: { id: string; setting: Json; value: number | null }[];
  /** The id of the chosen candidate's tuning run. */
  chosen: string;
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
  /**
   * What each metric counts as when the run collapsed: the chance level (a uniform guess), since
   * a collapse keeps no accuracy. Claims count collapsed runs with these values.
   */
  chance?: Record<string, number>;
}

/** Context a task gets besides its input. */
export interface TaskContext {
  /** Reports progress of the run: `done` of `total` units (steps). */
  progress(done: number, total: number): void;
}

/**
 * A task implementation: what `TaskRef.export` must name — a suite's run returns a
 * {@linkcode RunOutput}; other tasks (a benchmark's) any plain data.
 */
export type TaskFunction<O = RunOutput> = (input: Json, context: TaskContext) => Promise<O> | O;

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
  /** How the run's setting was chosen, for runs decided by tuning runs. */
  choice?: RunChoice;
}

/** Which runs a claim compares: every run whose labels include these. */
export type Selector = Labels;

/**
 * How a claim is decided; every rule is stated in the report. Tests of a difference carry the
 * smallest difference worth resolving (`margin`, or `effect` for directional claims): with the
 * observed spread, it sets the number of seeds a side needs (80% power at the 95% level); an
 * undecided claim with fewer seeds is `underpowered`.
 */
export type ClaimTest =
  /** Parity: the 95% CI of mean(a) − mean(b) lies inside ±margin. */
  | { kind: "parity"; margin: number }
  /**
   * Non-inferiority: a is not worse than b by more than `margin` — the 95% CI of the gain
   * (a − b in the metric's better direction) lies above −margin; "keeps accuracy" claims.
   */
  | { kind: "non-inferior"; margin: number }
  /** a is better than b: the 95% CI of the difference lies on the better side of 0. */
  | { kind: "better"; effect?: number }
  /** a is worse than b. */
  | { kind: "worse"; effect?: number }
  /** a collapses more often than b: the 95% CI of the rate difference lies above 0. */
  | { kind: "collapses-more"; minRuns?: number }
  /**
   * a stays stable up to larger values of the swept label `over` (e.g. `lr`) than b: where the
   * first of the two breaks — the first swept value above the lower of their stable edges (a
   * side's largest value with at most `maxRate` collapses) — a collapses less often (95%
   * Newcombe CI of rate(b) − rate(a) above 0; below 0, a broke first: not reproduced).
   */
  | { kind: "wider-stable-range"; over: string; maxRate: number; minRuns?: number }
  /**
   * a's value reaches `threshold` (e.g. a speedup ≥ 1.05): its 95% CI lies above it. `ceiling`:
   * the most a real effect can reach (folded UN cannot beat the model with no norm: a bound share
   * of 1); an interval wholly above it is measurement noise, never a verdict. `minRuns`
   * (default 2): fewer values than that decide nothing (`underpowered`). `within`: the metrics
   * holding each run's own 95% interval of the value — the runs are then a fixed design (e.g.
   * timing cells, each a measurement with its error), not a sample of a population: the
   * estimate is the mean over the runs, its interval the runs' own intervals combined as
   * independent errors of that mean (each side √(Σ dᵢ²)/n), instead of a t-interval over the runs.
   * `pool: "precision"` (with `within`, for a value every run measures alike by construction —
   * folded UN runs exactly the no-norm model's kernels in every cell): the runs' values weighted
   * by their precision, wᵢ = 1/hᵢ² with hᵢ a run's mean half-width, each side √(Σ wᵢ²dᵢ²)/Σwᵢ —
   * the fixed-effect pooled estimate, in which a run with a wide interval weighs little.
   * `placebo` (with `within`): a metric of the same runs whose true value is known (`truth`) —
   * e.g. folded UN's speed relative to the no-norm model, whose kernels it runs exactly. Its
   * spread about the truth beyond the runs' own intervals measures what a run's interval misses
   * (an offset that holds for a whole timing cell and changes between processes); that spread,
   * σ² = max(0, mean(ln(vᵢ/truth)²) − mean(sᵢ²)) on the log scale (sᵢ a run's own standard
   * error), is added to every run's interval before pooling.
   */
  | {
    kind: "at-least";
    threshold: number;
    ceiling?: number;
    minRuns?: number;
    within?: { low: string; high: string };
    pool?: "mean" | "precision";
    placebo?: { metric: string; low: string; high: string; truth: number };
  };

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
  /**
   * The setting the claim is tested in — the source paper's (placement, masks, warm-up,
   * recipe), stated in every report row.
   */
  setting?: string;
  /**
   * Deterministic proxies of a timed claim (kernels run, bytes moved), reported beside its
   * estimate: metric keys of the same runs, averaged over the runs that have the claim's metric.
   */
  proxies?: { metric: string; label: string }[];
}

/**
 * Verdict of a claim. `underpowered`: the experiment cannot speak to the claim — a baseline did
 * not reach its reference level (not converged), or the claim is undecided with fewer runs than
 * its margin needs; it is neither "not reproduced" nor "inconclusive".
 */
export type Verdict = "reproduced" | "not reproduced" | "inconclusive" | "underpowered";

/**
 * The level a baseline must reach before anything is compared with it (e.g. LN's test accuracy
 * ≥ 88%): claims whose baseline side it selects are `underpowered` when its mean (collapsed runs
 * counted at chance) misses it.
 */
export interface Reference {
  /** The baseline's runs (a claim's `b` selector it applies to contains this one). */
  arm: Selector;
  /** The metric. */
  metric: string;
  /** Whether higher is better (the level is a floor) or lower (a ceiling). */
  higherIsBetter: boolean;
  /** The level. */
  level: number;
  /** Why this level, in words (e.g. "a converged small ViT on Fashion-MNIST"). */
  why: string;
}

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
    /** A horizontal reference line (e.g. a baseline's reference level). */
    reference?: { value: number; label: string };
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
    /** A horizontal reference line (e.g. a baseline's reference level). */
    reference?: { value: number; label: string };
  }
  /** Collapse rate (Wilson 95% band) against a swept label (log x axis) per group. */
  | {
    kind: "rate-curve";
    id: string;
    title: string;
    over: string;
    groupBy: string;
    facetBy?: string;
    where?: Selector;
    xTitle?: string;
  }
  /** A metric (mean ± std over seeds) against a swept label (log x axis) per group. */
  | {
    kind: "metric-curve";
    id: string;
    title: string;
    metric: string;
    over: string;
    groupBy: string;
    facetBy?: string;
    where?: Selector;
    xTitle?: string;
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

/** A results table: one row per group of runs, one column per metric (mean ± std). */
export interface TableSpec {
  /** Labels whose values make a row. */
  groupBy: string[];
  /** Metric columns. */
  metrics: { key: string; title: string; digits?: number }[];
}

/** Everything needed to say where a number came from. */
export interface Provenance {
  /** `git rev-parse HEAD` of the working tree, or null outside a git checkout. */
  gitCommit: string | null;
  /** True when tracked files outside `results/` differed from that commit. */
  gitDirty: boolean | null;
  /** Hash of the source files that decide results (src/ and suites/), or the package version. */
  codeVersion: string;
  /** Deno, V8 and TypeScript versions. */
  deno: string;
  /** V8 version. */
  v8: string;
  /** tfjs-core version. */
  tfjs: string;
  /** The backend of the runs (the runner's own process when no run happened). */
  backend: BackendInfo | null;
  /** OS and architecture. */
  os: string;
  /** ISO time of writing. */
  createdAt: string;
  /** The command line that produced the file. */
  command: string;
}

/** Shard `index` (1-based) of `count`. */
export interface Shard {
  /** 1-based shard number. */
  index: number;
  /** Number of shards. */
  count: number;
}
