// The CLI as users run it: a subprocess, its exit code and its one-line errors.
import assert from "node:assert/strict";
import { runCliProcess as cli } from "./helpers.ts";

const GOLDEN = new URL("./fixtures/golden/", import.meta.url).pathname;

function assertOneLineError(r: { code: number; stderr: string }, pattern: RegExp): void {
  assert.notEqual(r.code, 0);
  const lines = r.stderr.trim().split("\n");
  assert.equal(lines.length, 1, `expected one line, got:\n${r.stderr}`);
  assert.match(lines[0], pattern);
}

Deno.test("cli: unknown command, norm and backend are one-line errors with a non-zero exit", async () => {
  assertOneLineError(await cli("frobnicate"), /^normbench: unknown command 'frobnicate'/);
  assertOneLineError(
    await cli("norms", "layernorm"),
    /^normbench: unknown norm 'layernorm' \(use one of: ln, rms, crms, bn, pn, un, dyt, repbn, gn, evonorm-b0, evonorm-s0, bcn, none\)$/,
  );
  assertOneLineError(
    await cli("golden", `${GOLDEN}un_padded_tokens.json`, "--backend", "tpu"),
    /^normbench: unknown backend 'tpu' \(use one of: auto, webgpu, wasm, cpu\)$/,
  );
  assertOneLineError(
    await cli("golden", "--frames", "x.json"),
    /^normbench: unknown option '--frames'/,
  );
});

Deno.test("cli: malformed, truncated and missing golden files are one-line errors", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const text = await Deno.readTextFile(`${GOLDEN}un_padded_tokens.json`);
    await Deno.writeTextFile(`${dir}/cut.json`, text.slice(0, text.length / 2));
    assertOneLineError(
      await cli("golden", `${dir}/cut.json`),
      /golden file .*cut\.json: not valid JSON/,
    );
    const obj = JSON.parse(text);
    delete obj.steps[2].dy;
    await Deno.writeTextFile(`${dir}/nody.json`, JSON.stringify(obj));
    assertOneLineError(
      await cli("golden", `${dir}/nody.json`),
      /nody\.json: 'steps\[2\]\.dy' must be a list of finite numbers/,
    );
    assertOneLineError(await cli("golden", `${dir}/missing.json`), /cannot read golden file/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("cli: golden prints every field's errors and fails on a wrong expectation", async () => {
  const ok = await cli("golden", `${GOLDEN}un_outlier_filtration.json`, "--backend", "wasm");
  assert.equal(ok.code, 0, ok.stderr);
  assert.match(ok.stdout, /^PASS .*un_outlier_filtration\.json \(un, 14 steps, wasm/m);
  for (const f of ["y", "dx", "dweight", "dbias", "eval.y", "state.bufX2", "skip_count"]) {
    assert.match(
      ok.stdout,
      new RegExp(`ok +${f.replace(".", "\\.")} +n=\\d+ +max abs \\S+ +max rel \\S+`),
    );
  }
  assert.match(ok.stdout, /^1 passed, 0 failed$/m);
  const dir = await Deno.makeTempDir();
  try {
    const obj = JSON.parse(await Deno.readTextFile(`${GOLDEN}un_outlier_filtration.json`));
    obj.eval.y[0] += 0.5;
    await Deno.writeTextFile(`${dir}/wrong.json`, JSON.stringify(obj));
    const bad = await cli("golden", `${dir}/wrong.json`, "--backend", "cpu");
    assert.equal(bad.code, 1);
    assert.match(bad.stdout, /^FAIL .*wrong\.json/m);
    assert.match(bad.stdout, /FAIL eval\.y .*worst at eval\[0\]/);
    assert.match(bad.stdout, /^0 passed, 1 failed$/m);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("cli: norms lists the zoo and backend describes the backend", async () => {
  const norms = await cli("norms", "un", "--json");
  assert.equal(norms.code, 0);
  const [un] = JSON.parse(norms.stdout);
  assert.equal(un.name, "un");
  assert.equal(un.folds, "full");
  assert.equal(un.options.window.default, 4);
  const backend = await cli("backend", "--backend", "cpu");
  assert.equal(backend.code, 0, backend.stderr);
  const info = JSON.parse(backend.stdout);
  assert.equal(info.name, "cpu");
  assert.equal(info.tfjs, "4.22.0");
  assert.match(info.deno, /^\d+\.\d+\.\d+/);
});
