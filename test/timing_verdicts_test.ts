// Speed claims that survive a rerun: a cell votes on a timed claim only when its paired interval
// has settled and no variant beat the no-norm model; a ratio above its ceiling is measurement
// noise, never a verdict; deterministic proxies travel beside every timed estimate; the checks
// say where LayerNorm's share of the time is too small for any norm to matter.
import assert from "node:assert/strict";
import { efficiencyChecks, efficiencyMetrics, TIMING_RESOLUTION } from "../src/bench/mod.ts";
import type { InferCellResult, InferVariantResult } from "../src/bench/mod.ts";
import { evaluateClaim } from "../src/report/verdict.ts";
import { oursText } from "../src/report/markdown.ts";
import type { ClaimSpec, RunRecord } from "../src/results/types.ts";

/**
 * A variant with paired speedups `vsLn` (± `half` as its interval), its speed relative to no
 * norm `none` as [value, lo, hi], and the given kernels.
 */
function variant(
  name: string,
  o: { vsLn: number; half?: number; kernels: number; mb: number; none?: [number, number, number] },
): InferVariantResult {
  const half = o.half ?? 0.005;
  return {
    variant: name as InferVariantResult["variant"],
    ms: 10 / o.vsLn,
    msIqr: [9 / o.vsLn, 11 / o.vsLn],
    n: 100,
    samplesPerSec: 1,
    speedupVsLn: o.vsLn,
    speedupVsLnCi: [o.vsLn * (1 - half), o.vsLn * (1 + half)],
    speedupVsFused: o.vsLn / 1.1,
    speedupVsFusedCi: [(o.vsLn / 1.1) * (1 - half), (o.vsLn / 1.1) * (1 + half)],
    speedupVsNone: o.none ? o.none[0] : null,
    speedupVsNoneCi: o.none ? [o.none[1], o.none[2]] : null,
    boundFraction: null,
    boundCi: null,
    peakMb: 1,
    peakReduction: 0.1,
    weightsMb: 1,
    gpuPeakMb: null,
    kernels: o.kernels,
    mbMoved: o.mb,
    normKernels: 0,
    normShare: null,
    twinError: 0,
  };
}

/** A Pre-norm cell: ln 100 kernels, ln-fused ×1.1, none ×1.25, un-folded as given. */
function cell(
  un: { vsLn: number; half?: number; none: [number, number, number] },
  extra: Partial<InferCellResult> = {},
): InferCellResult {
  return {
    backend: "wasm",
    adapter: "wasm",
    softwareAdapter: false,
    model: "vit",
    preset: "small",
    batch: 8,
    placement: "pre",
    seq: 65,
    rounds: 100,
    stable: true,
    timingMs: 1,
    variants: [
      variant("ln", { vsLn: 1, kernels: 100, mb: 50, none: [0.8, 0.79, 0.81] }),
      variant("ln-fused", { vsLn: 1.1, kernels: 60, mb: 40, none: [0.88, 0.87, 0.89] }),
      variant("un-folded", { ...un, kernels: 40, mb: 30 }),
      variant("none", { vsLn: 1.25, kernels: 40, mb: 30, none: [1, 1, 1] }),
    ],
    ...extra,
  } as InferCellResult;
}

Deno.test("efficiencyMetrics: a settled cell votes, with kernel and byte proxies beside its times", () => {
  const m = efficiencyMetrics(cell({ vsLn: 1.24, none: [0.992, 0.985, 0.999] }));
  assert.equal(m["claim.vs_ln"], 1.24);
  assert.equal(m["claim.vs_none"], 0.992);
  assert.equal(m["settled.vs_none"], 1);
  assert.equal(m["settled.vs_ln"], 1);
  assert.equal(m["noise"], 0);
  assert.equal(m["proxy.vs_ln.kernels"], 100 / 40);
  assert.equal(m["proxy.vs_fused.kernels"], 60 / 40);
  assert.equal(m["proxy.vs_ln.bytes"], 50 / 30);
  assert.equal(m["proxy.vs_none.kernels"], 1); // 40 kernels each: folding left none of LN's
  assert.equal(m["proxy.vs_none.bytes"], 1);
  assert.ok(Math.abs(m["ln_share"]! - 20) < 1e-9); // 1 − 1 / 1.25
  // no converted variants in this cell: their claims are not asked
  assert.equal(m["settled.rms_vs_ln"], null);
  assert.equal(m["claim.rms_vs_ln"], null);
});

