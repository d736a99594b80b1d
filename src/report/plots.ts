/**
 * The report plots: curves with a band over seeds, bars with error bars, collapse rates —
 * Vega-Lite specs built from run records alone.
 *
 * @module
 */
import { mean, std, wilsonInterval } from "../metrics/stats.ts";
import type { PlotSpec, RunRecord } from "../results/types.ts";
import { groupRuns, metricValues, selectRuns } from "./select.ts";
import type { VegaLiteSpec } from "./svg.ts";

const WIDTH = 360;
const HEIGHT = 220;

type Row = Record<string, string | number>;

function label(r: RunRecord, key: string | undefined): string {
  return key ? String(r.labels[key] ?? "—") : "";
}

/**
 * The centre and ±1 std band per x of one curve over a group's runs; on a log axis both are
 * taken over log y (a geometric mean and a multiplicative band), so the band stays positive.
 */
function curveRows(
  runs: RunRecord[],
  curve: string,
  log: boolean,
): { x: number; mean: number; low: number; high: number }[] {
  const byX = new Map<number, number[]>();
  for (const r of runs) {
    for (const p of r.output.curves?.[curve] ?? []) {
      if (!Number.isFinite(p.y) || (log && p.y <= 0)) continue;
      if (!byX.has(p.x)) byX.set(p.x, []);
      byX.get(p.x)!.push(log ? Math.log(p.y) : p.y);
    }
  }
  const back = log ? Math.exp : (v: number) => v;
  return [...byX.entries()].sort((a, b) => a[0] - b[0]).map(([x, ys]) => {
    const m = mean(ys);
    const s = ys.length > 1 ? std(ys) : 0;
    return { x, mean: back(m), low: back(m - s), high: back(m + s) };
  });
}

function facetWrap(spec: Record<string, unknown>, facetBy: string | undefined, rows: Row[]) {
  if (!facetBy) return { data: { values: rows }, ...spec };
  return {
    data: { values: rows },
    facet: { field: "facet", type: "nominal", title: facetBy },
    columns: 3,
    spec,
    resolve: { scale: { y: "independent" } },
  };
}

/**
 * The Vega-Lite spec of a plot over `runs`, or null when there is nothing to draw.
 *
 * @example
 * ```ts
 * import { plotSpec } from "@normbench/normbench";
 * console.assert(plotSpec({ kind: "bar", id: "b", title: "t", metric: "m", groupBy: "norm" }, []) === null);
 * ```
 */
export function plotSpec(plot: PlotSpec, runs: RunRecord[]): VegaLiteSpec | null {
  const chosen = selectRuns(runs, plot.where);
  if (chosen.length === 0) return null;
  const color = { field: "group", type: "nominal", title: plot.groupBy };
  if (plot.kind === "curve") {
    const rows: Row[] = [];
    for (
      const [key, group] of groupRuns(chosen, [plot.facetBy ?? "", plot.groupBy].filter(Boolean))
    ) {
      const facet = plot.facetBy ? label(group[0], plot.facetBy) : "";
      for (const p of curveRows(group, plot.curve, Boolean(plot.logY))) {
        rows.push({ group: label(group[0], plot.groupBy), facet, key, ...p });
      }
    }
    if (rows.length === 0) return null;
    const yScale = plot.logY ? { type: "log" } : { zero: false };
    const spec = {
      width: WIDTH,
      height: HEIGHT,
      layer: [
        {
          mark: { type: "area", opacity: 0.2 },
          encoding: {
            x: { field: "x", type: "quantitative", title: plot.xTitle ?? "step" },
            y: {
              field: "low",
              type: "quantitative",
              scale: yScale,
              title: plot.yTitle ?? plot.curve,
            },
            y2: { field: "high" },
            color,
          },
        },
        {
          mark: { type: "line", strokeWidth: 1.5 },
          encoding: {
            x: { field: "x", type: "quantitative" },
            y: { field: "mean", type: "quantitative" },
            color,
          },
        },
        ...referenceLayers(plot.reference),
      ],
    };
    return { title: plot.title, ...facetWrap(spec, plot.facetBy, rows) } as VegaLiteSpec;
  }
  if (plot.kind === "rate-curve") return rateCurveSpec(plot, chosen);
  if (plot.kind === "metric-curve") return metricCurveSpec(plot, chosen);
  const rows: Row[] = [];
  for (const [, group] of groupRuns(chosen, [plot.facetBy ?? "", plot.groupBy].filter(Boolean))) {
    const base = { group: label(group[0], plot.groupBy), facet: label(group[0], plot.facetBy) };
    if (plot.kind === "bar") {
      const values = metricValues(group, plot.metric);
      if (values.length === 0) continue;
      const m = mean(values);
      const s = values.length > 1 ? std(values) : 0;
      rows.push({ ...base, value: m, low: m - s, high: m + s, n: values.length });
    } else {
      const k = group.filter((r) => r.output.collapse).length;
      const w = wilsonInterval(k, group.length);
      rows.push({ ...base, value: w.rate, low: w.low, high: w.high, n: group.length });
    }
  }
  if (rows.length === 0) return null;
  const yTitle = plot.kind === "bar" ? plot.yTitle ?? plot.metric : "collapse rate (Wilson 95%)";
  const spec = {
    width: Math.max(160, 36 * new Set(rows.map((r) => r.group)).size),
    height: HEIGHT,
    layer: [
      {
        mark: { type: "bar" },
        encoding: {
          x: { field: "group", type: "nominal", title: plot.groupBy, sort: null },
          y: {
            field: "value",
            type: "quantitative",
            title: yTitle,
            ...(plot.kind === "rate" ? { scale: { domain: [0, 1] } } : {}),
          },
          color: { ...color, legend: null },
        },
      },
      {
        mark: { type: "rule", strokeWidth: 1.5 },
        encoding: {
          x: { field: "group", type: "nominal", sort: null },
          y: { field: "low", type: "quantitative" },
          y2: { field: "high" },
        },
      },
      ...(plot.kind === "bar" ? referenceLayers(plot.reference) : []),
    ],
  };
  return { title: plot.title, ...facetWrap(spec, plot.facetBy, rows) } as VegaLiteSpec;
}

