// The verdict rules on hand-made runs: each kind decides as its stated rule says; collapsed runs
// count at chance; a baseline below its reference or an undecided claim short of seeds is
// underpowered; p-values invert the intervals; Holm's step-down over a suite's claims.
import assert from "node:assert/strict";
import { evaluateClaim, holmAdjust, stableEdge } from "../src/report/verdict.ts";
import { differenceInterval, tCdf } from "../src/metrics/stats.ts";
import type { ClaimSpec, ClaimTest, Reference, RunRecord } from "../src/results/types.ts";

function runs(
  norm: string,
  values: (number | null)[],
  collapsed: boolean[] = [],
  chance?: number,
): RunRecord[] {
  return values.map((v, i) => ({
    id: `${norm}/seed${i}`,
    labels: { norm, seed: i },
    input: null,
    hash: "",
    output: {
      metrics: { acc: v },
      collapse: collapsed[i] ? { step: 3, reason: "non-finite loss" } : null,
      ...(chance === undefined ? {} : { chance: { acc: chance } }),
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
/** n values around `center` with a fixed, deterministic spread. */
const around = (center: number, n: number, spread: number) =>
  Array.from({ length: n }, (_, i) => center + spread * Math.sin(1 + 2.3 * i));

Deno.test("verdict: parity needs the whole CI of Δ inside ±margin", () => {
  const b = runs("b", [80, 80.2, 79.8]);
  const c = claim({ kind: "parity", margin: 1 });
  assert.equal(verdict(c, [...runs("a", [80.1, 79.9, 80]), ...b]), "reproduced");
  assert.equal(verdict(c, [...runs("a", [85, 85.2, 84.8]), ...b]), "not reproduced");
  // undecided: with 3 seeds and this spread the margin needs more → underpowered
  const wide = evaluateClaim(c, [...runs("a", [78, 82, 80.5]), ...b]);
  assert.equal(wide.intervalVerdict, "inconclusive");
  assert.equal(wide.verdict, "underpowered");
  assert.ok(wide.needed! > 3);
  assert.match(wide.reason!, /margin 1 needs ≥ \d+ a side/);
  // undecided with all the seeds the margin needs → inconclusive
  const many = evaluateClaim(c, [
    ...runs("a", around(80.9, 30, 0.6)),
    ...runs("b", around(80, 30, 0.6)),
  ]);
  assert.ok(many.needed! <= 30);
  assert.equal(many.verdict, "inconclusive");
});

Deno.test("verdict: non-inferiority accepts a better side and rejects a clearly worse one", () => {
  const b = runs("b", [80, 80.2, 79.8]);
  const c = claim({ kind: "non-inferior", margin: 1 });
  assert.equal(verdict(c, [...runs("a", [85, 85.2, 84.8]), ...b]), "reproduced");
  assert.equal(verdict(c, [...runs("a", [75, 75.2, 74.8]), ...b]), "not reproduced");
  assert.equal(verdict(c, [...runs("a", [78, 81, 79.5]), ...b]), "underpowered");
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

Deno.test("verdict: one value a side is unbounded; collapsed runs count at chance", () => {
  assert.equal(
    verdict(claim({ kind: "better" }), [...runs("a", [90]), ...runs("b", [10])]),
    "inconclusive",
  );
  // without a chance level a collapsed run carries no value
  const bare = evaluateClaim(claim({ kind: "better" }), [
    ...runs("a", [90, null, 91], [false, true, false]),
    ...runs("b", [80, 81, 80.5]),
  ]);
  assert.deepEqual([bare.a.runs, bare.a.n, bare.a.collapsed], [3, 2, 1]);
  // with one, it counts — a collapse keeps no accuracy — and the survivors are shown apart
  const a = runs("a", [90, null, 91, 90.5], [false, true, false, false], 10);
  const b = runs("b", [80, 81, 80.5, 80.2], [], 10);
  const o = evaluateClaim(claim({ kind: "non-inferior", margin: 1 }), [...a, ...b]);
  assert.deepEqual([o.a.n, o.a.collapsed, o.a.survivors.n], [4, 1, 3]);
  assert.ok(Math.abs(o.a.mean - (90 + 10 + 91 + 90.5) / 4) < 1e-9);
  assert.ok(o.survivors && o.survivors.value > 9 && o.estimate.value < 0);
  assert.notEqual(o.verdict, "reproduced");
});

Deno.test("verdict: a baseline below its reference level makes the claim underpowered", () => {
  const reference: Reference = {
    arm: { norm: "b" },
    metric: "acc",
    higherIsBetter: true,
    level: 85,
    why: "converged",
  };
  const data = [...runs("a", [82, 82.1, 81.9]), ...runs("b", [80, 80.2, 79.8])];
  const o = evaluateClaim(claim({ kind: "better" }), data, [reference]);
  assert.equal(o.intervalVerdict, "reproduced");
  assert.equal(o.verdict, "underpowered");
  assert.match(o.reason!, /baseline b reached acc 80\.00, below its reference 85/);
  const ok = evaluateClaim(claim({ kind: "better" }), data, [{ ...reference, level: 79 }]);
  assert.equal(ok.verdict, "reproduced");
  assert.ok(ok.references[0].ok);
  // a reference of another arm does not apply
  const other = evaluateClaim(claim({ kind: "better" }), data, [{
    ...reference,
    arm: { norm: "c" },
  }]);
  assert.equal(other.references.length, 0);
});

Deno.test("verdict: p inverts the interval (Welch's two-sided p for a difference)", () => {
  const a = [82, 82.4, 81.9, 82.3];
  const b = [80, 80.3, 79.8, 81.2];
  const o = evaluateClaim(claim({ kind: "better" }), [...runs("a", a), ...runs("b", b)]);
  const d = differenceInterval(a, b);
  // squared standard errors of the two means, then Welch's t and degrees of freedom
  const se2 = (xs: number[]) => {
    const m = xs.reduce((s, x) => s + x, 0) / xs.length;
    return xs.reduce((s, x) => s + (x - m) ** 2, 0) / (xs.length - 1) / xs.length;
  };
  const [sa, sb] = [se2(a), se2(b)];
  const t = d.mean / Math.sqrt(sa + sb);
  const df = (sa + sb) ** 2 / (sa ** 2 / 3 + sb ** 2 / 3);
  const p = 2 * (1 - tCdf(Math.abs(t), df));
  assert.equal(o.verdict, "reproduced");
  assert.ok(Math.abs(o.p! - p) < 1e-6, `${o.p} vs ${p}`);
});

Deno.test("verdict: Holm keeps a decided verdict only if its p survives the step-down", () => {
  const mk = (p: number) =>
    ({ p, verdict: "reproduced", spec: {} }) as unknown as ReturnType<typeof evaluateClaim>;
  const out = holmAdjust([mk(0.01), mk(0.04), mk(0.03)]);
  assert.deepEqual(out.map((o) => o.holm), ["reproduced", "inconclusive", "inconclusive"]);
  const strong = holmAdjust([mk(0.001), mk(0.02), mk(0.04)]);
  assert.deepEqual(strong.map((o) => o.holm), ["reproduced", "reproduced", "reproduced"]);
});

Deno.test("verdict: collapse rates are compared with Newcombe's interval", () => {
  const many = (norm: string, k: number, n: number) =>
    runs(norm, Array(n).fill(null), Array.from({ length: n }, (_, i) => i < k));
  const c = claim({ kind: "collapses-more" });
  assert.equal(verdict(c, [...many("a", 8, 8), ...many("b", 0, 8)]), "reproduced");
  assert.equal(verdict(c, [...many("a", 0, 8), ...many("b", 6, 8)]), "not reproduced");
  // undecided with fewer than 10 runs a side: underpowered; with 40, inconclusive
  assert.equal(verdict(c, [...many("a", 2, 8), ...many("b", 1, 8)]), "underpowered");
  assert.equal(verdict(c, [...many("a", 8, 40), ...many("b", 5, 40)]), "inconclusive");
});

Deno.test("verdict: a wider stable range is judged where the first of the two breaks", () => {
  // lr 1, 2, 4; b breaks at 2 (8/10 collapse), a only at 4
  const sweep = (norm: string, rates: number[]) =>
    rates.flatMap((k, i) =>
      runs(norm, Array(10).fill(1), Array.from({ length: 10 }, (_, j) => j < k)).map((r, j) => ({
        ...r,
        id: `${norm}/lr${i}/seed${j}`,
        labels: { norm, lr: 2 ** i, seed: j },
      }))
    );
  const c = claim({ kind: "wider-stable-range", over: "lr", maxRate: 0.2, minRuns: 10 });
  const a = sweep("a", [0, 0, 9]);
  const b = sweep("b", [1, 8, 10]);
  assert.equal(stableEdge(a, "lr", 0.2), 2);
  assert.equal(stableEdge(b, "lr", 0.2), 1);
  const o = evaluateClaim(c, [...a, ...b]);
  assert.equal(o.verdict, "reproduced");
  assert.ok(Math.abs(o.estimate.value - 0.8) < 1e-9);
  // the other way round: a collapses more where b breaks
  assert.equal(
    verdict(c, [...sweep("a", [1, 10, 10]), ...sweep("b", [0, 0, 3])]),
    "not reproduced",
  );
  // a baseline that never breaks on the grid cannot be beaten: underpowered, with the reason
  const flat = evaluateClaim(c, [...sweep("a", [0, 0, 0]), ...sweep("b", [0, 0, 0])]);
  assert.equal(flat.verdict, "underpowered");
  assert.match(flat.reason!, /both stay stable up to the top of the lr grid/);
  // a learning rate too small to train in time does not hide stability above it
  assert.equal(stableEdge(sweep("a", [10, 0, 10]), "lr", 0.2), 2);
  // the claim side breaks first (lr 2) and both are broken where the baseline breaks (lr 4):
  // compared at lr 2, where only the claim side collapses — not reproduced, not "no difference"
  const early = evaluateClaim(c, [...sweep("a", [0, 6, 10]), ...sweep("b", [0, 1, 10])]);
  assert.equal(early.verdict, "not reproduced");
  assert.deepEqual(early.compared, { at: 2, baseline: [1, 10], claim: [6, 10] });
  assert.ok(Math.abs(early.estimate.value - -0.5) < 1e-9);
  // a claim side stable nowhere against a baseline stable at lr 1: compared there
  const never = evaluateClaim(c, [...sweep("a", [10, 10, 10]), ...sweep("b", [0, 10, 10])]);
  assert.equal(never.compared?.at, 1);
  assert.equal(never.verdict, "not reproduced");
});

Deno.test("verdict: at-least compares the mean's CI with the threshold", () => {
  const c: ClaimSpec = { ...claim({ kind: "at-least", threshold: 1.05 }), b: undefined };
  assert.equal(verdict(c, runs("a", [1.3, 1.31, 1.29])), "reproduced");
  assert.equal(verdict(c, runs("a", [0.9, 0.91, 0.89])), "not reproduced");
  assert.equal(verdict(c, runs("a", [1.0, 1.1, 1.05])), "inconclusive");
  // nothing to decide on is said plainly: no value at all, or one value without an interval
  const none = evaluateClaim(c, runs("a", [null, null]));
  assert.equal(none.verdict, "underpowered");
  assert.match(none.reason!, /no run has a value for acc/);
  assert.match(
    evaluateClaim(c, runs("a", [1.3, null])).reason!,
    /1 value of acc; the rule needs ≥ 2/,
  );
  const three: ClaimSpec = { ...c, test: { kind: "at-least", threshold: 1.05, minRuns: 3 } };
  assert.equal(verdict(three, runs("a", [1.3, 1.31])), "underpowered");
  assert.equal(verdict(three, runs("a", [1.3, 1.31, 1.29])), "reproduced");
});
