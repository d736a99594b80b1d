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
  RunSpec,
  TaskRef,
} from "../src/suite/types.ts";

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

/** The usual grid: every norm × every seed, labelled `{ norm, seed }`. */
export function normSeedGrid(
  norms: string[],
  seedCount: number,
  task: TaskRef,
  build: (norm: string, seed: number) => { input: unknown; cost: number },
): RunSpec[] {
  return norms.flatMap((norm) =>
    seeds(seedCount).map((seed) => {
      const { input, cost } = build(norm, seed);
      return run({ norm, seed }, task, input, cost);
    })
  );
}

/** A metric a claim compares, with its direction. */
export interface Metric {
  /** Key in the runs' metrics. */
  key: string;
  /** Whether higher values are better. */
  higherIsBetter: boolean;
}

/** What a claim says and where it comes from. */
export interface ClaimText {
  /** The claim in words. */
  claim: string;
  /** Paper and table. */
  source: string;
  /** The paper's numbers in words. */
  paper: string;
  /** The paper's a − b, when it has one. */
  paperDelta?: number;
}

/** A claim comparing `norm`'s runs with `base`'s runs of the same suite. */
export function versus(
  suite: string,
  norm: string,
  base: string,
  metric: Metric,
  test: ClaimTest,
  text: ClaimText,
): ClaimSpec {
  return {
    id: `${suite}.${norm}-vs-${base}`,
    ...text,
    metric: metric.key,
    higherIsBetter: metric.higherIsBetter,
    a: { norm },
    b: { norm: base },
    test,
  };
}

/** The three plots of a training suite: the final metric, the loss curve, a validation curve. */
export function trainingPlots(
  metric: { key: string; title: string; axis: string },
  valid: { curve: string; title: string; axis: string; logY?: boolean } | null,
): PlotSpec[] {
  const plots: PlotSpec[] = [
    {
      kind: "bar",
      id: "metric",
      title: `${metric.title} (mean ± std over seeds)`,
      metric: metric.key,
      groupBy: "norm",
      yTitle: metric.axis,
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
    });
  }
  return plots;
}
