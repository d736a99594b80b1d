// Reliability of every writer: `reproduce`, `merge`, `report` and `data --prepare` killed with
// SIGKILL at random points (10 times each) leave no corrupt or partial file a reader would use
// and redo no finished work; two concurrent `reproduce` compute each run once; profiles never
// touch each other's results; replaced results are kept.
import assert from "node:assert/strict";
import { dirname, join } from "node:path";
import { parseResultFile } from "../src/results/result_file.ts";
import { readBundle } from "../src/data/cache/bundle.ts";
import { provideDataset } from "../src/data/provision/provision.ts";
import { createRng } from "../src/util/random.ts";
import { LOCK_FILE } from "../src/util/lock.ts";

const MAIN = new URL("../src/cli/main.ts", import.meta.url).pathname;
const CONFIG = new URL("../deno.json", import.meta.url).pathname;
const TOY = new URL("./fixtures/toy_suite.ts", import.meta.url).pathname;
const KILLS = 10;

function spawn(args: string[], env: Record<string, string> = {}): Deno.ChildProcess {
  return new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--config", CONFIG, MAIN, ...args],
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1", ...env },
  }).spawn();
}

async function run(args: string[], env: Record<string, string> = {}) {
  const out = await spawn(args, env).output();
  const dec = new TextDecoder();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}

/** Starts a command and kills it with SIGKILL after `ms` (or lets it finish first). */
async function killAfter(args: string[], ms: number, env: Record<string, string> = {}) {
  const child = spawn(args, env);
  const timer = setTimeout(() => {
    try {
      child.kill("SIGKILL");
    } catch { /* already done */ }
  }, ms);
  const status = await child.status;
  clearTimeout(timer);
  await child.stdout.cancel().catch(() => {});
  await child.stderr.cancel().catch(() => {});
  return status;
}

function files(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    try {
      for (const e of Deno.readDirSync(d)) {
        const p = join(d, e.name);
        if (e.isDirectory) walk(p);
        else out.push(p);
      }
    } catch { /* not there yet */ }
  };
  walk(dir);
  return out.sort();
}

const isTemporary = (p: string) => /\.tmp-\d+-[0-9a-f]{8}$/.test(p);

/** Every file a reader would use under a results root is whole. */
async function assertResultsWhole(root: string, when: string) {
  for (const p of files(root).filter((f) => !isTemporary(f))) {
    const text = await Deno.readTextFile(p);
    if (p.endsWith(".json")) parseResultFile(text, p); // throws on a partial file
    else if (p.endsWith(".svg")) assert.match(text, /^<svg[\s\S]*<\/svg>\s*$/, `${when}: ${p}`);
    else if (p.endsWith(".md")) assert.ok(text.endsWith("\n") || text.length > 0, p);
  }
}

/** Every cached run record parses; returns id → finishedAt. */
async function cachedRuns(cache: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const p of files(cache).filter((f) => f.endsWith(".json") && !isTemporary(f))) {
    const record = JSON.parse(await Deno.readTextFile(p));
    assert.ok(record.output && record.hash, `${p} is not a whole run record`);
    out.set(p, record.finishedAt);
  }
  return out;
}

