// `normbench bench infer`: one cell as JSON, and one-line usage errors (exit 2) for bad input.
import assert from "node:assert/strict";
import { runCliProcess as cli } from "./helpers.ts";

Deno.test("bench infer: bad input is a one-line usage error with exit code 2", async () => {
  const cases: [string[], RegExp][] = [
    [
      ["--variant", "un,layernorm"],
      /^normbench: unknown variant 'layernorm' \(use one of: ln, ln-fused,/,
    ],
    [
      ["--model", "lm"],
      /^normbench: bench infer runs vit, encoder and translator models, got 'lm'/,
    ],
    [
      ["--preset", "huge"],
      /^normbench: unknown preset 'huge' for model 'vit' \(use one of: tiny, small, t2t-vit-14\)$/,
    ],
    [
      ["--batch", "0"],
      /^normbench: --batch must be a positive integer, got '0' \(run the command with --help\)$/,
    ],
    [
      ["--batch", "2.5"],
      /^normbench: --batch must be a positive integer, got '2.5' \(run the command with --help\)$/,
    ],
    [
      ["--model", "encoder", "--seq", "65"],
      /^normbench: sequence length must be an integer in 1…64 for encoder\/small, got 65 \(run the command with --help\)$/,
    ],
    [
      ["--backend", "tpu"],
      /^normbench: unknown backend 'tpu' \(use one of: auto, webgpu, wasm, cpu\)$/,
    ],
    [
      ["--budget", "soon"],
      /^normbench: --budget must be a number, got 'soon' \(run the command with --help\)$/,
    ],
    [
      ["--seed", "-1"],
      /^normbench: --seed must be a non-negative integer, got '-1' \(run the command with --help\)$/,
    ],
    [["--frobnicate"], /^normbench: unknown option '--frobnicate'/],
  ];
  for (const [args, pattern] of cases) {
    const r = await cli("bench", "infer", ...args);
    assert.equal(r.code, 2, `${args.join(" ")}: exit ${r.code}\n${r.stderr}`);
    const lines = r.stderr.trim().split("\n");
    assert.equal(lines.length, 1, `${args.join(" ")}: expected one line, got:\n${r.stderr}`);
    assert.match(lines[0], pattern);
    assert.equal(r.stdout, "");
  }
});

Deno.test("bench infer: --json prints one cell with every variant asked for", async () => {
  const r = await cli(
    "bench",
    "infer",
    "--model",
    "encoder",
    "--preset",
    "tiny",
    "--batch",
    "2",
    "--seq",
    "6",
    "--variant",
    "un-folded,rms",
    "--backend",
    "wasm",
    "--warmup",
    "0",
    "--min-rounds",
    "2",
    "--max-rounds",
    "2",
    "--profile-runs",
    "1",
    "--json",
  );
  assert.equal(r.code, 0, r.stderr);
  const cell = JSON.parse(r.stdout);
  assert.equal(cell.backend, "wasm");
  assert.equal(cell.model, "encoder");
  assert.equal(cell.seq, 6);
  assert.equal(cell.rounds, 2);
  assert.deepEqual(
    cell.variants.map((v: { variant: string }) => v.variant),
    ["ln", "ln-fused", "rms", "un-folded", "none"],
  );
  for (const v of cell.variants) {
    assert.ok(v.ms > 0 && v.samplesPerSec > 0 && v.msIqr.length === 2, v.variant);
    if (v.variant !== "none") assert.ok(v.twinError <= 1e-4, v.variant);
  }
});
