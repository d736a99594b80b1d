// The architecture stays one-way: every import in src/ goes to a lower layer (or within its own
// folder), and no module imports itself back through others.
//
//   util, tf ← backend ← results, norms ← nn ← models, data, metrics ← train, inference
//     ← experiments, bench ← suite ← runner, report ← reproduce ← cli
//
// Models know no corpus (models ↛ data), the report reads only the results schema
// (report ↛ runner, suite), and benchmarks sit beside the experiments.
import assert from "node:assert/strict";
import { dirname, join, relative } from "node:path";

const SRC = new URL("../src/", import.meta.url).pathname;

/** Layer rank of each folder of src/ (and of its top-level files). */
const RANK: Record<string, number> = {
  "tf.ts": 0,
  util: 0,
  backend: 1,
  results: 2,
  norms: 2,
  nn: 3,
  models: 4,
  data: 4,
  metrics: 4,
  train: 5,
  inference: 5,
  experiments: 6,
  bench: 6,
  suite: 7,
  runner: 8,
  report: 8,
  "reproduce.ts": 9,
  cli: 10,
};

function layerOf(file: string): string {
  return relative(SRC, file).split("/")[0];
}

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const e of Deno.readDirSync(dir)) {
    const p = join(dir, e.name);
    if (e.isDirectory) out.push(...sourceFiles(p));
    else if (e.name.endsWith(".ts")) out.push(p);
  }
  return out;
}

/** The local modules a file imports (static, re-exports, type-only and literal dynamic). */
function importsOf(file: string): string[] {
  const text = Deno.readTextFileSync(file);
  const out: string[] = [];
  const re =
    /(?:^|\n)\s*(?:import|export)\b[^;]*?\bfrom\s*"(\.[^"]+)"|import\s*\(\s*"(\.[^"]+)"\s*\)|(?:^|\n)\s*import\s*"(\.[^"]+)"/g;
  for (const m of text.matchAll(re)) out.push(join(dirname(file), m[1] ?? m[2] ?? m[3]));
  return out;
}

Deno.test("layers: every import in src/ goes down a layer or stays in its folder", () => {
  const files = sourceFiles(SRC);
  const violations: string[] = [];
  for (const file of files) {
    const from = layerOf(file);
    assert.ok(from in RANK, `${relative(SRC, file)}: folder '${from}' has no layer`);
    for (const target of importsOf(file)) {
      if (!target.startsWith(SRC)) continue;
      const to = layerOf(target);
      assert.ok(to in RANK, `${relative(SRC, target)}: folder '${to}' has no layer`);
      if (to === from) continue;
      if (!(RANK[to] < RANK[from])) {
        violations.push(`${relative(SRC, file)} → ${relative(SRC, target)}`);
      }
    }
  }
  assert.deepEqual(violations, [], `back-edges or sideways imports:\n${violations.join("\n")}`);
});

/** Folders a layer may import beyond the rank rule's limits: the report reads the results only. */
const ONLY: Record<string, string[]> = {
  report: ["report", "results", "metrics", "util", "tf.ts"],
};

Deno.test("layers: the report reads only the results schema (and statistics)", () => {
  const bad: string[] = [];
  for (const file of sourceFiles(SRC)) {
    const allowed = ONLY[layerOf(file)];
    if (!allowed) continue;
    for (const target of importsOf(file)) {
      if (target.startsWith(SRC) && !allowed.includes(layerOf(target))) {
        bad.push(`${relative(SRC, file)} → ${relative(SRC, target)}`);
      }
    }
  }
  assert.deepEqual(bad, []);
});

Deno.test("layers: no module imports itself back (no cycle among src/ modules)", () => {
  const files = sourceFiles(SRC);
  const graph = new Map(files.map((f) => [f, importsOf(f).filter((t) => t.startsWith(SRC))]));
  const state = new Map<string, "open" | "done">();
  const cycles: string[] = [];
  const visit = (f: string, path: string[]) => {
    if (state.get(f) === "done") return;
    if (state.get(f) === "open") {
      cycles.push([...path.slice(path.indexOf(f)), f].map((p) => relative(SRC, p)).join(" → "));
      return;
    }
    state.set(f, "open");
    for (const t of graph.get(f) ?? []) visit(t, [...path, f]);
    state.set(f, "done");
  };
  for (const f of files) visit(f, []);
  assert.deepEqual(cycles, [], `cycles:\n${cycles.join("\n")}`);
});

Deno.test("layers: the checker sees a planted back-edge and a planted cycle", () => {
  // the rules above are not vacuous: a models → data import is a violation by rank
  assert.ok(!(RANK.data < RANK.models) && RANK.models !== undefined);
  assert.deepEqual(
    importsOf(new URL("./layers_test.ts", import.meta.url).pathname).filter((p) =>
      p.startsWith(SRC)
    ),
    [],
  );
  const planted = `${SRC}models/planted.ts`;
  const text = 'import { x } from "../data/mod.ts";\nexport { y } from "./presets.ts";\n';
  const re = /(?:^|\n)\s*(?:import|export)\b[^;]*?\bfrom\s*"(\.[^"]+)"/g;
  const targets = [...text.matchAll(re)].map((m) => join(dirname(planted), m[1]));
  assert.deepEqual(targets.map(layerOf), ["data", "models"]);
});
