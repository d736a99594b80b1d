// The verdict rules on hand-made runs: each kind decides as its stated rule says.
import assert from "node:assert/strict";
import { evaluateClaim } from "../src/report/verdict.ts";
import type { ClaimSpec, ClaimTest, RunRecord } from "../src/suite/types.ts";

function runs(norm: string, values: (number | null)[], collapsed: boolean[] = []): RunRecord[] {
  return values.map((v, i) => ({
    id: `${norm}/seed${i}`,
    labels: { norm, seed: i },
    input: null,
    hash: "",
    output: {
      metrics: { acc: v },
      collapse: collapsed[i] ? { step: 3, reason: "non-finite loss" } : null,
    },
    wallMs: 0,
    backend: {} as RunRecord["backend"],
    finishedAt: "",
  }));
}

function claim(test: ClaimTest, higherIsBetter = true): ClaimSpec {
  return {
    id: "t",
    claim: "t",
    source: "t",
    paper: "t",
    metric: "acc",
    higherIsBetter,
    a: { norm: "a" },
    b: { norm: "b" },
    test,
  };
}

const verdict = (c: ClaimSpec, r: RunRecord[]) => evaluateClaim(c, r).verdict;

Deno.test("verdict: parity needs the whole CI of Δ inside ±margin", () => {
  const b = runs("b", [80, 80.2, 79.8]);
  assert.equal(
    verdict(claim({ kind: "parity", margin: 1 }), [...runs("a", [80.1, 79.9, 80]), ...b]),
    "reproduced",
  );
  assert.equal(
    verdict(claim({ kind: "parity", margin: 1 }), [...runs("a", [85, 85.2, 84.8]), ...b]),
    "not reproduced",
  );
  assert.equal(
    verdict(claim({ kind: "parity", margin: 1 }), [...runs("a", [78, 82, 80.5]), ...b]),
    "inconclusive",
  );
});

Deno.test("verdict: non-inferiority accepts a better side and rejects a clearly worse one", () => {
  const b = runs("b", [80, 80.2, 79.8]);
  const c = claim({ kind: "non-inferior", margin: 1 });
  assert.equal(verdict(c, [...runs("a", [85, 85.2, 84.8]), ...b]), "reproduced");
  assert.equal(verdict(c, [...runs("a", [75, 75.2, 74.8]), ...b]), "not reproduced");
  assert.equal(verdict(c, [...runs("a", [78, 81, 79.5]), ...b]), "inconclusive");
  // lower-is-better metrics flip the direction
  const ppl = claim({ kind: "non-inferior", margin: 1 }, false);
  assert.equal(verdict(ppl, [...runs("a", [75, 75.2, 74.8]), ...b]), "reproduced");
});

Deno.test("verdict: better and worse follow the metric's direction", () => {
  const b = runs("b", [80, 80.2, 79.8]);
  const higher = runs("a", [82, 82.1, 81.9]);
  assert.equal(verdict(claim({ kind: "better" }), [...higher, ...b]), "reproduced");
  assert.equal(verdict(claim({ kind: "worse" }), [...higher, ...b]), "not reproduced");
  assert.equal(verdict(claim({ kind: "better" }, false), [...higher, ...b]), "not reproduced");
  assert.equal(verdict(claim({ kind: "worse" }, false), [...higher, ...b]), "reproduced");
});

Deno.test("verdict: one value a side, or none, is inconclusive; collapsed runs carry no value", () => {
  assert.equal(
    verdict(claim({ kind: "better" }), [...runs("a", [90]), ...runs("b", [10])]),
    "inconclusive",
  );
  const outcome = evaluateClaim(claim({ kind: "better" }), [
    ...runs("a", [90, null, 91], [false, true, false]),
    ...runs("b", [80, 81, 80.5]),
  ]);
  assert.deepEqual([outcome.a.runs, outcome.a.n, outcome.a.collapsed], [3, 2, 1]);
});

Deno.test("verdict: collapse rates are compared with Newcombe's interval", () => {
  const many = (norm: string, k: number, n: number) =>
    runs(norm, Array(n).fill(null), Array.from({ length: n }, (_, i) => i < k));
  const c = claim({ kind: "collapses-more" });
  assert.equal(verdict(c, [...many("a", 8, 8), ...many("b", 0, 8)]), "reproduced");
  assert.equal(verdict(c, [...many("a", 0, 8), ...many("b", 6, 8)]), "not reproduced");
  assert.equal(verdict(c, [...many("a", 2, 8), ...many("b", 1, 8)]), "inconclusive");
});

Deno.test("verdict: at-least compares the mean's CI with the threshold", () => {
  const c: ClaimSpec = { ...claim({ kind: "at-least", threshold: 1.05 }), b: undefined };
  assert.equal(verdict(c, runs("a", [1.3, 1.31, 1.29])), "reproduced");
  assert.equal(verdict(c, runs("a", [0.9, 0.91, 0.89])), "not reproduced");
  assert.equal(verdict(c, runs("a", [1.0, 1.1, 1.05])), "inconclusive");
});
