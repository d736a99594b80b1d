/**
 * The worker pool: the same results on any number of workers, plain-data results, errors as
 * errors, crashed and hung workers replaced. (Its speed-up is a benchmark: `normbench bench pool`.)
 */
import assert from "node:assert/strict";
import { PoolTaskError, WorkerPool } from "../src/runner/pool.ts";
import { runCliCaptured } from "./helpers.ts";

const TASKS = import.meta.resolve("./fixtures/pool_tasks.ts");
const task = (name: string) => ({ module: TASKS, export: name });

Deno.test("pool: N training runs spread over all cores give the same losses as on one worker", async () => {
  const cores = Math.max(2, navigator.hardwareConcurrency ?? 1);
  const inputs = Array.from(
    { length: 2 * cores },
    (_, i) => ({ seed: i, steps: 3, preset: "tiny" }),
  );
  const runOn = async (size: number) => {
    const pool = new WorkerPool({ size, backend: "wasm" });
    try {
      return await Promise.all(
        inputs.map((input) => pool.run<{ seed: number; losses: number[] }>(task("trainLm"), input)),
      );
    } finally {
      await pool.close();
    }
  };
  const serial = await runOn(1);
  const parallel = await runOn(cores);
  // results come back in submission order, whichever worker ran them, bit for bit
  assert.deepEqual(parallel.map((r) => r.seed), inputs.map((x) => x.seed));
  assert.deepEqual(parallel, serial);
  assert.notDeepEqual(serial[0].losses, serial[1].losses); // different seeds are different runs
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

Deno.test("bench pool: serial and pooled wall time as JSON, same losses; bad flags exit 2", async () => {
  const args = ["--runs", "2", "--workers", "2", "--steps", "2", "--preset", "tiny", "--json"];
  const { code, out } = await runCliCaptured(["bench", "pool", ...args]);
  assert.equal(code, 0);
  const r = JSON.parse(out[out.length - 1]);
  assert.equal(r.runs, 2);
  assert.equal(r.workers, 2);
  assert.equal(r.identical, true);
  assert.ok(r.serialMs > 0 && r.parallelMs > 0 && r.machineRatio > 0);
  assert.ok(Math.abs(r.ratio - r.parallelMs / r.serialMs) < 1e-12);
  for (
    const bad of [["--workers", "0"], ["--steps", "x"], ["--preset", "huge"], ["--backend", "tpu"]]
  ) {
    const r = await runCliCaptured(["bench", "pool", ...bad]);
    assert.equal(r.code, 2, bad.join(" "));
    assert.equal(r.err.length, 1, bad.join(" "));
  }
});
