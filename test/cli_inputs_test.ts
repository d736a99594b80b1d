// Bad input, table-driven: every row ends in exit code 2 and one line naming the problem and the
// fix, before any data is prepared or any run starts, and writes nothing anywhere.
import assert from "node:assert/strict";
import { join } from "node:path";
import { runCliWith } from "./helpers.ts";
import { provideDataset } from "../src/data/provision/provision.ts";
import { RESULT_FORMAT } from "../src/results/result_file.ts";

const TOY = new URL("./fixtures/toy_suite.ts", import.meta.url).pathname;

/** Every file under `dir` with its size and modification time. */
function snapshot(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of Deno.readDirSync(d)) {
      const p = join(d, e.name);
      if (e.isDirectory) {
        out.push(`${p}/`);
        walk(p);
      } else {
        const info = Deno.statSync(p);
        out.push(`${p} ${info.size} ${info.mtime?.getTime()}`);
      }
    }
  };
  walk(dir);
  return out.sort();
}

/** A directory nobody may write to, even root: /sys (sysfs) as root, else a 0o555 folder. */
async function readOnlyDir(sandbox: string): Promise<string> {
  if (Deno.uid() === 0) return "/sys";
  const dir = join(sandbox, "read-only");
  await Deno.mkdir(dir);
  await Deno.chmod(dir, 0o555);
  return dir;
}

/** A results file of the current format with `change` applied to a valid base. */
function resultsFile(change: (f: Record<string, unknown>) => void): string {
  const run = {
    id: "ln/seed0",
    labels: { norm: "ln", seed: 0 },
    input: null,
    hash: "h",
    output: { metrics: { slope: 3 } },
    wallMs: 1,
    backend: {},
    finishedAt: "",
  };
  const file: Record<string, unknown> = {
    format: RESULT_FORMAT,
    suite: {
      name: "toy",
      title: "t",
      setting: { paper: "", ours: "" },
      datasets: [],
      claims: [],
      references: [],
      plots: [],
      notes: [],
      table: { groupBy: [], metrics: [] },
    },
    profile: "smoke",
    shard: { index: 1, count: 2 },
    provenance: { codeVersion: "c", gitCommit: null },
    expected: ["ln/seed0", "ln/seed1"],
    runs: [run],
    tuning: [],
    checks: [],
    elapsedMs: null,
  };
  change(file);
  return JSON.stringify(file);
}