Deno.test("efficiencyMetrics: an unsettled cell still votes, with its wide interval", () => {
  const wide = TIMING_RESOLUTION.speedup * 1.5;
  const m = efficiencyMetrics(cell({ vsLn: 1.24, half: wide, none: [0.97, 0.9, 1.04] }));
  assert.equal(m["claim.vs_ln"], 1.24);
  assert.equal(m["settled.vs_ln"], 0);
  assert.ok(Math.abs(m["claim.vs_ln_lo"]! - 1.24 * (1 - wide)) < 1e-12);
  assert.ok(Math.abs(m["claim.vs_ln_hi"]! - 1.24 * (1 + wide)) < 1e-12);
  assert.equal(m["claim.vs_none"], 0.97);
  assert.equal(m["settled.vs_none"], 0); // half-width 0.07 > 2.5% of 0.97
  assert.deepEqual([m["claim.vs_none_lo"], m["claim.vs_none_hi"]], [0.9, 1.04]);
  assert.equal(m["claim.peak_red"], 10);
  assert.equal(m["proxy.vs_ln.kernels"], 2.5);
  // just inside the resolution, it has settled
  const ok = efficiencyMetrics(
    cell({ vsLn: 1.24, half: TIMING_RESOLUTION.speedup * 0.9, none: [1, 0.98, 1.02] }),
  );
  assert.equal(ok["settled.vs_ln"], 1);
  assert.equal(ok["settled.vs_none"], 1);
});

Deno.test("efficiencyMetrics: a variant faster than no norm beyond its interval is flagged, the cell stays in the design", () => {
  const m = efficiencyMetrics(cell({ vsLn: 1.4, none: [1.12, 1.08, 1.16] }));
  assert.equal(m["noise"], 1);
  assert.equal(m["claim.vs_ln"], 1.4);
  assert.equal(m["claim.vs_none"], 1.12);
  // within its interval of 1 it is not flagged
  assert.equal(efficiencyMetrics(cell({ vsLn: 1.25, none: [1.004, 0.99, 1.02] }))["noise"], 0);
  assert.equal(m["claim.peak_red"], 10); // memory is not a time
});

Deno.test("efficiencyMetrics: software adapters and Post cells never vote", () => {
  for (const extra of [{ softwareAdapter: true }, { placement: "post" }]) {
    const m = efficiencyMetrics(cell({ vsLn: 1.24, none: [0.99, 0.98, 1.0] }, extra));
    for (const k of Object.keys(m).filter((k) => /^(claim|settled|proxy)\./.test(k))) {
      assert.equal(m[k], null, `${JSON.stringify(extra)}: ${k}`);
    }
  }
});

function record(id: string, metrics: Record<string, number | null>, placement = "pre"): RunRecord {
  return {
    id,
    labels: { backend: "wasm", cell: id, placement },
    input: null,
    hash: "",
    output: { metrics },
    wallMs: 0,
    backend: {} as RunRecord["backend"],
    finishedAt: "",
  };
}

const BOUND: ClaimSpec = {
  id: "b",
  claim: "Folded UN reaches the no-norm bound",
  source: "",
  paper: "",
  metric: "claim.vs_none",
  proxies: [{ metric: "proxy.vs_none.kernels", label: "kernels ×" }],
  higherIsBetter: true,
  a: { backend: "wasm" },
  test: { kind: "at-least", threshold: 0.95, ceiling: 1 },
};

Deno.test("verdict: a bound above its ceiling is measurement noise, not reproduced", () => {
  const above = [1.17, 1.2, 1.19, 1.18].map((x, i) =>
    record(`c${i}`, { "claim.vs_none": x, "proxy.vs_none.kernels": 1 })
  );
  const o = evaluateClaim(BOUND, above);
  assert.equal(o.intervalVerdict, "inconclusive");
  assert.equal(o.verdict, "underpowered");
  assert.match(o.reason!, /measurement noise/);
  // without a ceiling the same numbers would have said "reproduced"
  const plain = evaluateClaim({ ...BOUND, test: { kind: "at-least", threshold: 0.95 } }, above);
  assert.equal(plain.verdict, "reproduced");
  // within the ceiling the rule decides as before
  const near = [0.98, 0.99, 1.0, 0.99].map((x, i) => record(`c${i}`, { "claim.vs_none": x }));
  assert.equal(evaluateClaim(BOUND, near).verdict, "reproduced");
});

/** A cell record with the speed relative to no norm `x` and its own interval [lo, hi]. */
function boundCell(id: string, x: number, lo: number, hi: number): RunRecord {
  return record(id, { "claim.vs_none": x, "claim.vs_none_lo": lo, "claim.vs_none_hi": hi });
}

const FIXED: ClaimSpec = {
  ...BOUND,
  test: {
    ...BOUND.test,
    within: { low: "claim.vs_none_lo", high: "claim.vs_none_hi" },
  } as ClaimSpec[
    "test"
  ],
};

