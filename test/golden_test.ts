import assert from "node:assert/strict";
import { initBackend } from "../src/backend/backend.ts";
import {
  type GoldenFile,
  parseGolden,
  readGolden,
  replayGolden,
  type TokenGoldenFile,
} from "../src/norms/golden.ts";
import type { ImageGoldenFile } from "../src/norms/golden_seeds.ts";
import { UsageError } from "../src/util/errors.ts";
import { hasWebGpu, REQUIRE_WEBGPU } from "./helpers.ts";

const dir = new URL("./fixtures/golden/", import.meta.url);
const files = [...Deno.readDirSync(dir)].map((e) => e.name).filter((n) => n.endsWith(".json"))
  .sort();
const seeds = new URL("./fixtures/golden/seeds/", import.meta.url);
const seedFiles = [...Deno.readDirSync(seeds)].map((e) => e.name)
  .filter((n) => n.endsWith(".json")).sort();
const gpu = await hasWebGpu();

/** Every kind of field each seed format records, which a replay must compare. */
const SEED_FIELDS: Record<string, string[]> = {
  "evonorm-b0": ["y", "dx", "dweight", "dbias", "dv", "eval.y", "state.running_var"],
  "evonorm-s0": ["y", "dx", "dweight", "dbias", "dv", "eval.y"],
  bcn: [
    "y",
    "dx",
    "dweight",
    "dbias",
    "dbn.weight",
    "dbn.bias",
    "eval.y",
    "state.bn.running_mean",
    "state.bn.running_var",
  ],
  ws: ["standardized_kernel", "y", "dkernel"],
};

async function readToken(name: string): Promise<TokenGoldenFile> {
  return await readGolden(new URL(name, dir).pathname) as TokenGoldenFile;
}

Deno.test("the public golden fixtures are all present", () => {
  assert.deepEqual(files, [
    "pn_warmup_groups2.json",
    "un_compensation_after_1000.json",
    "un_outlier_filtration.json",
    "un_padded_tokens.json",
    "un_warmup_window4.json",
  ]);
  assert.deepEqual(seedFiles, ["bcn.json", "evonorm_b0.json", "evonorm_s0.json", "ws.json"]);
});

for (const backend of ["wasm", "cpu", "webgpu"] as const) {
  Deno.test({
    name: `golden: every fixture replays within tolerance on ${backend}`,
    ignore: backend === "webgpu" && !gpu && !REQUIRE_WEBGPU,
    fn: async () => {
      await initBackend(backend);
      for (const name of files) {
        const report = await replayGolden(await readGolden(new URL(name, dir).pathname));
        const bad = report.fields.filter((f) => !f.ok).map((f) => `${f.field} at ${f.at}`);
        assert.ok(report.ok, `${name} on ${backend}: ${bad.join(", ")}`);
        // every recorded kind of field was compared
        const fields = report.fields.map((f) => f.field);
        for (const f of ["y", "dx", "dweight", "dbias", "eval.y", "state.iters"]) {
          assert.ok(fields.includes(f), `${name}: ${f} not compared`);
        }
      }
      for (const name of seedFiles) {
        const golden: GoldenFile = await readGolden(new URL(name, seeds).pathname);
        const report = await replayGolden(golden);
        const bad = report.fields.filter((f) => !f.ok).map((f) => `${f.field} at ${f.at}`);
        assert.ok(report.ok, `seeds/${name} on ${backend}: ${bad.join(", ")}`);
        assert.deepEqual(report.fields.map((f) => f.field).sort(), SEED_FIELDS[golden.norm].sort());
      }
    },
  });
}

Deno.test("golden seeds: a replay detects a perturbed gradient, buffer or kernel", async () => {
  await initBackend("wasm");
  const bcn = await readGolden(new URL("bcn.json", seeds).pathname) as ImageGoldenFile;
  bcn.steps[2].grads!["bn.weight"][3] *= 1.01;
  bcn.final_state["bn.running_var"][0] += 1e-3;
  const report = await replayGolden(bcn);
  assert.deepEqual(
    report.fields.filter((f) => !f.ok).map((f) => f.field).sort(),
    ["dbn.weight", "state.bn.running_var"],
  );
  assert.match(report.fields.find((f) => f.field === "dbn.weight")!.at, /^step 3\[3\]$/);
  // the groups matter: one group per channel is another layer
  const regrouped = await replayGolden({ ...bcn, options: { ...bcn.options, groups: 8 } });
  assert.ok(regrouped.fields.some((f) => f.field === "y" && !f.ok));
});

