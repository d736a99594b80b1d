// The slot scheduler and the call that runs several suites side by side on it: timing runs
// alone, largest runs first, every slot busy across suites, and the call's wall clock reported.
import assert from "node:assert/strict";
import { SlotScheduler } from "../src/runner/slots.ts";
import { reproduce } from "../src/reproduce.ts";
import type { Executor, TaskResult } from "../src/runner/executor.ts";
import type { Json, TaskRef } from "../src/results/types.ts";
import type { RunSpec, Suite } from "../src/suite/types.ts";
import { parseResultFile } from "../src/results/result_file.ts";
import { overviewMarkdown } from "../src/report/markdown.ts";

const tick = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Runs jobs on `slots` and returns each job's [start, end] in scheduler time. */
async function schedule(
  slots: number,
  jobs: { name: string; cost: number; ms: number; exclusive?: boolean; after?: number }[],
) {
  const scheduler = new SlotScheduler(slots);
  const t0 = performance.now();
  const spans = new Map<string, [number, number]>();
  let peak = 0;
  let running = 0;
  await Promise.all(jobs.map(async (job) => {
    if (job.after) await tick(job.after);
    const release = await scheduler.acquire(job.cost, job.exclusive);
    running++;
    peak = Math.max(peak, running);
    const start = performance.now() - t0;
    await tick(job.ms);
    spans.set(job.name, [start, performance.now() - t0]);
    running--;
    release();
  }));
  return { spans, peak };
}

const overlaps = (a: [number, number], b: [number, number]) => a[0] < b[1] && b[0] < a[1];

Deno.test("SlotScheduler: never more runs than slots, the largest cost first", async () => {
  const jobs = [1, 5, 3, 9, 2].map((cost) => ({ name: `c${cost}`, cost, ms: 20 }));
  const { spans, peak } = await schedule(2, jobs);
  assert.equal(peak, 2);
  const byStart = [...spans].sort((a, b) => a[1][0] - b[1][0]).map(([n]) => n);
  assert.deepEqual(byStart.slice(0, 2).sort(), ["c5", "c9"]);
  assert.equal(byStart.at(-1), "c1");
});

Deno.test("SlotScheduler: a timing run asked for at the start runs first and alone", async () => {
  const { spans } = await schedule(2, [
    { name: "long", cost: 100, ms: 60 },
    { name: "short", cost: 1, ms: 10 },
    { name: "timing", cost: 5, ms: 30, exclusive: true },
  ]);
  const timing = spans.get("timing")!;
  assert.ok(timing[0] < spans.get("long")![0], "the timing run starts before the long run");
  for (const other of ["long", "short"]) assert.ok(!overlaps(timing, spans.get(other)!), other);
});

Deno.test("SlotScheduler: a timing run asked for later waits for the slots to drain and blocks new runs", async () => {
  const { spans } = await schedule(2, [
    { name: "a", cost: 3, ms: 40 },
    { name: "b", cost: 2, ms: 40 },
    { name: "timing", cost: 1, ms: 30, exclusive: true, after: 10 },
    { name: "late", cost: 50, ms: 10, after: 15 },
  ]);
  const timing = spans.get("timing")!;
  for (const other of ["a", "b", "late"]) assert.ok(!overlaps(timing, spans.get(other)!), other);
  assert.ok(spans.get("late")![0] >= timing[1], "nothing new starts while a timing run waits");
});

Deno.test("SlotScheduler: giving a slot back twice frees it once", async () => {
  const scheduler = new SlotScheduler(1);
  const release = await scheduler.acquire(1);
  release();
  release();
  const again = await scheduler.acquire(1);
  assert.equal(scheduler.busy, 1);
  again();
  await tick(0);
  assert.equal(scheduler.busy, 0);
});

