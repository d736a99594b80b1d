// The runner through the CLI, on a toy suite whose runs are real (tiny) tfjs trainings: results
// files, resume after kill -9, sharding + merge, and bad input that writes nothing.
import assert from "node:assert/strict";
import { parseResultFile, type SuiteResultFile } from "../src/results/result_file.ts";
import { claimOutcomes } from "../src/report/markdown.ts";

const MAIN = new URL("../src/cli/main.ts", import.meta.url).pathname;
const TOY = new URL("./fixtures/toy_suite.ts", import.meta.url).pathname;
const TYPO = new URL("./fixtures/typo_suite.ts", import.meta.url).pathname;

function command(args: string[], env: Record<string, string> = {}): Deno.Command {
  return new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", MAIN, ...args],
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1", ...env },
  });
}

async function cli(args: string[], env: Record<string, string> = {}) {
  const out = await command(args, env).output();
  const dec = new TextDecoder();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}

async function readResults(path: string): Promise<SuiteResultFile> {
  return parseResultFile(await Deno.readTextFile(path), path);
}

/** The data of a results file without what legitimately differs between runs of it. */
function essence(file: SuiteResultFile) {
  return {
    suite: file.suite,
    profile: file.profile,
    expected: file.expected,
    checks: file.checks,
    runs: [...file.runs, ...file.tuning].map(({ id, labels, input, hash, output, choice }) => ({
      id,
      labels,
      input,
      hash,
      output,
      choice,
    })),
    verdicts: claimOutcomes(file).map((o) => [o.spec.id, o.verdict, o.estimate]),
  };
}