/** A dashed horizontal line with its label (a reference level), or nothing. */
function referenceLayers(reference: { value: number; label: string } | undefined): unknown[] {
  if (!reference) return [];
  return [
    {
      mark: { type: "rule", strokeDash: [4, 3], color: "#444" },
      encoding: { y: { datum: reference.value } },
    },
    {
      mark: { type: "text", align: "left", dx: 4, dy: -6, fontSize: 10, color: "#444" },
      encoding: {
        x: { value: 0 },
        y: { datum: reference.value },
        text: { value: reference.label },
      },
    },
  ];
}

/** Collapse rate against a swept label, with Wilson 95% bands, per group (and facet). */
/** A plot over a swept label: one row per (facet, group, value of `over`) from `stat`. */
function sweptRows(
  plot: { over: string; groupBy: string; facetBy?: string },
  runs: RunRecord[],
  stat: (group: RunRecord[]) => { value: number; low: number; high: number } | null,
): Row[] {
  const rows: Row[] = [];
  const keys = [plot.facetBy ?? "", plot.groupBy, plot.over].filter(Boolean);
  for (const [, group] of groupRuns(runs, keys)) {
    const at = Number(group[0].labels[plot.over]);
    const s = Number.isFinite(at) ? stat(group) : null;
    if (!s) continue;
    rows.push({
      group: label(group[0], plot.groupBy),
      facet: label(group[0], plot.facetBy),
      x: at,
      ...s,
      n: group.length,
    });
  }
  return rows;
}

/** The spec of a swept plot: a log x axis, a colour per group, the given layers. */
function sweptSpec(
  plot: { title: string; over: string; groupBy: string; facetBy?: string; xTitle?: string },
  rows: Row[],
  layers: (x: unknown, color: unknown) => unknown[],
): VegaLiteSpec {
  const color = { field: "group", type: "nominal", title: plot.groupBy };
  const x = {
    field: "x",
    type: "quantitative",
    scale: { type: "log" },
    title: plot.xTitle ?? plot.over,
  };
  const spec = { width: WIDTH, height: HEIGHT, layer: layers(x, color) };
  return { title: plot.title, ...facetWrap(spec, plot.facetBy, rows) } as VegaLiteSpec;
}

function metricCurveSpec(
  plot: Extract<PlotSpec, { kind: "metric-curve" }>,
  runs: RunRecord[],
): VegaLiteSpec | null {
  const rows = sweptRows(plot, runs, (group) => {
    const values = metricValues(group, plot.metric);
    if (values.length === 0) return null;
    const m = mean(values);
    const s = values.length > 1 ? std(values) : 0;
    return { value: m, low: m - s, high: m + s };
  });
  if (rows.length === 0) return null;
  const y = {
    field: "value",
    type: "quantitative",
    scale: { zero: false },
    title: plot.yTitle ?? `${plot.metric} (mean ± std over seeds)`,
  };
  return sweptSpec(plot, rows, (x, color) => [
    { mark: { type: "line", point: true, strokeWidth: 1.5 }, encoding: { x, y, color } },
    {
      mark: { type: "rule", strokeWidth: 1.5 },
      encoding: { x, y: { field: "low", type: "quantitative" }, y2: { field: "high" }, color },
    },
  ]);
}

function rateCurveSpec(
  plot: Extract<PlotSpec, { kind: "rate-curve" }>,
  runs: RunRecord[],
): VegaLiteSpec | null {
  const rows = sweptRows(plot, runs, (group) => {
    const w = wilsonInterval(group.filter((r) => r.output.collapse).length, group.length);
    return { value: w.rate, low: w.low, high: w.high };
  });
  if (rows.length === 0) return null;
  return sweptSpec(plot, rows, (x, color) => [
    {
      mark: { type: "area", opacity: 0.15 },
      encoding: {
        x,
        y: {
          field: "low",
          type: "quantitative",
          scale: { domain: [0, 1] },
          title: "collapse rate (Wilson 95%)",
        },
        y2: { field: "high" },
        color,
      },
    },
    {
      mark: { type: "line", point: true, strokeWidth: 1.5 },
      encoding: { x, y: { field: "value", type: "quantitative" }, color },
    },
    {
      mark: { type: "rule", strokeDash: [4, 3], color: "#444" },
      encoding: { y: { datum: 0.2 } },
    },
  ]);
}
