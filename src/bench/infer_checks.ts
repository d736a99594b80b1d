/**
 * The efficiency suite's analysis across cells: the checks its report prints, next to the
 * metrics each cell produces (`infer_task.ts`).
 *
 * @module
 */
import type { BackendName } from "../backend/names.ts";
import type { CheckResult, RunRecord } from "../results/types.ts";
import { VARIANT_NAMES } from "../inference/variants.ts";
import { TIMED_CLAIMS } from "./infer_task.ts";

/** A finite metric of a record, or null. */
function value(r: RunRecord, key: string): number | null {
  const v = r.output.metrics[key];
  return typeof v === "number" && Number.isFinite(v) ? v : null;
}

/** Whether a record is a Pre-norm cell (records from before placements were labelled are). */
function isPre(r: RunRecord): boolean {
  return (r.labels.placement ?? "pre") === "pre";
}

/**
 * What the efficiency measurements of a suite's cells show beyond each cell's metrics: every
 * variant matched its unfolded twin; folded UN removes the kernels LayerNorm adds and reaches the
 * no-norm bound in time on wasm and cpu; it keeps a speedup over the fused LayerNorm kernel; the
 * medians were stable; WebGPU ran on a hardware adapter. The folding checks (kernels, bound,
 * speedup over the fused kernel) read Pre-norm cells only (label `placement`, default `pre`):
 * under Post nothing folds. `backends` orders the per-backend lines.
 *
 * @example
 * ```ts
 * import { efficiencyChecks } from "@normbench/normbench";
 * const checks = efficiencyChecks([], ["wasm", "cpu"]);
 * console.assert(checks.length === 7 && !checks[1].ok && checks[1].detail === "no wasm or cpu cell");
 * ```
 */
export function efficiencyChecks(
  records: RunRecord[],
  backends: readonly BackendName[],
): CheckResult[] {
  const measured = records.filter((r) => value(r, "ms.ln") !== null);
  const out: CheckResult[] = [];
  const errors = measured.flatMap((r) =>
    VARIANT_NAMES.map((v) => value(r, `twin_ppm.${v}`)).filter((x): x is number => x !== null)
  );
  out.push({
    check: "every variant matched its unfolded twin on the same weights before it was timed " +
      "(max relative error ≤ 1e-4; a cell that fails is not timed)",
    ok: errors.every((e) => e <= 100),
    detail: `${errors.length} comparisons in ${measured.length} cells; largest relative error ` +
      `${errors.length ? (Math.max(...errors) / 1e6).toExponential(1) : "—"}`,
  });
  // Folding is a Pre-norm matter: under Post every norm's output is the residual stream and its
  // affine map stays an op (under Peri the output norms' do), so the kernel and bound checks read
  // Pre cells only; the other placements are measured, not checked against the bound.
  const pre = measured.filter(isPre);
  const cpuSide = pre.filter((r) => r.labels.backend !== "webgpu");
  const bounds = cpuSide.map((r) => ({
    cell: `${r.labels.backend} ${r.labels.cell}`,
    ratio: value(r, "claim.vs_none"),
    lo: value(r, "claim.vs_none_lo"),
    hi: value(r, "claim.vs_none_hi"),
  }));
  const fmt = (x: number | null) => (x === null ? "—" : x.toFixed(3));
  const structural = cpuSide.map((r) => ({
    cell: `${r.labels.backend} ${r.labels.cell}`,
    share: value(r, "kbound.un-folded"),
    kernels: value(r, "kernels.un-folded"),
    none: value(r, "kernels.none"),
  }));
  out.push({
    check: "folded UN removes ≥ 95% of the kernels LayerNorm adds over the no-norm model, " +
      "in every wasm and cpu cell (deterministic: kernel counts per inference)",
    ok: structural.length > 0 && structural.every((b) => b.share !== null && b.share >= 0.95),
    detail: structural.map((b) =>
      `${b.cell}: ${
        b.share === null ? "—" : (100 * b.share).toFixed(1)
      }% (${b.kernels} vs ${b.none} kernels)`
    ).join("; ") || "no wasm or cpu cell",
  });
  out.push({
    check: "folded UN reaches the no-norm bound in time on wasm and cpu: no cell's 95% interval " +
      "of t_none / t lies below 0.98 (within 2% of the model with no norm)",
    ok: bounds.length > 0 && bounds.every((b) => b.hi !== null && b.hi >= 0.98),
    detail: bounds.map((b) => `${b.cell}: ${fmt(b.ratio)} [${fmt(b.lo)}, ${fmt(b.hi)}]`)
      .join("; ") || "no wasm or cpu cell",
  });
  const remain = backends.map((b) => {
    const rs = pre.filter((r) => r.labels.backend === b);
    if (!rs.length) return null;
    const mean = (k: string) => {
      const xs = rs.map((r) => value(r, k)).filter((x): x is number => x !== null);
      return xs.length ? xs.reduce((a, c) => a + c, 0) / xs.length : NaN;
    };
    return `${b}: ×${mean("vs_ln.un-folded").toFixed(2)} over ln, ×${
      mean("vs_fused.un-folded").toFixed(2)
    } over ln-fused (the fused kernel alone: ×${mean("vs_ln.ln-fused").toFixed(2)} over ln)`;
  }).filter(Boolean);
  out.push({
    check: "folded UN keeps a speedup (≥ ×1.05, mean over cells) against the fused LayerNorm " +
      "kernel, not only against LayerNorm as tfjs ops",
    ok: backends.every((b) => {
      const rs = pre.filter((r) => r.labels.backend === b && value(r, "claim.vs_fused"));
      if (!rs.length) return true;
      return rs.reduce((a, r) => a + value(r, "claim.vs_fused")!, 0) / rs.length >= 1.05;
    }),
    detail: remain.join("; ") || "no cell measured",
  });
  const unstable = measured.filter((r) => {
    const cell = r.output.notes?.cell as { stable?: boolean } | undefined;
    return cell && cell.stable === false;
  });
  out.push({
    check: "every cell's medians were stable (the last fifth of the rounds moved none by > 1%)",
    ok: unstable.length === 0,
    detail: unstable.length
      ? `time budget reached first in: ${
        unstable.map((r) => `${r.labels.backend} ${r.labels.cell}`).join(", ")
      }`
      : `${measured.length} cells`,
  });
  out.push(votingCheck(pre));
  out.push(lnShareCheck(pre));
  const gpu = records.filter((r) => r.labels.backend === "webgpu");
  if (gpu.length) {
    const skipped = gpu.filter((r) => r.output.notes?.skipped);
    const software = gpu.filter((r) =>
      (r.output.notes?.cell as { softwareAdapter?: boolean })
        ?.softwareAdapter
    );
    const adapter = (gpu.find((r) => r.output.notes?.cell)?.output.notes?.cell as {
      adapter?: string;
    })?.adapter;
    out.push({
      check: "WebGPU cells ran on a hardware adapter (a speed claim)",
      ok: software.length === 0 && skipped.length === 0,
      detail: skipped.length
        ? "no WebGPU adapter: WebGPU cells skipped"
        : software.length
        ? `software adapter (${adapter ?? "?"}) — not a speed claim: WebGPU claims have no ` +
          "values and stay inconclusive"
        : `hardware adapter (${adapter ?? "?"})`,
    });
  }
  return out;
}

