/**
 * Sharding a suite's grid over a job array (`--shard i/n`).
 *
 * @module
 */
import { UsageError } from "../util/errors.ts";
import type { Shard } from "../results/types.ts";
import type { RunSpec } from "../suite/types.ts";

/** The most shards a grid can be split into (more would leave nearly all of them empty). */
export const MAX_SHARDS = 10_000;

/**
 * Parses `i/n` (1 ≤ i ≤ n ≤ {@linkcode MAX_SHARDS}).
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
  if (
    !m || !Number.isSafeInteger(count) || !Number.isSafeInteger(index) || count < 1 ||
    count > MAX_SHARDS || index < 1 || index > count
  ) {
    throw new UsageError(
      `--shard must be i/n with 1 ≤ i ≤ n ≤ ${MAX_SHARDS}, got '${text}'`,
      "e.g. --shard 1/4 for the first of four jobs (Slurm: $SLURM_ARRAY_TASK_ID/$SLURM_ARRAY_TASK_COUNT)",
    );
  }
  return { index, count };
}

/**
 * The groups of runs that must share a shard: a run and every run it is decided by (tuning runs
 * and the runs they decide), transitively. Groups are in the order of their first run.
 *
 * @example
 * ```ts
 * import { runGroups } from "@normbench/normbench";
 * const task = { module: "", export: "" };
 * const runs = [
 *   { id: "tune", labels: {}, task, input: null, cost: 1 },
 *   { id: "a", labels: {}, task, input: null, cost: 1,
 *     decidedBy: { runs: ["tune"], decide: () => ({ input: null, choice: null as never }) } },
 *   { id: "b", labels: {}, task, input: null, cost: 1 },
 * ];
 * console.assert(runGroups(runs).map((g) => g.map((r) => r.id).join("+")).join() === "tune+a,b");
 * ```
 */
export function runGroups(runs: RunSpec[]): RunSpec[][] {
  const parent = new Map<string, string>(runs.map((r) => [r.id, r.id]));
  const find = (id: string): string => {
    let root = id;
    while (parent.get(root) !== root) root = parent.get(root)!;
    parent.set(id, root);
    return root;
  };
  for (const run of runs) {
    for (const dep of run.decidedBy?.runs ?? []) {
      if (!parent.has(dep)) {
        throw new Error(`run '${run.id}' is decided by '${dep}', which is not in the grid`);
      }
      parent.set(find(run.id), find(dep));
    }
  }
  const groups = new Map<string, RunSpec[]>();
  for (const run of runs) {
    const root = find(run.id);
    if (!groups.has(root)) groups.set(root, []);
    groups.get(root)!.push(run);
  }
  return [...groups.values()];
}

/**
 * The runs of shard `shard`: groups of runs that decide one another (see {@linkcode runGroups})
 * are dealt out by cost (largest first, each to the shard with the least work so far; ties by
 * the first id), so shards take about equal time, every run lands in exactly one shard whatever
 * the order of `runs`, and a shard never waits for another shard's runs.
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
  const cost = (g: RunSpec[]) => g.reduce((a, r) => a + r.cost, 0);
  const groups = runGroups(runs).map((g) => ({ runs: g, cost: cost(g), id: g[0].id }))
    .sort((a, b) => b.cost - a.cost || (a.id < b.id ? -1 : 1));
  const load = new Array(shard.count).fill(0);
  const chosen = new Set<string>();
  for (const group of groups) {
    let best = 0;
    for (let i = 1; i < shard.count; i++) if (load[i] < load[best]) best = i;
    load[best] += group.cost;
    if (best === shard.index - 1) { for (const r of group.runs) chosen.add(r.id); }
  }
  return runs.filter((r) => chosen.has(r.id));
}
