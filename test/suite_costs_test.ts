// Suites state each run's cost in seconds: `reproduce` orders every suite's runs together by it
// and shows one ETA, so a suite whose unit drifts (steps, samples) would jump the queue.
import assert from "node:assert/strict";
import "../suites/mod.ts";
import { listSuites } from "../src/suite/registry.ts";
import { parseResultFile } from "../src/results/result_file.ts";

Deno.test("suites: run costs are seconds, within 2× of the committed quick runs' times", async () => {
  let checked = 0;
  for (const suite of listSuites()) {
    const path = new URL(`../results/quick/${suite.name}.json`, import.meta.url);
    const file = parseResultFile(await Deno.readTextFile(path), path.pathname);
    const wall = new Map([...file.runs, ...file.tuning].map((r) => [r.id, r.wallMs / 1000]));
    let cost = 0;
    let seconds = 0;
    for (const spec of suite.runs("quick")) {
      const w = wall.get(spec.id);
      if (w === undefined) continue;
      cost += spec.cost;
      seconds += w;
    }
    assert.ok(cost > 0, `${suite.name}: no quick run of the grid is in ${path.pathname}`);
    const ratio = seconds / cost;
    assert.ok(ratio > 0.5 && ratio < 2, `${suite.name}: measured/cost = ${ratio.toFixed(3)}`);
    checked++;
  }
  assert.ok(checked >= 10, `${checked} suites checked`);
});