Deno.test("kill -9: reproduce, merge and report, 10 times each, leave only whole files and redo nothing", async () => {
  const dir = await Deno.makeTempDir({ prefix: "normbench-kill-" });
  const rng = createRng(20261127, "kill");
  const env = { TOY_SLEEP_MS: "25" };
  try {
    const reproduce = [
      "reproduce",
      "toy",
      "--import",
      TOY,
      "--profile",
      "quick",
      "--jobs",
      "2",
      "--backend",
      "cpu",
      "--quiet",
      "--out",
      `${dir}/results`,
      "--cache",
      `${dir}/cache`,
    ];
    // reproduce: each kill lands at a random point of the grid (start-up, runs, writing)
    let finished = new Map<string, string>();
    for (let k = 0; k < KILLS; k++) {
      await killAfter(reproduce, 300 + Math.floor(rng() * 2500), env);
      const now = await cachedRuns(`${dir}/cache`);
      for (const [path, at] of finished) {
        assert.equal(now.get(path), at, `kill ${k}: ${path} was redone or lost`);
      }
      finished = now;
      await assertResultsWhole(`${dir}/results`, `reproduce kill ${k}`);
    }
    const done = await run(reproduce, env);
    assert.equal(done.code, 0, done.stderr);
    for (const [path, at] of finished) {
      assert.equal((await cachedRuns(`${dir}/cache`)).get(path), at, `${path} was redone`);
    }
    assert.deepEqual(files(`${dir}/cache`).filter(isTemporary), [], "temporaries left");
    await assertResultsWhole(`${dir}/results`, "after the final reproduce");

    // merge: shards of the same grid, merged and killed at random points
    for (const shard of ["1/2", "2/2"]) {
      const r = await run([
        ...reproduce.slice(0, -4),
        "--shard",
        shard,
        "--out",
        `${dir}/sharded`,
        "--cache",
        `${dir}/cache`,
      ], env);
      assert.equal(r.code, 0, r.stderr);
    }
    const shardFiles = files(`${dir}/sharded`).filter((f) => f.includes(".shard-"));
    assert.equal(shardFiles.length, 2);
    for (let k = 0; k < KILLS; k++) {
      await killAfter(
        ["merge", ...shardFiles, "--out", `${dir}/merged`],
        150 + Math.floor(rng() * 1200),
      );
      await assertResultsWhole(`${dir}/merged`, `merge kill ${k}`);
    }
    const merged = await run(["merge", ...shardFiles, "--import", TOY, "--out", `${dir}/merged`]);
    assert.equal(merged.code, 0, merged.stderr);
    await assertResultsWhole(`${dir}/merged`, "after the final merge");

    // report: rebuilding pages and plots, killed at random points
    for (let k = 0; k < KILLS; k++) {
      await killAfter(["report", "--out", `${dir}/results`], 150 + Math.floor(rng() * 1200));
      await assertResultsWhole(`${dir}/results`, `report kill ${k}`);
    }
    const report = await run(["report", "--out", `${dir}/results`]);
    assert.equal(report.code, 0, report.stderr);
    assert.deepEqual(files(`${dir}/results`).filter(isTemporary), [], "temporaries left");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("kill -9: data --prepare, 10 times, leaves only whole caches and redoes no finished one", async () => {
  const dir = await Deno.makeTempDir({ prefix: "normbench-kill-data-" });
  const rng = createRng(20261127, "kill-data");
  // the raw files come from the copies already provisioned (no network); decoding fills the cache
  const env = {
    NORMBENCH_SENTIMENT: dirname((await provideDataset("sentiment", { log: () => {} })).paths[0]),
  };
  const args = ["data", "--prepare", "fashion-mnist", "sentiment", "--cache-dir", `${dir}/cache`];
  try {
    let whole = new Map<string, number>();
    for (let k = 0; k < KILLS; k++) {
      await killAfter(args, 300 + Math.floor(rng() * 2000), env);
      const now = new Map<string, number>();
      for (const p of files(`${dir}/cache/decoded`).filter((f) => !isTemporary(f))) {
        assert.ok(await readBundle(p), `kill ${k}: ${p} is not a whole bundle`);
        now.set(p, Deno.statSync(p).mtime!.getTime());
      }
      for (const [p, t] of whole) assert.equal(now.get(p), t, `kill ${k}: ${p} was redone`);
      whole = now;
    }
    const done = await run(args, env);
    assert.equal(done.code, 0, done.stderr);
    assert.match(done.stdout, /fashion-mnist\s+ready/);
    assert.deepEqual(files(`${dir}/cache`).filter(isTemporary), [], "temporaries left");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("two concurrent reproduce of one suite compute each run once", async () => {
  const dir = await Deno.makeTempDir({ prefix: "normbench-twice-" });
  const args = [
    "reproduce",
    "toy",
    "--import",
    TOY,
    "--profile",
    "quick",
    "--backend",
    "cpu",
    "--quiet",
    "--out",
    `${dir}/results`,
    "--cache",
    `${dir}/cache`,
  ];
  try {
    // The second starts once the first holds the results folder's lock (its pid is in the lock
    // file), not after a fixed delay: on a loaded machine the first's start-up alone can take
    // longer than any delay. Both sleep 300 ms a run (the sleep is part of a run's input: the two
    // must agree to share the cache), so the first still holds the lock when the second arrives.
    const first = spawn(args, { TOY_SLEEP_MS: "300" });
    const pending = first.output();
    const lock = `${dir}/results/${LOCK_FILE}`;
    for (let i = 0; i < 1200; i++) {
      const text = await Deno.readTextFile(lock).catch(() => "");
      if (text.includes(`"pid":${first.pid}`)) break;
      await new Promise((r) => setTimeout(r, 25));
    }
    const b = await spawn(args, { TOY_SLEEP_MS: "300" }).output();
    const a = await pending;
    const dec = new TextDecoder();
    const [ea, eb] = [dec.decode(a.stderr), dec.decode(b.stderr)];
    assert.equal(a.code, 0, ea);
    assert.equal(b.code, 0, eb);
    // the second waited for the first, then found every run done
    assert.match(eb, /waiting for pid \d+ \(reproduce --profile quick/);
    assert.match(eb, /toy: 11 runs \(11 cached\)/);
    assert.match(ea, /toy: 11 runs \(1 cached\)/); // the chosen tuning run is also seed 0
    const records = files(`${dir}/cache/toy`).filter((f) => f.endsWith(".json"));
    assert.equal(records.length, 10, "one cache entry per distinct run");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("profiles: a quick run never touches the headline; replaced results are kept", async () => {
  const dir = await Deno.makeTempDir({ prefix: "normbench-profiles-" });
  const common = ["toy", "--import", TOY, "--backend", "cpu", "--quiet", "--cache", `${dir}/cache`];
  try {
    const headline = await run([
      "reproduce",
      ...common,
      "--profile",
      "standard",
      "--out",
      `${dir}/results`,
    ]);
    assert.equal(headline.code, 0, headline.stderr);
    const before = new Map<string, string>();
    for (const p of files(`${dir}/results/standard`)) before.set(p, await Deno.readTextFile(p));
    const quick = await run([
      "reproduce",
      ...common,
      "--profile",
      "quick",
      "--out",
      `${dir}/results`,
    ]);
    assert.equal(quick.code, 0, quick.stderr);
    for (const p of files(`${dir}/results/standard`)) {
      assert.equal(await Deno.readTextFile(p), before.get(p), `${p} changed`);
    }
    assert.equal(files(`${dir}/results/standard`).length, before.size);
    const index = await Deno.readTextFile(`${dir}/results/README.md`);
    assert.match(
      index,
      /\[standard\]\(standard\/README\.md\)[\s\S]*\[quick\]\(quick\/README\.md\)/,
    );
    assert.doesNotMatch(await Deno.readTextFile(`${dir}/results/quick/README.md`), /standard/);
    // results of another code version are replaced, not lost: kept as <suite>.prev.json
    const path = `${dir}/results/quick/toy.json`;
    const file = JSON.parse(await Deno.readTextFile(path));
    file.provenance.codeVersion = "an-older-version";
    await Deno.writeTextFile(path, JSON.stringify(file));
    const again = await run([
      "reproduce",
      ...common,
      "--profile",
      "quick",
      "--out",
      `${dir}/results`,
    ]);
    assert.equal(again.code, 0, again.stderr);
    assert.match(
      again.stderr,
      /held profile quick, commit \S+, code an-older-version; replaced by/,
    );
    const kept = JSON.parse(await Deno.readTextFile(`${dir}/results/quick/toy.prev.json`));
    assert.equal(kept.provenance.codeVersion, "an-older-version");
    assert.notEqual(
      JSON.parse(await Deno.readTextFile(path)).provenance.codeVersion,
      "an-older-version",
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("data --prepare removes what a killed fetch left behind", async () => {
  const dir = await Deno.makeTempDir({ prefix: "normbench-leftovers-" });
  try {
    await Deno.mkdir(`${dir}/tmp/fetch-1a2b3c`, { recursive: true });
    await Deno.writeFile(`${dir}/tmp/fetch-1a2b3c/sentiment-5.0.2.tgz`, new Uint8Array(1000));
    await Deno.mkdir(`${dir}/packages/npm/sentiment-5.0.2.old-4242-1700000000000`, {
      recursive: true,
    });
    const env = {
      NORMBENCH_SENTIMENT: dirname((await provideDataset("sentiment", { log: () => {} })).paths[0]),
    };
    const r = await run(["data", "--prepare", "sentiment", "--cache-dir", dir], env);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual([...Deno.readDirSync(`${dir}/tmp`)], []);
    assert.deepEqual([...Deno.readDirSync(`${dir}/packages/npm`)], []);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