Deno.test("bad input: every row is exit 2, one line naming the fix, nothing written, nothing run", async () => {
  const sandbox = await Deno.makeTempDir({ prefix: "normbench-inputs-" });
  try {
    const ro = await readOnlyDir(sandbox);
    const aFile = join(sandbox, "a-file.txt");
    await Deno.writeTextFile(aFile, "x\n");
    const ref = join(sandbox, "ref.txt");
    const hyp = join(sandbox, "hyp.txt");
    await Deno.writeTextFile(ref, "the cat sat on the mat\n");
    await Deno.writeTextFile(hyp, "the cat is on the mat\n");
    // results folders that are not what they claim to be
    const noLabels = join(sandbox, "no-labels");
    await Deno.mkdir(join(noLabels, "smoke"), { recursive: true });
    await Deno.writeTextFile(
      join(noLabels, "smoke", "toy.json"),
      resultsFile((f) => {
        f.shard = null;
        delete (f.runs as Record<string, unknown>[])[0].labels;
      }),
    );
    const escape = join(sandbox, "escape");
    await Deno.mkdir(join(escape, "smoke"), { recursive: true });
    await Deno.writeTextFile(
      join(escape, "smoke", "toy.json"),
      resultsFile((f) => {
        f.shard = null;
        (f.suite as Record<string, unknown>).name = "../../somewhere";
      }),
    );
    const oops = join(sandbox, "toy.shard-1-of-2.json");
    await Deno.writeTextFile(
      oops,
      resultsFile((f) => {
        (f.runs as { output: { metrics: Record<string, unknown> } }[])[0].output.metrics.slope =
          "oops";
      }),
    );
    const goodShard = join(sandbox, "toy.shard-2-of-2.json");
    await Deno.writeTextFile(goodShard, resultsFile((f) => f.shard = { index: 2, count: 2 }));
    // a truncated copy of Fashion-MNIST and a folder that is not there
    const fm = await provideDataset("fashion-mnist", { log: () => {} });
    const truncated = join(sandbox, "fashion-mnist");
    await Deno.mkdir(truncated);
    for (const p of fm.paths) await Deno.copyFile(p, join(truncated, p.split("/").at(-1)!));
    const images = join(truncated, fm.paths[0].split("/").at(-1)!);
    await Deno.truncate(images, 100_000);
    const missing = join(sandbox, "no-such-dir");

    // valid places, never created: every row fails before anything is written
    const out = join(sandbox, "out");
    const cache = join(sandbox, "cache");
    const reproduce = ["reproduce", "toy", "--import", TOY, "--profile", "smoke"];
    const rows: { args: string[]; env?: Record<string, string>; error: RegExp }[] = [
      {
        args: ["reproduce", "lm", "--shard", "1/99999999999999999999"],
        error: /--shard must be i\/n/,
      },
      { args: ["reproduce", "lm", "--shard", "0/3"], error: /--shard must be i\/n/ },
      { args: ["reproduce", "lm", "--shard", "3/2"], error: /--shard must be i\/n/ },
      {
        args: ["reproduce", "lm", "--jobs", "100000"],
        error: /--jobs must be an integer in 1…\d+/,
      },
      { args: ["reproduce", "lm", "--jobs", "1.5"], error: /--jobs must be an integer/ },
      { args: ["reproduce", "lm", "--jobs", "-2"], error: /--jobs must be an integer/ },
      { args: [...reproduce, "--out", ro], error: /--out .* (is not writable|cannot be created)/ },
      {
        args: [...reproduce, "--out", join(ro, "results")],
        error: /--out .* (is not writable|cannot be created)/,
      },
      { args: [...reproduce, "--out", aFile], error: /--out .* is a file, not a directory/ },
      { args: [...reproduce, "--out", out, "--cache", aFile], error: /--cache .* is a file/ },
      { args: [...reproduce, "--out", out, "--cache", ro], error: /--cache .* is not writable/ },
      { args: ["merge", goodShard, "--out", ro], error: /--out .* (is not writable|cannot)/ },
      { args: ["merge", goodShard, oops, "--out", out], error: /metric slope is "oops"/ },
      { args: ["merge", missing, "--out", out], error: /shard file .* does not exist/ },
      { args: ["report", "--out", missing], error: /--out .* does not exist/ },
      { args: ["report", "--out", aFile], error: /--out .* is a file/ },
      {
        args: ["report", "--out", noLabels],
        error: /toy\.json: runs\[0\] \(ln\/seed0\) has no labels/,
      },
      {
        args: ["report", "--out", escape],
        error: /suite name "\.\.\/\.\.\/somewhere" is not a safe name/,
      },
      { args: ["bleu", "--width", "1000", ref, hyp], error: /--width must be an integer in 0…10/ },
      { args: ["bleu", sandbox, hyp], error: /reference .* is not a file/ },
      { args: ["bleu", ref, missing], error: /hypothesis .* does not exist/ },
      {
        args: ["bleu", "--smooth-method", "add-k", "--smooth-value", "-5", ref, hyp],
        error: /--smooth-value must be ≥ 0, got -5/,
      },
      {
        args: ["bleu", "--smooth-method", "floor", "--smooth-value", "-1", ref, hyp],
        error: /--smooth-value must be ≥ 0, got -1/,
      },
      {
        args: ["data", "fashion-mnist"],
        env: { NORMBENCH_FASHION_MNIST: truncated },
        error: /file train-images-idx3-ubyte\.gz is truncated/,
      },
      {
        args: ["data", "brown"],
        env: { NORMBENCH_BROWN: missing },
        error: /\$NORMBENCH_BROWN .* does not exist/,
      },
      {
        args: ["data", "brown"],
        env: { NORMBENCH_BROWN: aFile },
        error: /\$NORMBENCH_BROWN .* is a file, not a directory/,
      },
      { args: ["data", "--data-dir", missing], error: /--data-dir .* does not exist/ },
      {
        args: ["reproduce", "bert", "--profile", "smoke", "--out", out, "--cache", cache],
        env: { NORMBENCH_SENTIMENT: missing },
        error: /\$NORMBENCH_SENTIMENT .* does not exist/,
      },
      { args: ["merge"], error: /missing required argument 'files'/ },
      { args: ["reproduce", "lm", "--profile"], error: /argument missing/ },
      { args: ["bench", "train", "--warmup", "-1"], error: /--warmup must be an integer ≥ 0/ },
      { args: ["bench", "train", "--batch", "1e9"], error: /--batch must be a positive integer/ },
    ];
    const before = snapshot(sandbox);
    for (const row of rows) {
      const r = await runCliWith({ cwd: sandbox, env: row.env }, ...row.args);
      const label = `${row.args.join(" ")}${row.env ? ` (${JSON.stringify(row.env)})` : ""}`;
      assert.equal(r.code, 2, `${label}: exit ${r.code}\n${r.stderr}`);
      const lines = r.stderr.trim().split("\n");
      assert.equal(lines.length, 1, `${label}: ${r.stderr}`);
      assert.match(lines[0], /^normbench: .+ \(.+\)$/, `${label}: no fix named: ${lines[0]}`);
      assert.match(lines[0], row.error, label);
      assert.doesNotMatch(r.stderr, /preparing data/, `${label}: work started`);
      assert.deepEqual(snapshot(sandbox), before, `${label}: something was written`);
    }
  } finally {
    await Deno.chmod(join(sandbox, "read-only"), 0o755).catch(() => {});
    await Deno.remove(sandbox, { recursive: true });
  }
});

Deno.test("bench train takes --warmup 0 (no untimed updates is a legitimate choice)", async () => {
  const r = await runCliWith(
    {},
    "bench",
    "train",
    "--model",
    "vit",
    "--preset",
    "tiny",
    "--norm",
    "ln",
    "--warmup",
    "0",
    "--repeats",
    "2",
    "--json",
  );
  assert.equal(r.code, 0, r.stderr);
  const row = JSON.parse(r.stdout.trim().split("\n").at(-1)!);
  assert.equal(row.model, "vit");
  assert.ok(row.msPerStep > 0);
});