/** How many cells settled on each timed claim, and which showed measurement noise. */
function votingCheck(pre: RunRecord[]): CheckResult {
  const cell = (r: RunRecord) => `${r.labels.backend} ${r.labels.cell}`;
  const noisy = pre.filter((r) => value(r, "noise") === 1);
  const counts = TIMED_CLAIMS.map(({ claim: c }) => {
    const asked = pre.filter((r) => value(r, `settled.${c}`) !== null);
    const settled = asked.filter((r) => value(r, `settled.${c}`) === 1);
    return asked.length ? `${c} ${settled.length}/${asked.length}` : null;
  }).filter((x): x is string => x !== null);
  return {
    check: "every cell's timings settled: its paired 95% interval is narrow (speed ratios " +
      "±2.5%) and no variant ran faster than the no-norm model beyond its interval " +
      "(measurement noise). Every cell counts in the claims with its own interval, so an " +
      "unsettled cell widens the claim's interval instead of leaving the design",
    ok: noisy.length === 0 && counts.length > 0 &&
      TIMED_CLAIMS.every(({ claim: c }) =>
        pre.every((r) => value(r, `settled.${c}`) === null || value(r, `settled.${c}`) === 1)
      ),
    detail: `settled cells per claim: ${counts.join(", ") || "none"}` +
      (noisy.length ? `; measurement noise in: ${noisy.map(cell).join(", ")}` : ""),
  };
}

/** Where LayerNorm's share of the time is below the speed claims' ×1.05 margin. */
function lnShareCheck(pre: RunRecord[]): CheckResult {
  const floor = 100 * (1 - 1 / 1.05);
  const shares = pre.map((r) => ({
    cell: `${r.labels.backend} ${r.labels.cell}`,
    share: value(r, "ln_share"),
  })).filter((x): x is { cell: string; share: number } => x.share !== null);
  const small = shares.filter((x) => x.share < floor);
  return {
    check: `LayerNorm (as tfjs ops) takes ≥ ${floor.toFixed(1)}% of the time in every Pre cell — ` +
      "below that no norm can be ×1.05 faster than LN there, whatever it does (share = 1 − " +
      "t_none / t_ln, paired)",
    ok: shares.length > 0 && small.length === 0,
    detail: small.length
      ? `LN's share is too small for any norm to matter in: ${
        small.map((x) => `${x.cell} (${x.share.toFixed(1)}%)`).join(", ")
      }; elsewhere ${
        shares.filter((x) => x.share >= floor).map((x) => `${x.cell} ${x.share.toFixed(1)}%`)
          .join(", ") || "—"
      }`
      : shares.map((x) => `${x.cell} ${x.share.toFixed(1)}%`).join(", ") || "no cell measured",
  };
}
