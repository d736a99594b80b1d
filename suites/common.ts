/**
 * Helpers the suites share: seeds per profile, grids of runs, claims against a baseline.
 *
 * @module
 */
import type {
  ClaimSpec,
  ClaimTest,
  Json,
  Labels,
  PlotSpec,
  ProfileName,
  RunChoice,
  RunRecord,
  Selector,
  TaskRef,
} from "../src/results/types.ts";
import type { RunSpec } from "../src/suite/types.ts";

/** A profile's value of a setting. */
export type PerProfile<T> = Record<ProfileName, T>;

/** Picks the value of `profile`. */
export function pick<T>(values: PerProfile<T>, profile: ProfileName): T {
  return values[profile];
}

/** Seeds 0…n−1. */
export function seeds(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}

/** The task of an experiment module of `src/experiments/`. */
export function experiment(file: string, exportName: string): TaskRef {
  return {
    module: new URL(`../src/experiments/${file}`, import.meta.url).href,
    export: exportName,
  };
}

/** One run: id from the labels (`un/seed1`, `stress-lr/un/seed0`, …). */
export function run(labels: Labels, task: TaskRef, input: unknown, cost: number): RunSpec {
  const id = Object.entries(labels).map(([k, v]) => (k === "seed" ? `seed${v}` : String(v)))
    .join("/");
  return { id, labels, task, input: input as Json, cost };
}

/**
 * The collapse rule of the language-model suites (`collapse` of `trainLanguageModel`): a run
 * collapsed when its loss or gradient turns non-finite, when its loss blows up past 1.5× its
 * start, or when it ends on the unigram plateau — the mean of its last 50 losses not 3 standard
 * errors below the training unigram entropy. A slow run that has left the plateau did not
 * collapse.
 */
export const LM_COLLAPSE = { blowUp: 1.5, belowUnigram: 0, unigramZ: 3 } as const;

/** A candidate setting of a tuned arm, e.g. `{ id: "lr 0.002", setting: { lr: 0.002 } }`. */
export interface Candidate {
  /** Short name, part of the tuning run's id. */
  id: string;
  /** What it sets, as recorded and reported. */
  setting: Record<string, number | string | boolean>;
}

/** One arm of a tuned grid: its labels, its candidates and how to build a run. */
export interface TunedArm {
  /** The arm's labels (`seed` is added). */
  labels: Labels;
  /** The candidates; one candidate means no tuning. */
  candidates: Candidate[];
  /** A run of this arm with a candidate's setting and a seed. */
  build(candidate: Candidate, seed: number): { input: unknown; cost: number };
}

/**
 * A grid whose arms choose their setting (e.g. the learning rate) on validation data: per arm,
 * one tuning run (seed 0) per candidate, then `seeds` measured runs (seeds 0…n−1) with the
 * candidate whose validation `metric` is best — seed 0 of it is the tuning run itself (same
 * input, one cached result). Collapsed candidates never win; if all collapsed, the first wins.
 * An arm with one candidate is an ordinary grid of seeds. Measured run ids are
 * `<labels…>/seed<s>`; tuning run ids `tune/<labels…>/<candidate>`.
 *
 * @example
 * ```ts
 * import { tunedGrid } from "@normbench/normbench/suites";
 * const runs = tunedGrid({
 *   task: { module: "file:///t.ts", export: "run" },
 *   seeds: 2,
 *   metric: { key: "valid_accuracy", higherIsBetter: true },
 *   arms: [{
 *     labels: { norm: "ln" },
 *     candidates: [1e-3, 2e-3].map((lr) => ({ id: `lr ${lr}`, setting: { lr } })),
 *     build: (c, seed) => ({ input: { lr: c.setting.lr, seed }, cost: 1 }),
 *   }],
 * });
 * console.assert(runs.map((r) => r.id).join() === "tune/ln/lr 0.001,tune/ln/lr 0.002,ln/seed0,ln/seed1");
 * ```
 */
export function tunedGrid(options: {
  task: TaskRef;
  seeds: number;
  metric: { key: string; higherIsBetter: boolean };
  arms: TunedArm[];
}): RunSpec[] {
  const { task, metric } = options;
  const out: RunSpec[] = [];
  for (const arm of options.arms) {
    if (arm.candidates.length === 0) throw new Error("a tuned arm needs at least one candidate");
    if (arm.candidates.length === 1) {
      for (const seed of seeds(options.seeds)) {
        const { input, cost } = arm.build(arm.candidates[0], seed);
        out.push(run({ ...arm.labels, seed }, task, input, cost));
      }
      continue;
    }
    const tuning = arm.candidates.map((c) => {
      const { input, cost } = arm.build(c, 0);
      const spec = run({ ...arm.labels, seed: 0 }, task, input, cost);
      return {
        ...spec,
        id: `tune/${spec.id.replace(/\/seed0$/, "")}/${c.id}`,
        role: "tune" as const,
      };
    });
    out.push(...tuning);
    const ids = tuning.map((t) => t.id);
    for (const seed of seeds(options.seeds)) {
      const base = arm.build(arm.candidates[0], seed);
      out.push({
        ...run({ ...arm.labels, seed }, task, base.input, base.cost),
        decidedBy: {
          runs: ids,
          decide: (records: RunRecord[]) => {
            const choice = chooseCandidate(arm.candidates, records, metric);
            const chosen = arm.candidates[ids.indexOf(choice.chosen)];
            return { input: arm.build(chosen, seed).input as Json, choice };
          },
        },
      });
    }
  }
  return out;
}