Deno.test("verdict: a fixed design of cells is decided on the cells' own intervals", () => {
  // Heterogeneous cells, each measured tightly: a t-interval over 3 cells (df 2) straddles 0.95;
  // over the fixed design each side is √(Σ dᵢ²)/n of the cells' own distances.
  const cells = [
    boundCell("a", 0.96, 0.95, 0.97),
    boundCell("b", 0.99, 0.98, 1.0),
    boundCell("c", 0.93, 0.92, 1.03), // below, with a wide upper side
  ];
  const fixed = evaluateClaim(FIXED, cells);
  assert.ok(Math.abs(fixed.estimate.value - 0.96) < 1e-12);
  const below = Math.sqrt(0.01 ** 2 + 0.01 ** 2 + 0.01 ** 2) / 3;
  const above = Math.sqrt(0.01 ** 2 + 0.01 ** 2 + 0.1 ** 2) / 3;
  assert.ok(Math.abs(fixed.estimate.low - (0.96 - below)) < 1e-12);
  assert.ok(Math.abs(fixed.estimate.high - (0.96 + above)) < 1e-12);
  assert.equal(fixed.verdict, "reproduced");
  assert.ok(fixed.p !== null && fixed.p < 0.05);
  assert.match(fixed.rule, /fixed cells/);
  assert.equal(evaluateClaim(BOUND, cells).verdict, "inconclusive"); // t over 3 cells
  // one cell with a very wide interval widens the claim's: no verdict
  const wide = [...cells.slice(0, 2), boundCell("c", 0.93, 0.7, 1.4)];
  assert.equal(evaluateClaim(FIXED, wide).verdict, "inconclusive");
  // every cell's interval below the threshold: not reproduced
  const low = [boundCell("a", 0.8, 0.78, 0.82), boundCell("b", 0.85, 0.8, 0.9)];
  const two = { ...FIXED, test: { ...FIXED.test, minRuns: 2 } as ClaimSpec["test"] };
  assert.equal(evaluateClaim(two, low).verdict, "not reproduced");
  // the ceiling still turns an interval wholly above 1 into measurement noise
  const high = [
    boundCell("a", 1.2, 1.1, 1.3),
    boundCell("b", 1.3, 1.2, 1.4),
    boundCell("c", 1.1, 1.05, 1.15),
  ];
  const noise = evaluateClaim(FIXED, high);
  assert.equal(noise.intervalVerdict, "inconclusive");
  assert.match(noise.reason!, /measurement noise/);
  // a cell without its interval is left out (it cannot be weighed)
  const missing = [...cells, record("d", { "claim.vs_none": 0.2 })];
  assert.equal(evaluateClaim(FIXED, missing).a.n, 3);
});

Deno.test("verdict: a precision-pooled fixed design weighs each cell by 1/h² of its own interval", () => {
  // One quantity measured in every cell: a loose cell far off (10 rounds of a paper-shaped
  // preset) pulls the plain mean below 0.98, but weighs little in the pooled estimate.
  const cells = [
    boundCell("a", 0.99, 0.98, 1.0), // h 0.01
    boundCell("b", 1.0, 0.99, 1.01), // h 0.01
    boundCell("c", 0.89, 0.81, 0.97), // h 0.08
  ];
  const pooled = {
    ...FIXED,
    test: { ...FIXED.test, threshold: 0.98, pool: "precision" },
  } as ClaimSpec;
  const plain = { ...pooled, test: { ...pooled.test, pool: "mean" } } as ClaimSpec;
  const w = [1e4, 1e4, 1 / 0.08 ** 2];
  const total = w[0] + w[1] + w[2];
  const value = (w[0] * 0.99 + w[1] * 1.0 + w[2] * 0.89) / total;
  const side = Math.sqrt((w[0] * 0.01) ** 2 + (w[1] * 0.01) ** 2 + (w[2] * 0.08) ** 2) / total;
  const o = evaluateClaim(pooled, cells);
  assert.ok(Math.abs(o.estimate.value - value) < 1e-12);
  assert.ok(Math.abs(o.estimate.low - (value - side)) < 1e-12);
  assert.ok(Math.abs(o.estimate.high - (value + side)) < 1e-12);
  assert.equal(o.verdict, "reproduced"); // 0.994 [0.987, 1.001]
  assert.match(o.rule, /precision-weighted mean/);
  assert.equal(evaluateClaim(plain, cells).verdict, "inconclusive"); // 0.96 [0.933, 0.988]
  // equal intervals: the pooled estimate is the plain mean
  const even = cells.slice(0, 2);
  const two = (spec: ClaimSpec) => ({ ...spec, test: { ...spec.test, minRuns: 2 } }) as ClaimSpec;
  const [pe, me] = [evaluateClaim(two(pooled), even), evaluateClaim(two(plain), even)];
  assert.ok(Math.abs(pe.estimate.value - me.estimate.value) < 1e-12);
  assert.ok(Math.abs(pe.estimate.low - me.estimate.low) < 1e-12);
});

