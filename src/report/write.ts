/**
 * Writing a suite's results (JSON, Markdown, SVG plots) and the overview, each file atomically.
 *
 * @module
 */
import { parseResultFile, type SuiteResultFile } from "../suite/result_file.ts";
import { writeFileAtomic } from "../util/fs.ts";
import { overviewMarkdown, suiteMarkdown } from "./markdown.ts";
import { plotSpec } from "./plots.ts";
import { renderSvg } from "./svg.ts";

/**
 * Renders the Markdown report and plots of a results file into `outDir` (as
 * `<suite>.md` and `<suite>.<plot>.svg`); returns the paths written.
 *
 * @example
 * ```ts
 * import { renderSuiteReport } from "@normbench/normbench";
 * console.assert(typeof renderSuiteReport === "function");
 * ```
 */
export async function renderSuiteReport(file: SuiteResultFile, outDir: string): Promise<string[]> {
  const written: string[] = [];
  const plotIds: string[] = [];
  for (const plot of file.suite.plots) {
    const spec = plotSpec(plot, file.runs);
    if (!spec) continue;
    const path = `${outDir}/${file.suite.name}.${plot.id}.svg`;
    await writeFileAtomic(path, await renderSvg(spec));
    written.push(path);
    plotIds.push(plot.id);
  }
  const md = `${outDir}/${file.suite.name}.md`;
  await writeFileAtomic(md, suiteMarkdown(file, plotIds));
  written.push(md);
  return written;
}

/**
 * Writes a whole-grid results file as `<suite>.json` plus its report into `outDir`.
 *
 * @example
 * ```ts
 * import { writeSuiteResults } from "@normbench/normbench";
 * console.assert(typeof writeSuiteResults === "function");
 * ```
 */
export async function writeSuiteResults(file: SuiteResultFile, outDir: string): Promise<string[]> {
  const json = `${outDir}/${file.suite.name}.json`;
  await writeFileAtomic(json, JSON.stringify(file, null, 1) + "\n");
  return [json, ...(await renderSuiteReport(file, outDir))];
}

/**
 * The whole-grid results files in `outDir` (`<suite>.json`; shard files are left out), in the
 * order of `order` (suite names), then the rest by name.
 *
 * @example
 * ```ts
 * import { readResultFiles } from "@normbench/normbench";
 * console.assert((await readResultFiles("/nonexistent")).length === 0);
 * ```
 */
export async function readResultFiles(
  outDir: string,
  order: string[] = [],
): Promise<SuiteResultFile[]> {
  const files: SuiteResultFile[] = [];
  try {
    for await (const e of Deno.readDir(outDir)) {
      if (!e.isFile || !/^[a-z0-9_-]+\.json$/i.test(e.name)) continue;
      const path = `${outDir}/${e.name}`;
      files.push(parseResultFile(await Deno.readTextFile(path), path));
    }
  } catch (err) {
    if (!(err instanceof Deno.errors.NotFound)) throw err;
  }
  const rank = (name: string) => {
    const i = order.indexOf(name);
    return i < 0 ? order.length : i;
  };
  return files.sort((a, b) =>
    rank(a.suite.name) - rank(b.suite.name) || a.suite.name.localeCompare(b.suite.name)
  );
}

/**
 * Rewrites `<outDir>/README.md`, the overview of every results file in `outDir`.
 *
 * @example
 * ```ts
 * import { writeOverview } from "@normbench/normbench";
 * console.assert(typeof writeOverview === "function");
 * ```
 */
export async function writeOverview(outDir: string, order: string[] = []): Promise<string> {
  const path = `${outDir}/README.md`;
  await writeFileAtomic(path, overviewMarkdown(await readResultFiles(outDir, order)));
  return path;
}