Deno.test("golden seeds: malformed seed files are rejected with the field named", () => {
  const ws = JSON.parse(Deno.readTextFileSync(new URL("ws.json", seeds)));
  assert.throws(
    () => parseGolden(JSON.stringify({ ...ws, options: { eps: 1e-5, variance: "biased" } })),
    /'options\.variance' must be "unbiased"/,
  );
  assert.throws(
    () => parseGolden(JSON.stringify({ ...ws, kernel: ws.kernel.slice(1) }), "ws.json"),
    /golden file ws\.json: 'kernel' has 107 numbers, expected 108/,
  );
  const b0 = JSON.parse(Deno.readTextFileSync(new URL("evonorm_b0.json", seeds)));
  assert.throws(
    () => parseGolden(JSON.stringify({ ...b0, final_state: { running_mean: [0] } })),
    /unknown parameter or buffer 'running_mean' in final_state/,
  );
  assert.throws(() => parseGolden(JSON.stringify({ ...b0, layout: "NCHW" })), /'layout' must be/);
});

Deno.test("golden: a replay detects a perturbed expectation and names the field", async () => {
  await initBackend("wasm");
  const golden = await readToken("un_outlier_filtration.json");
  golden.steps[9].dx![5] += 1e-3;
  golden.final_state.running_var[2] *= 1.001;
  golden.skip_count = (golden.skip_count ?? 0) + 1;
  const report = await replayGolden(golden);
  assert.equal(report.ok, false);
  const failed = report.fields.filter((f) => !f.ok).map((f) => f.field).sort();
  assert.deepEqual(failed, ["dx", "skip_count", "state.runningVar"]);
  assert.match(report.fields.find((f) => f.field === "dx")!.at, /^step 10\[5\]$/);
});

Deno.test("golden: the outlier case really skips and the compensation case really compensates", async () => {
  await initBackend("wasm");
  const outlier = await readToken("un_outlier_filtration.json");
  assert.ok((outlier.skip_count ?? 0) > 0);
  // Replaying without outlier filtration must fail: the fixture exercises the skip path.
  const off = await replayGolden({
    ...outlier,
    options: { ...outlier.options, outlierFiltration: false },
  });
  assert.equal(off.ok, false);
  const comp = await readToken("un_compensation_after_1000.json");
  // With compensation starting late, steps after 1000 no longer match.
  const late = await replayGolden({
    ...comp,
    options: { ...comp.options, compensationStart: 5000 },
  });
  assert.equal(late.ok, false);
  assert.ok(late.fields.some((f) => f.field === "dx" && !f.ok));
});

Deno.test("golden: malformed and truncated files are rejected with the field named", async () => {
  const text = await Deno.readTextFile(new URL("un_padded_tokens.json", dir));
  assert.throws(() => parseGolden(text.slice(0, 2000), "cut.json"), (err: unknown) => {
    assert.ok(err instanceof UsageError);
    assert.match(err.message, /^golden file cut\.json: not valid JSON/);
    return true;
  });
  const obj = JSON.parse(text);
  obj.steps[3].x = obj.steps[3].x.slice(1);
  assert.throws(
    () => parseGolden(JSON.stringify(obj), "short.json"),
    /steps\[3\]\.x' has 31 numbers, expected 32/,
  );
  const noNorm = { ...JSON.parse(text), norm: "ln" };
  assert.throws(
    () => parseGolden(JSON.stringify(noNorm)),
    /'norm' must be one of: un, pn, evonorm-b0, evonorm-s0, bcn, ws/,
  );
  const badOption = { ...JSON.parse(text), options: { window: 0 } };
  await initBackend("cpu");
  await assert.rejects(
    () => replayGolden(parseGolden(JSON.stringify(badOption))),
    /option 'window' of norm 'un' must be an integer >= 1/,
  );
});
