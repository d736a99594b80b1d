/**
 * Sharding a suite's grid over a job array (`--shard i/n`).
 *
 * @module
 */
import { UsageError } from "../util/errors.ts";
import type { RunSpec } from "./types.ts";

/** Shard `index` (1-based) of `count`. */
export interface Shard {
  /** 1-based shard number. */
  index: number;
  /** Number of shards. */
  count: number;
}

/**
 * Parses `i/n` (1 ≤ i ≤ n).
 *
 * @example
 * ```ts
 * import { parseShard } from "@normbench/normbench";
 * console.assert(parseShard("2/4").index === 2);
 * ```
 */
export function parseShard(text: string): Shard {
  const m = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(text);
  const index = m ? Number(m[1]) : NaN;
  const count = m ? Number(m[2]) : NaN;
  if (!m || count < 1 || index < 1 || index > count) {
    throw new UsageError(
      `--shard must be i/n with 1 ≤ i ≤ n, got '${text}'`,
      "e.g. --shard 1/4 for the first of four jobs (Slurm: $SLURM_ARRAY_TASK_ID/$SLURM_ARRAY_TASK_COUNT)",
    );
  }
  return { index, count };
}

/**
 * The runs of shard `shard`: runs are dealt out by cost (largest first, each to the shard with
 * the least work so far; ties by id), so shards take about equal time and every run lands in
 * exactly one shard, whatever the order of `runs`.
 *
 * @example
 * ```ts
 * import { selectShard } from "@normbench/normbench";
 * const runs = ["a", "b", "c"].map((id) => ({ id, labels: {}, task: { module: "", export: "" }, input: null, cost: 1 }));
 * const all = [1, 2].flatMap((index) => selectShard(runs, { index, count: 2 }).map((r) => r.id));
 * console.assert(all.sort().join() === "a,b,c");
 * ```
 */
export function selectShard(runs: RunSpec[], shard: Shard): RunSpec[] {
  if (shard.count === 1) return runs;
  const order = [...runs].sort((a, b) => b.cost - a.cost || (a.id < b.id ? -1 : 1));
  const load = new Array(shard.count).fill(0);
  const chosen = new Set<string>();
  for (const run of order) {
    let best = 0;
    for (let i = 1; i < shard.count; i++) if (load[i] < load[best]) best = i;
    load[best] += run.cost;
    if (best === shard.index - 1) chosen.add(run.id);
  }
  return runs.filter((r) => chosen.has(r.id));
}
