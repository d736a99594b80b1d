/**
 * The worker pool: parallel speed-up on the machine's cores, plain-data results, errors as
 * errors, crashed and hung workers replaced.
 */
import assert from "node:assert/strict";
import { PoolTaskError, WorkerPool } from "../src/train/pool.ts";

const TASKS = import.meta.resolve("./fixtures/pool_tasks.ts");
const task = (name: string) => ({ module: TASKS, export: name });

/** Wall time of `n` busy loops run on `threads` raw workers at once (the machine's own scaling). */
async function rawScaling(threads: number, n: number): Promise<number> {
  const code =
    "onmessage = (e) => { let x = 0; for (let i = 0; i < e.data; i++) x += Math.sqrt(i); postMessage(x); };";
  const url = `data:application/javascript,${encodeURIComponent(code)}`;
  const workers = Array.from({ length: threads }, () => new Worker(url, { type: "module" }));
  const t0 = performance.now();
  let next = 0;
  await Promise.all(workers.map(async (w) => {
    while (next < n) {
      next++;
      await new Promise((resolve) => {
        w.onmessage = resolve;
        w.postMessage(1.5e8);
      });
    }
  }));
  const ms = performance.now() - t0;
  workers.forEach((w) => w.terminate());
  return ms;
}

Deno.test("pool: N training runs on all cores take clearly less wall time than one at a time", async () => {
  const cores = navigator.hardwareConcurrency ?? 1;
  if (cores < 2) return; // nothing to compare on one core
  const runs = 2 * cores;
  const inputs = Array.from({ length: runs }, (_, i) => ({ seed: i, steps: 12 }));
  const time = async (size: number) => {
    const pool = new WorkerPool({ size, backend: "wasm" });
    await Promise.all(Array.from({ length: size }, () => pool.run(task("echo"), 0))); // start-up
    const t0 = performance.now();
    const results = await Promise.all(
      inputs.map((input) => pool.run<{ seed: number; losses: number[] }>(task("trainLm"), input)),
    );
    const ms = performance.now() - t0;
    await pool.close();
    return { ms, results };
  };
  // The machine may be shared (other tests, other users): another busy process leaves the pool
  // fewer cores than it has workers. Each attempt first measures how well raw busy workers scale
  // right now; only when the machine offers parallelism (≤ 0.75) is the pool held to it (its
  // ratio below max(0.8, raw + 0.2) — a pool that ran tasks one at a time would sit near 1).
  // Up to three attempts; if the machine never offers parallelism the check is inconclusive.
  let judged = 0;
  let passed = false;
  for (let attempt = 0; attempt < 3 && !passed; attempt++) {
    const machine = (await rawScaling(cores, runs)) / (await rawScaling(1, runs));
    const serial = await time(1);
    const parallel = await time(cores);
    const ratio = parallel.ms / serial.ms;
    console.log(
      `pool: ${runs} runs, 1 worker ${serial.ms.toFixed(0)} ms, ${cores} workers ` +
        `${parallel.ms.toFixed(0)} ms, ratio ${ratio.toFixed(2)} (raw workers ${
          machine.toFixed(2)
        })`,
    );
    // Same seed, same backend: identical losses whichever worker ran the task.
    assert.deepEqual(parallel.results, serial.results);
    if (machine > 0.75) continue;
    judged++;
    passed = ratio < Math.max(0.8, machine + 0.2);
  }
  if (judged === 0) {
    console.log("pool: the machine offered no parallelism during the test; speed-up not judged");
    return;
  }
  assert.ok(passed, "the pool was not clearly faster than one worker");
});

Deno.test("pool: progress flows back; errors come back as errors; crashed and hung workers are replaced", async () => {
  const pool = new WorkerPool({ size: 1, backend: "wasm" });
  try {
    const progress: [number, number][] = [];
    const out = await pool.run<{ losses: number[] }>(task("trainLm"), {
      seed: 1,
      steps: 3,
      preset: "tiny",
    }, {
      onProgress: (done, total) => progress.push([done, total]),
    });
    assert.equal(out.losses.length, 3);
    assert.deepEqual(progress, [[1, 3], [2, 3], [3, 3]]);

    await assert.rejects(pool.run(task("fail"), null), (e: Error) => {
      assert.ok(e instanceof PoolTaskError);
      assert.equal(e.originalName, "UsageError");
      assert.match(e.message, /bad task input/);
      return true;
    });
    await assert.rejects(pool.run(task("nope"), null), /no exported function 'nope'/);
    await assert.rejects(pool.run({ module: "file:///no/such/module.ts", export: "x" }, null));
    await assert.rejects(pool.run(task("crash"), null), /worker crashed/);
    await assert.rejects(pool.run(task("hang"), null, { timeoutMs: 300 }), /timed out/);
    // The pool still works after all of that, and plain data round-trips.
    const data = { a: [1, 2], b: new Float32Array([0.5]), c: "x" };
    assert.deepEqual(await pool.run(task("echo"), data), data);
  } finally {
    await pool.close();
  }
  await assert.rejects(pool.run(task("echo"), 1), /closed/);
});