/** The best candidate by a validation metric (collapsed or missing values never win). */
function chooseCandidate(
  candidates: Candidate[],
  records: RunRecord[],
  metric: { key: string; higherIsBetter: boolean },
): RunChoice {
  const values = records.map((r) => {
    const v = r.output.collapse ? null : r.output.metrics[metric.key];
    return typeof v === "number" && Number.isFinite(v) ? v : null;
  });
  let best = 0;
  values.forEach((v, i) => {
    const b = values[best];
    if (v !== null && (b === null || (metric.higherIsBetter ? v > b : v < b))) best = i;
  });
  return {
    metric: metric.key,
    higherIsBetter: metric.higherIsBetter,
    candidates: candidates.map((c, i) => ({
      id: records[i].id,
      setting: c.setting,
      value: values[i],
    })),
    chosen: records[best].id,
  };
}

/** A metric a claim compares, with its direction. */
export interface Metric {
  /** Key in the runs' metrics. */
  key: string;
  /** Whether higher values are better. */
  higherIsBetter: boolean;
}

/** What a claim says, where it comes from and the setting it is tested in. */
export interface ClaimText {
  /** The claim in words. */
  claim: string;
  /** Paper and table. */
  source: string;
  /** The paper's numbers in words. */
  paper: string;
  /** The paper's a − b, when it has one. */
  paperDelta?: number;
  /** The setting it is tested in (the source paper's), in words. */
  setting?: string;
}

/** The runs of a claim's side: a norm name, or labels. */
export type Side = string | Selector;

function selector(side: Side): Selector {
  return typeof side === "string" ? { norm: side } : side;
}

function sideName(side: Side): string {
  return typeof side === "string" ? side : Object.values(side).join("-");
}

/**
 * A claim comparing side `a`'s runs with side `b`'s runs of the same suite (a side is a norm
 * name or a label selector such as `{ norm: "pn", setting: "powernorm" }`).
 *
 * @example
 * ```ts
 * import { versus } from "@normbench/normbench/suites";
 * const c = versus("vit", "un", "ln", { key: "test_accuracy", higherIsBetter: true },
 *   { kind: "non-inferior", margin: 1 }, { claim: "UN keeps LN's accuracy", source: "UN paper",
 *   paper: "80.9 vs 81.5" });
 * console.assert(c.id === "vit.un-vs-ln" && c.b?.norm === "ln");
 * ```
 */
export function versus(
  suite: string,
  a: Side,
  b: Side,
  metric: Metric,
  test: ClaimTest,
  text: ClaimText,
): ClaimSpec {
  return {
    id: `${suite}.${sideName(a)}-vs-${sideName(b)}`,
    ...text,
    metric: metric.key,
    higherIsBetter: metric.higherIsBetter,
    a: selector(a),
    b: selector(b),
    test,
  };
}

/**
 * A learning-rate grid around `base`: `base × f` for each factor (default ½, 1, 2), as
 * candidates of a tuned arm.
 *
 * @example
 * ```ts
 * import { lrGrid } from "@normbench/normbench/suites";
 * console.assert(lrGrid(2e-3).map((c) => c.id).join() === "lr=0.002,lr=0.001,lr=0.004");
 * console.assert(lrGrid(2e-3, []).length === 1);
 * ```
 */
export function lrGrid(base: number, factors: number[] = [0.5, 2]): Candidate[] {
  return [1, ...factors].map((f) => {
    const lr = Number((base * f).toPrecision(3));
    return { id: `lr=${lr}`, setting: { lr } };
  });
}

/** The three plots of a training suite: the final metric, the loss curve, a validation curve. */
export function trainingPlots(
  metric: {
    key: string;
    title: string;
    axis: string;
    reference?: { value: number; label: string };
  },
  valid: {
    curve: string;
    title: string;
    axis: string;
    logY?: boolean;
    reference?: { value: number; label: string };
  } | null,
): PlotSpec[] {
  const plots: PlotSpec[] = [
    {
      kind: "bar",
      id: "metric",
      title: `${metric.title} (mean ± std over seeds)`,
      metric: metric.key,
      groupBy: "norm",
      yTitle: metric.axis,
      reference: metric.reference,
    },
    {
      kind: "curve",
      id: "loss",
      title: "Training loss (band: ±1 std over seeds)",
      curve: "train_loss",
      groupBy: "norm",
      yTitle: "training loss",
      logY: true,
    },
  ];
  if (valid) {
    plots.push({
      kind: "curve",
      id: "valid",
      title: valid.title,
      curve: valid.curve,
      groupBy: "norm",
      yTitle: valid.axis,
      logY: valid.logY,
      reference: valid.reference,
    });
  }
  return plots;
}