Deno.test("verdict: a placebo's spread beyond its cells' intervals widens every cell's interval", () => {
  // A speedup claim (1.08 in every cell, ±1%) and a placebo in the same cells: folded UN against
  // the no-norm model, whose kernels it runs — truly 1.
  const speed = (id: string, placebo: number) =>
    record(id, {
      "claim.vs_ln": 1.08,
      "claim.vs_ln_lo": 1.08 / 1.01,
      "claim.vs_ln_hi": 1.08 * 1.01,
      "claim.vs_none": placebo,
      "claim.vs_none_lo": placebo / 1.005,
      "claim.vs_none_hi": placebo * 1.005,
    });
  const spec: ClaimSpec = {
    ...BOUND,
    metric: "claim.vs_ln",
    test: {
      kind: "at-least",
      threshold: 1.05,
      minRuns: 3,
      within: { low: "claim.vs_ln_lo", high: "claim.vs_ln_hi" },
      placebo: {
        metric: "claim.vs_none",
        low: "claim.vs_none_lo",
        high: "claim.vs_none_hi",
        truth: 1,
      },
    },
  };
  const plain = { ...spec, test: { ...spec.test, placebo: undefined } } as ClaimSpec;
  // placebos at 1 within their intervals: nothing to add, the plain fixed design
  const calm = ["a", "b", "c"].map((id) => speed(id, 1));
  const [c, p] = [evaluateClaim(spec, calm), evaluateClaim(plain, calm)];
  assert.equal(c.estimate.low, p.estimate.low);
  assert.match(c.rule, /widened by the spread of claim\.vs_none about 1 .* \(here σ = 0\.0%\)/);
  // placebos off by ±6% in whole cells (identical kernels): each cell's interval grows by the
  // spread σ² = mean(ln²) − mean(s²), and the claim no longer clears 1.05
  const shaky = [speed("a", 1.06), speed("b", 1 / 1.06), speed("c", 1)];
  const z = 1.959963984540054;
  const s = Math.log(1.005 ** 2) / (2 * z);
  const sigma = Math.sqrt((2 * Math.log(1.06) ** 2) / 3 - s * s);
  const w = evaluateClaim(spec, shaky);
  assert.match(w.rule, new RegExp(`σ = ${(100 * sigma).toFixed(1)}%`));
  const half = 1.08 * (1 - Math.exp(-Math.sqrt(Math.log(1.01) ** 2 + (z * sigma) ** 2)));
  assert.ok(Math.abs(w.estimate.low - (1.08 - Math.sqrt(3 * half * half) / 3)) < 1e-9);
  assert.equal(evaluateClaim(plain, shaky).verdict, "reproduced");
  assert.equal(w.verdict, "inconclusive");
});

Deno.test("verdict: proxies are reported over every cell, also those whose times did not vote", () => {
  const rs = [
    record("a", { "claim.vs_none": 0.99, "proxy.vs_none.kernels": 1 }),
    record("b", { "claim.vs_none": null, "proxy.vs_none.kernels": 0.9 }),
  ];
  const o = evaluateClaim(BOUND, rs);
  assert.equal(o.a.n, 1);
  assert.deepEqual(o.proxies, [{ label: "kernels ×", mean: 0.95, n: 2 }]);
  assert.match(oursText(o), /deterministic: kernels × 0\.95 \(n=2\)/);
});

Deno.test("efficiencyChecks: settled cells per claim, noise, and where LayerNorm's share is too small", () => {
  const rs = [
    record("wasm/vit/small/B8", {
      "ms.ln": 10,
      "settled.vs_ln": 1,
      "settled.vs_none": 0,
      noise: 0,
      ln_share: 20,
    }),
    record("wasm/encoder/bert-base/B1", {
      "ms.ln": 100,
      "settled.vs_ln": 0,
      "settled.vs_none": 0,
      noise: 1,
      ln_share: 1.5,
    }),
  ];
  const checks = efficiencyChecks(rs, ["wasm"]);
  const voting = checks.find((c) => c.check.startsWith("every cell's timings settled"))!;
  assert.equal(voting.ok, false);
  assert.match(voting.detail, /vs_ln 1\/2, vs_none 0\/2/);
  assert.match(voting.detail, /measurement noise in: wasm wasm\/encoder\/bert-base\/B1/);
  const share = checks.find((c) => c.check.startsWith("LayerNorm (as tfjs ops)"))!;
  assert.equal(share.ok, false);
  assert.match(
    share.detail,
    /too small for any norm to matter in: wasm wasm\/encoder\/bert-base\/B1 \(1\.5%\)/,
  );
  assert.match(share.detail, /elsewhere wasm wasm\/vit\/small\/B8 20\.0%/);
});
