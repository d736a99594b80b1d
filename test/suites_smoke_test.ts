// Every built-in suite end to end on real data (smoke profile): results JSON with provenance,
// Markdown, plots, and an overview row with a verdict for every claim.
import assert from "node:assert/strict";
import "../suites/mod.ts";
import { listSuites } from "../src/suite/registry.ts";
import { parseResultFile } from "../src/results/result_file.ts";

const MAIN = new URL("../src/cli/main.ts", import.meta.url).pathname;

Deno.test("suites: the smoke profile of every suite runs end to end and writes every file", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const out = await new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "-A",
        MAIN,
        "reproduce",
        "--profile",
        "smoke",
        "--jobs",
        "2",
        "--quiet",
        "--out",
        `${dir}/results`,
        "--cache",
        `${dir}/cache`,
      ],
      stdout: "piped",
      stderr: "piped",
    }).output();
    const stderr = new TextDecoder().decode(out.stderr);
    assert.equal(out.code, 0, stderr);
    const suites = listSuites().filter((s) => !s.skip?.smoke);
    assert.ok(suites.length >= 7);
    const overview = await Deno.readTextFile(`${dir}/results/smoke/README.md`);
    for (const suite of suites) {
      const path = `${dir}/results/smoke/${suite.name}.json`;
      const file = parseResultFile(await Deno.readTextFile(path), path);
      assert.equal(file.profile, "smoke");
      assert.deepEqual(
        [...file.runs, ...file.tuning].map((r) => r.id).sort(),
        suite.runs("smoke").map((r) => r.id).sort(),
      );
      assert.match(file.provenance.gitCommit ?? "", /^[0-9a-f]{40}$/);
      assert.ok(file.provenance.backend?.name && file.provenance.tfjs && file.provenance.deno);
      for (const run of file.runs) {
        assert.ok(run.backend.cpu && run.hash.length === 64, `${suite.name}/${run.id} provenance`);
        assert.ok(
          run.output.collapse ||
            Object.values(run.output.metrics).some((v) => typeof v === "number"),
          `${suite.name}/${run.id} has neither metrics nor a collapse record`,
        );
      }
      const md = await Deno.readTextFile(`${dir}/results/smoke/${suite.name}.md`);
      assert.match(md, new RegExp(`^# ${suite.title.replace(/[()]/g, "\\$&")}`));
      for (const plot of suite.plots) {
        const svg = `${dir}/results/smoke/${suite.name}.${plot.id}.svg`;
        assert.match(await Deno.readTextFile(svg), /^<svg/, svg);
      }
      for (const claim of suite.claims) {
        const row = overview.split("\n").find((l) => l.includes(`| ${claim.claim}`));
        assert.ok(row, `overview has no row for ${claim.id}`);
        assert.match(row!, /\*\*(reproduced|not reproduced|inconclusive|underpowered)\*\*/);
      }
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
