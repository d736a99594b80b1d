// GPU results as results: runs on a hardware WebGPU adapter write under results/webgpu/<adapter>/,
// beside the CPU results and never over them; `report` rebuilds every adapter's folder and the
// index lists each adapter's profiles.
import assert from "node:assert/strict";
import { join } from "node:path";
import { adapterRoots, adapterSlug, resultsRoot } from "../src/results/layout.ts";
import { runCliWith } from "./helpers.ts";

Deno.test("adapterSlug: a file-name-safe folder name for an adapter", () => {
  assert.equal(adapterSlug("NVIDIA H100 80GB HBM3"), "nvidia-h100-80gb-hbm3");
  assert.equal(adapterSlug("  ../../etc  "), "etc");
  assert.equal(adapterSlug("***"), "unknown-adapter");
  assert.ok(adapterSlug("x".repeat(100)).length <= 60);
});

Deno.test("resultsRoot: only a hardware adapter that the runs use gets its own folder", () => {
  const h100 = { description: "NVIDIA H100", fallback: false };
  const llvmpipe = { description: "llvmpipe (LLVM 15.0.6, 256 bits)", fallback: true };
  assert.equal(
    resultsRoot("results", { adapter: h100, usesWebGpu: true }),
    "results/webgpu/nvidia-h100",
  );
  assert.equal(resultsRoot("results", { adapter: h100, usesWebGpu: false }), "results");
  assert.equal(resultsRoot("results", { adapter: llvmpipe, usesWebGpu: true }), "results");
  assert.equal(resultsRoot("results", { adapter: null, usesWebGpu: true }), "results");
});

Deno.test("report: rebuilds each adapter's folder and the index lists it beside the CPU profiles", async () => {
  const root = await Deno.makeTempDir();
  try {
    const source = new URL("../results/quick/microbatch.json", import.meta.url).pathname;
    const text = await Deno.readTextFile(source);
    const gpu = join(root, "webgpu", "nvidia-h100", "quick");
    await Deno.mkdir(gpu, { recursive: true });
    await Deno.mkdir(join(root, "quick"));
    await Deno.writeTextFile(join(gpu, "microbatch.json"), text);
    await Deno.writeTextFile(join(root, "quick", "microbatch.json"), text);
    // a folder that is not an adapter slug is not read
    await Deno.mkdir(join(root, "webgpu", "Not A Slug"));
    assert.deepEqual((await adapterRoots(root)).map((a) => a.slug), ["nvidia-h100"]);
    const r = await runCliWith({}, "report", "--out", root);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /and of 1 WebGPU adapter/);
    for (const dir of [join(root, "quick"), gpu]) {
      assert.ok((await Deno.stat(join(dir, "microbatch.md"))).isFile, dir);
      assert.match(await Deno.readTextFile(join(dir, "README.md")), /microbatch/);
    }
    const index = await Deno.readTextFile(join(root, "README.md"));
    assert.match(index, /\[quick\]\(quick\/README\.md\)/);
    assert.match(index, /## Measured on hardware WebGPU adapters/);
    assert.match(index, /\[nvidia-h100\]\(webgpu\/nvidia-h100\/README\.md\) — \[quick\]/);
    const adapterIndex = await Deno.readTextFile(join(root, "webgpu", "nvidia-h100", "README.md"));
    assert.match(adapterIndex, /\[quick\]\(quick\/README\.md\)/);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("bench train --save: the rows, their ratio to LN and the provenance, under the CPU root", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const args = ["bench", "train", "--model", "vit", "--preset", "tiny", "--norm", "ln,un"];
    const r = await runCliWith({}, ...args, "--warmup", "0", "--repeats", "2", "--save", dir);
    assert.equal(r.code, 0, r.stderr);
    const files = [...Deno.readDirSync(join(dir, "bench"))].map((e) => e.name);
    assert.equal(files.length, 1);
    assert.match(files[0], /^train-\d{8}T\d{6}\.json$/);
    const saved = JSON.parse(await Deno.readTextFile(join(dir, "bench", files[0])));
    assert.equal(saved.format, "normbench-bench-train/1");
    assert.equal(typeof saved.provenance.gitCommit, "string");
    assert.deepEqual(saved.rows.map((x: { norm: string }) => x.norm), ["ln", "un"]);
    assert.equal(saved.rows[0].vsLn, 1);
    const [ln, un] = saved.rows;
    assert.ok(Math.abs(un.vsLn - un.msPerStep / ln.msPerStep) < 1e-9, `${un.vsLn}`);
    assert.ok(ln.kernelsPerUpdate > 0 && un.kernelsPerUpdate > 0);
    // a --save that is a file is refused before anything is measured
    const bad = await runCliWith({}, ...args, "--save", join(dir, "bench", files[0]));
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /^normbench: --save .* is a file, not a directory/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
