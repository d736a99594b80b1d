/**
 * Rendering Vega-Lite specifications to SVG, headless.
 *
 * @module
 */
import * as vega from "vega";
import * as vl from "vega-lite";

/** A Vega-Lite specification (top level). */
export type VegaLiteSpec = vl.TopLevelSpec;

/**
 * Renders a Vega-Lite spec to an SVG string (no browser, no canvas: text widths are estimated).
 *
 * @example
 * ```ts
 * import { renderSvg } from "@normbench/normbench";
 * const svg = await renderSvg({
 *   data: { values: [{ x: 1, y: 2 }, { x: 2, y: 3 }] },
 *   mark: "line",
 *   encoding: { x: { field: "x", type: "quantitative" }, y: { field: "y", type: "quantitative" } },
 * });
 * console.assert(svg.startsWith("<svg"));
 * ```
 */
export async function renderSvg(spec: VegaLiteSpec): Promise<string> {
  const compiled = vl.compile(spec).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: "none" });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}