/** A two-slot executor that "runs" a task by waiting `input.ms` and records when. */
class RecordingExecutor implements Executor {
  readonly slots = 2;
  readonly spans: { id: string; span: [number, number] }[] = [];
  #running = 0;
  peak = 0;
  readonly #t0 = performance.now();
  async run(_task: TaskRef, input: Json): Promise<TaskResult> {
    const { id, ms } = input as { id: string; ms: number };
    this.#running++;
    this.peak = Math.max(this.peak, this.#running);
    const start = performance.now() - this.#t0;
    await tick(ms);
    this.spans.push({ id, span: [start, performance.now() - this.#t0] });
    this.#running--;
    return {
      output: { metrics: { ms } },
      wallMs: ms,
      backend: { name: "cpu", adapter: null, fallbackAdapter: false, version: "test" },
    } as unknown as TaskResult;
  }
  async close() {}
}

function toySuite(name: string, runs: { id: string; ms: number; exclusive?: boolean }[]): Suite {
  return {
    name,
    title: name,
    setting: { paper: "—", ours: "—" },
    datasets: [],
    runs: (): RunSpec[] =>
      runs.map((r) => ({
        id: r.id,
        labels: { id: r.id },
        task: { module: "file:///nowhere.ts", export: "run" },
        input: { id: `${name}/${r.id}`, ms: r.ms },
        cost: r.ms,
        ...(r.exclusive ? { exclusive: true } : {}),
      })),
    claims: [],
    plots: [],
    notes: () => [],
    table: { groupBy: ["id"], metrics: [] },
  } as unknown as Suite;
}

/** `reproduce` of `suites` (smoke profile) on the recording executor, results under `dir`. */
function reproduceOn(executor: RecordingExecutor, suites: Suite[], dir: string) {
  return reproduce({
    suites,
    profile: "smoke",
    backend: "cpu",
    outDir: dir,
    cacheDir: `${dir}/cache`,
    jobs: 2,
    makeExecutor: () => Promise.resolve(executor),
    progress: false,
    log: () => {},
  });
}

Deno.test("reproduce: suites of one call share the slots, timing runs stay alone, the call's wall clock is reported", async () => {
  const dir = await Deno.makeTempDir();
  const executor = new RecordingExecutor();
  // Suite by suite, "long" would leave the second slot idle for 300 ms; shared, "b"'s runs fill it.
  const suites = [
    toySuite("a", [{ id: "long", ms: 300 }, { id: "short", ms: 20 }]),
    toySuite("b", [1, 2, 3, 4].map((i) => ({ id: `r${i}`, ms: 60 }))),
    toySuite("timed", [{ id: "t1", ms: 40, exclusive: true }, {
      id: "t2",
      ms: 40,
      exclusive: true,
    }]),
  ];
  const result = await reproduceOn(executor, suites, dir);
  assert.deepEqual(result.failures, []);
  assert.equal(executor.peak, 2);
  const span = (id: string) => executor.spans.find((s) => s.id === id)!.span;
  for (const t of ["timed/t1", "timed/t2"]) {
    for (const { id, span: other } of executor.spans) {
      if (id !== t) assert.ok(!overlaps(span(t), other), `${t} overlaps ${id}`);
    }
    assert.ok(span(t)[1] <= span("a/long")[0] + 1, "timing runs go first");
  }
  for (const r of ["b/r1", "b/r2", "b/r3", "b/r4"]) {
    assert.ok(overlaps(span(r), span("a/long")), `${r} runs beside a's long run`);
  }
  const files = await Promise.all(["a", "b", "timed"].map(async (name) => {
    const path = `${dir}/smoke/${name}.json`;
    return parseResultFile(await Deno.readTextFile(path), path);
  }));
  for (const f of files) {
    assert.deepEqual(f.call?.suites, ["a", "b", "timed"]);
    assert.ok(f.elapsedMs !== null && f.elapsedMs > 0);
  }
  // a suite's elapsed time ends with its last run: the suites finish in the order of their runs
  const spanEnd = (suite: string) =>
    Math.max(...executor.spans.filter((s) => s.id.startsWith(`${suite}/`)).map((s) => s.span[1]));
  const order = (key: (f: (typeof files)[number]) => number) =>
    [...files].sort((x, y) => key(x) - key(y)).map((f) => f.suite.name);
  assert.deepEqual(order((f) => f.elapsedMs!), order((f) => spanEnd(f.suite.name)));
  const last = Math.max(...files.map((f) => f.elapsedMs!));
  const overview = overviewMarkdown(files);
  const all = overview.split("\n").find((l) => l.startsWith("| **all** |"))!;
  assert.equal(all.split("|")[4].trim(), (last / 60000).toFixed(1));
  assert.match(overview, /all\*\* is the call's wall clock/);
});

Deno.test("reproduce: a suite whose decide() throws fails the call once its runs are done, never hangs", async () => {
  const dir = await Deno.makeTempDir();
  const executor = new RecordingExecutor();
  const broken = toySuite("broken", [{ id: "tune", ms: 20 }, { id: "measured", ms: 20 }]);
  const runs = broken.runs;
  broken.runs = (profile) =>
    runs(profile).map((r) =>
      r.id === "measured"
        ? {
          ...r,
          decidedBy: {
            runs: ["tune"],
            decide: () => {
              throw new Error("decide failed");
            },
          },
        }
        : r
    );
  const other = toySuite("other", [{ id: "long", ms: 120 }]);
  await assert.rejects(() => reproduceOn(executor, [broken, other], dir), /decide failed/);
  // the other suite's run finished before the call failed
  assert.ok(executor.spans.some((s) => s.id === "other/long"));
});