Deno.test("runner: a suite end to end writes JSON with provenance, Markdown, plots and the overview", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const r = await cli([
      "reproduce",
      "toy",
      "--import",
      TOY,
      "--profile",
      "smoke",
      "--backend",
      "cpu",
      "--out",
      `${dir}/results`,
      "--cache",
      `${dir}/cache`,
      "--quiet",
    ]);
    assert.equal(r.code, 0, r.stderr);
    // each profile has its own folder; the root holds only the index of profiles
    assert.deepEqual(
      [...Deno.readDirSync(`${dir}/results`)].map((e) => e.name)
        .filter((n) => n !== ".normbench.lock").sort(),
      ["README.md", "smoke"],
    );
    assert.match(
      await Deno.readTextFile(`${dir}/results/README.md`),
      /\[smoke\]\(smoke\/README\.md\)/,
    );
    const names = [...Deno.readDirSync(`${dir}/results/smoke`)].map((e) => e.name).sort();
    assert.deepEqual(names, [
      "README.md",
      "toy.collapse.svg",
      "toy.json",
      "toy.loss.svg",
      "toy.md",
      "toy.slope.svg",
    ]);
    const file = await readResults(`${dir}/results/smoke/toy.json`);
    assert.equal(file.runs.length, 6);
    const p = file.provenance;
    assert.match(p.gitCommit ?? "", /^[0-9a-f]{40}$/);
    assert.equal(p.backend?.name, "cpu");
    assert.equal(p.tfjs, "4.22.0");
    assert.ok(p.deno && p.codeVersion && p.backend?.cpu);
    for (const run of file.runs) {
      assert.ok(run.wallMs >= 0 && run.backend.name === "cpu" && run.hash.length === 64);
    }
    // a diverged run is a result: recorded with why and when
    const bn = file.runs.filter((x) => x.labels.norm === "bn");
    assert.ok(bn.every((x) => x.output.collapse?.reason === "non-finite loss"));
    const md = await Deno.readTextFile(`${dir}/results/smoke/toy.md`);
    assert.match(md, /\| UN matches LN \| toy \| slope 3 both \| .* \| \*\*reproduced\*\* \|/);
    assert.match(md, /`bn\/seed0`: non-finite loss at step \d+/);
    // the results table says how many runs of a group collapsed, and how
    assert.match(md, /\| bn \| \d+ \| (\d+) \(\1 non-finite loss\) \|/);
    const overview = await Deno.readTextFile(`${dir}/results/smoke/README.md`);
    assert.match(overview, /\| \[toy\]\(toy\.md\) \| BN collapses more often than LN \|/);
    for (const svg of names.filter((n) => n.endsWith(".svg"))) {
      assert.match(await Deno.readTextFile(`${dir}/results/smoke/${svg}`), /^<svg/);
    }
    // `report` rebuilds the same Markdown from the JSON alone
    await Deno.remove(`${dir}/results/smoke/toy.md`);
    await Deno.remove(`${dir}/results/smoke/toy.loss.svg`);
    const rebuilt = await cli(["report", "--out", `${dir}/results`]);
    assert.equal(rebuilt.code, 0, rebuilt.stderr);
    assert.equal(await Deno.readTextFile(`${dir}/results/smoke/toy.md`), md);
    assert.match(await Deno.readTextFile(`${dir}/results/smoke/toy.loss.svg`), /^<svg/);
    // an uninterrupted run records its elapsed time, shown in the overview's wall-time table
    assert.ok(typeof file.elapsedMs === "number" && file.elapsedMs > 0);
    assert.match(overview, /\| toy \| smoke \| 6 \| \d+\.\d \|/);
    // `report --readme` writes the claims table between a README's markers and nothing else
    await Deno.mkdir(`${dir}/docs`);
    const readme = `${dir}/docs/README.md`;
    await Deno.writeTextFile(
      readme,
      "# mine\n\n<!-- results:begin -->\nold\n<!-- results:end -->\n\nkept\n",
    );
    // the headline profile (standard) was not run here: the table is refused, untouched
    const absent = await cli(["report", "--out", `${dir}/results`, "--readme", readme]);
    assert.equal(absent.code, 2);
    assert.match(absent.stderr, /results\/standard\/ holds no results/);
    assert.ok((await Deno.readTextFile(readme)).includes("old"));
    const spliced = await cli([
      "report",
      "--out",
      `${dir}/results`,
      "--readme",
      readme,
      "--profile",
      "smoke",
    ]);
    assert.equal(spliced.code, 0, spliced.stderr);
    const text = await Deno.readTextFile(readme);
    assert.ok(
      text.startsWith("# mine\n\n<!-- results:begin -->\n") &&
        text.endsWith("<!-- results:end -->\n\nkept\n"),
    );
    assert.ok(!text.includes("old"));
    assert.match(
      text,
      /\| \[toy\]\(\.\.\/results\/smoke\/toy\.md\) \| BN collapses more often than LN \|/,
    );
    // a file without the markers is refused, untouched
    await Deno.writeTextFile(readme, "# no markers\n");
    const refused = await cli([
      "report",
      "--out",
      `${dir}/results`,
      "--readme",
      readme,
      "--profile",
      "smoke",
    ]);
    assert.equal(refused.code, 2);
    assert.match(refused.stderr, /markers/);
    assert.equal(await Deno.readTextFile(readme), "# no markers\n");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("runner: kill -9 mid-run, then a rerun redoes no finished run and leaves only valid JSON", async () => {
  const dir = await Deno.makeTempDir();
  const args = [
    "reproduce",
    "toy",
    "--import",
    TOY,
    "--profile",
    "smoke",
    "--backend",
    "cpu",
    "--jobs",
    "1",
    "--out",
    `${dir}/results`,
    "--cache",
    `${dir}/cache`,
    "--quiet",
  ];
  try {
    // each run sleeps 40 ms a step (~1.2 s a run): kill after two runs have finished
    const child = command(args, { TOY_SLEEP_MS: "40" }).spawn();
    const cacheDir = `${dir}/cache/toy`;
    const finished = () => {
      try {
        return [...Deno.readDirSync(cacheDir)].filter((e) => e.name.endsWith(".json")).length;
      } catch {
        return 0;
      }
    };
    const deadline = Date.now() + 60_000;
    while (finished() < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    child.kill("SIGKILL");
    const status = await child.status;
    assert.equal(status.success, false);
    const before = new Map<string, string>();
    for (const e of Deno.readDirSync(cacheDir)) {
      if (!e.name.endsWith(".json")) continue;
      const text = await Deno.readTextFile(`${cacheDir}/${e.name}`);
      const record = JSON.parse(text); // every cached file parses
      before.set(record.id, record.finishedAt);
    }
    assert.ok(before.size >= 2 && before.size < 6, `${before.size} runs finished before the kill`);
    // nothing was written to results/ by the killed process
    assert.throws(() => Deno.statSync(`${dir}/results/smoke/toy.json`));
    const rerun = await cli(args, { TOY_SLEEP_MS: "40" });
    assert.equal(rerun.code, 0, rerun.stderr);
    assert.match(rerun.stderr, new RegExp(`toy: 6 runs \\(${before.size} cached\\)`));
    const file = await readResults(`${dir}/results/smoke/toy.json`);
    for (const run of file.runs) {
      if (before.has(run.id)) {
        assert.equal(run.finishedAt, before.get(run.id), `${run.id} was redone`);
      }
    }
    for (const e of Deno.readDirSync(`${dir}/results/smoke`)) {
      if (e.name.endsWith(".json")) {
        JSON.parse(await Deno.readTextFile(`${dir}/results/smoke/${e.name}`));
      }
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("runner: --shard 1/2 + --shard 2/2 + merge equals the unsharded results", async () => {
  const dir = await Deno.makeTempDir();
  const common = ["toy", "--import", TOY, "--profile", "quick", "--backend", "cpu", "--quiet"];
  try {
    const whole = await cli([
      "reproduce",
      ...common,
      "--out",
      `${dir}/whole`,
      "--cache",
      `${dir}/c1`,
    ]);
    assert.equal(whole.code, 0, whole.stderr);
    for (const shard of ["1/2", "2/2"]) {
      const r = await cli([
        "reproduce",
        ...common,
        "--shard",
        shard,
        "--out",
        `${dir}/sharded`,
        "--cache",
        `${dir}/c2`,
      ]);
      assert.equal(r.code, 0, r.stderr);
    }
    const shards = [...Deno.readDirSync(`${dir}/sharded/quick`)].map((e) => e.name).sort()
      .map((name) => `quick/${name}`);
    assert.deepEqual(shards, ["quick/toy.shard-1-of-2.json", "quick/toy.shard-2-of-2.json"]);
    const s1 = await readResults(`${dir}/sharded/${shards[0]}`);
    const s2 = await readResults(`${dir}/sharded/${shards[1]}`);
    // 9 measured runs and 2 tuning runs; a tuning run and the runs it decides share a shard
    assert.equal(s1.runs.length + s2.runs.length, 9);
    assert.equal(s1.tuning.length + s2.tuning.length, 2);
    for (const s of [s1, s2]) {
      const tuned = s.runs.filter((r) => r.choice).length;
      assert.ok(tuned === 0 || (tuned === 3 && s.tuning.length === 2), "tuning group split");
    }
    assert.ok(s1.runs.length >= 3 && s2.runs.length >= 3, "shards are balanced");
    // merging one shard alone is refused: the grid is not covered
    const partial = await cli([
      "merge",
      `${dir}/sharded/${shards[0]}`,
      "--out",
      `${dir}/partial`,
      "--import",
      TOY,
    ]);
    assert.equal(partial.code, 2);
    assert.match(partial.stderr, /do not cover the grid: \d run\(s\) missing/);
    const merged = await cli([
      "merge",
      ...shards.map((s) => `${dir}/sharded/${s}`),
      "--out",
      `${dir}/merged`,
      "--import",
      TOY,
    ]);
    assert.equal(merged.code, 0, merged.stderr);
    const a = await readResults(`${dir}/whole/quick/toy.json`);
    const b = await readResults(`${dir}/merged/quick/toy.json`);
    assert.deepEqual(essence(b), essence(a));
    // the learning rate of LN was chosen on validation by the tuning runs, and recorded
    const ln = a.runs.filter((r) => r.labels.norm === "ln");
    assert.ok(ln.every((r) => r.choice?.chosen === ln[0].choice?.chosen && r.choice));
    assert.equal(a.tuning.length, 2);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("runner: unknown suite or profile and bad flags are one-line errors that write nothing", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const cases: [string[], RegExp][] = [
      [
        ["reproduce", "nosuch"],
        /^normbench: unknown suite 'nosuch' \((use one of|no suite is registered)/,
      ],
      [
        ["reproduce", "toy", "--import", TOY, "--profile", "fast"],
        /^normbench: unknown profile 'fast' \(use one of: smoke, quick, standard\)$/,
      ],
      [
        ["reproduce", "toy", "--import", TOY, "--jobs", "0"],
        /^normbench: --jobs must be an integer in 1…\d+, got 0 \(/,
      ],
      [
        ["reproduce", "toy", "--import", TOY, "--shard", "3/2"],
        /^normbench: --shard must be i\/n with 1 ≤ i ≤ n ≤ 10000, got '3\/2'/,
      ],
      [
        ["reproduce", "toy", "--import", TOY, "--backend", "gpu"],
        /^normbench: unknown backend 'gpu'/,
      ],
      [
        ["reproduce", "--import", "./no/such/module.ts"],
        /^normbench: cannot import \.\/no\/such\/module\.ts/,
      ],
      [["reproduce", "--profiles", "quick"], /^normbench: unknown option '--profiles'/],
      [
        ["reproduce", "typo", "--import", TYPO],
        /^normbench: unknown norm 'lnn' in run 'lnn\/seed0' of suite 'typo' \(profile smoke\) \(use one of: ln, rms, /,
      ],
      [
        ["merge", "--out", `${dir}/out`, `${dir}/nothing.json`],
        /^normbench: shard file .*nothing\.json does not exist/,
      ],
    ];
    for (const [args, pattern] of cases) {
      const extra = args[0] === "reproduce"
        ? ["--out", `${dir}/out`, "--cache", `${dir}/cache`]
        : [];
      const r = await cli([...args, ...extra]);
      assert.equal(r.code, 2, `${args.join(" ")}: ${r.stderr}`);
      const lines = r.stderr.trim().split("\n");
      assert.equal(lines.length, 1, r.stderr);
      assert.match(lines[0], pattern);
    }
    assert.deepEqual([...Deno.readDirSync(dir)], [], "nothing was written");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
