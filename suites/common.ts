/**
 * Helpers the suites share: seeds per profile, grids of runs, common claim wording.
 *
 * @module
 */
import type { Json, Labels, ProfileName, RunSpec, TaskRef } from "../src/suite/types.ts";

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

/** One run: id from the labels (`un/seed1`, `un/post/seed0`, …). */
export function run(
  labels: Labels,
  task: TaskRef,
  input: Json,
  cost: number,
  extra: Partial<RunSpec> = {},
): RunSpec {
  const id = Object.entries(labels).map(([k, v]) => (k === "seed" ? `seed${v}` : String(v)))
    .join("/");
  return { id, labels, task, input, cost, ...extra };
}

/** "a vs b" wording of paper numbers. */
export function versus(pairs: [string, number | string][], unit: string): string {
  return pairs.map(([k, v]) => `${k} ${v}`).join(" / ") + (unit ? ` ${unit}` : "");
}
