/**
 * The Markdown report of one suite and the overview of all of them, from results files alone.
 *
 * @module
 */
import { mean, std } from "../metrics/stats.ts";
import type { SuiteResultFile } from "../suite/result_file.ts";
import type { ClaimOutcome } from "./verdict.ts";
import { evaluateClaim } from "./verdict.ts";
import { collapseCount, groupRuns, metricValues, selectRuns } from "./select.ts";
import type { RunRecord, TableSpec } from "../suite/types.ts";

/**
 * Plain statement of what our scale can and cannot say, printed once in the overview.
 *
 * @example
 * ```ts
 * import { SCALE_CAVEAT } from "@normbench/normbench";
 * console.assert(SCALE_CAVEAT.includes("direction"));
 * ```
 */
export const SCALE_CAVEAT: string =
  "Every number here comes from models and data sets far smaller than the papers' (a 2-core CPU " +
  "stands in for 8 GPUs; Fashion-MNIST for ImageNet; a Spanish→English Bible for IWSLT14; the Brown " +
  "corpus for PTB/WikiText-103), trained for a few thousand steps rather than 100k updates, with " +
  "every step-count constant of UN, PowerNorm and RepBN scaled to the run (see each report). " +
  "Absolute values are therefore not comparable with the papers'; what is tested is the *direction* " +
  "of each claim — parity, better, worse, collapses more — under a stated rule. A verdict is about " +
  "this scale and this runtime, not a verdict on the paper.";

/**
 * Formats a number with `digits` decimals; NaN/∞ as "—".
 *
 * @example
 * ```ts
 * import { fmt } from "@normbench/normbench";
 * console.assert(fmt(1.234, 1) === "1.2" && fmt(NaN) === "—");
 * ```
 */
export function fmt(x: number, digits = 2): string {
  return Number.isFinite(x) ? x.toFixed(digits) : "—";
}

function meanStd(values: number[], digits: number): string {
  if (values.length === 0) return "—";
  const m = mean(values);
  return values.length > 1
    ? `${fmt(m, digits)} ± ${fmt(std(values), digits)}`
    : `${fmt(m, digits)}`;
}

function escape(text: string): string {
  return text.replaceAll("|", "\\|").replaceAll("\n", " ");
}

/**
 * Every claim of a results file, decided.
 *
 * @example
 * ```ts
 * import { claimOutcomes, readResultFiles } from "@normbench/normbench";
 * for (const file of await readResultFiles("results")) console.log(claimOutcomes(file).map((o) => o.verdict));
 * ```
 */
export function claimOutcomes(file: SuiteResultFile): ClaimOutcome[] {
  return file.suite.claims.map((c) => evaluateClaim(c, file.runs));
}

/**
 * "mean ± std (n)" of a claim side, or the rate for collapse claims.
 *
 * @example
 * ```ts
 * import { evaluateClaim, oursText } from "@normbench/normbench";
 * const o = evaluateClaim({ id: "x", claim: "c", source: "s", paper: "p", metric: "m", higherIsBetter: true,
 *   a: { norm: "un" }, b: { norm: "ln" }, test: { kind: "better" } }, []);
 * console.assert(oursText(o) === "— vs —");
 * ```
 */
export function oursText(o: ClaimOutcome): string {
  if (o.spec.test.kind === "collapses-more") {
    const b = o.b ? `, vs ${o.b.collapsed}/${o.b.runs}` : "";
    return `${o.a.collapsed}/${o.a.runs} collapsed${b}`;
  }
  const side = (s: ClaimOutcome["a"]) =>
    s.n === 0 ? "—" : `${fmt(s.mean)}${s.n > 1 ? ` ± ${fmt(s.std)}` : ""} (n=${s.n})`;
  return o.b ? `${side(o.a)} vs ${side(o.b)}` : side(o.a);
}

/**
 * "Δ [low, high]" of a claim.
 *
 * @example
 * ```ts
 * import { deltaText, evaluateClaim } from "@normbench/normbench";
 * const o = evaluateClaim({ id: "x", claim: "c", source: "s", paper: "p", metric: "m", higherIsBetter: true,
 *   a: { norm: "un" }, b: { norm: "ln" }, test: { kind: "better" } }, []);
 * console.assert(deltaText(o) === "—");
 * ```
 */
export function deltaText(o: ClaimOutcome): string {
  const { value, low, high } = o.estimate;
  const ci = Number.isFinite(low) && Number.isFinite(high) ? ` [${fmt(low)}, ${fmt(high)}]` : "";
  return `${fmt(value)}${ci}`;
}

/** Rows of a results table: groups of runs, their counts and the metrics' mean ± std. */
function resultsTable(runs: RunRecord[], table: TableSpec, counts: boolean): string[] {
  const { groupBy, metrics } = table;
  const head = [
    ...groupBy,
    ...(counts ? ["runs", "collapsed"] : []),
    ...metrics.map((m) => m.title),
  ];
  if (counts) head.push("wall s/run");
  const lines = [`| ${head.join(" | ")} |`, `|${Array(head.length).fill("---").join("|")}|`];
  for (const [, group] of groupRuns(runs, groupBy)) {
    const cells = groupBy.map((k) => String(group[0].labels[k]));
    if (counts) cells.push(String(group.length), String(collapseCount(group)));
    for (const m of metrics) cells.push(meanStd(metricValues(group, m.key), m.digits ?? 2));
    if (counts) cells.push(fmt(mean(group.map((r) => r.wallMs / 1000)), 1));
    lines.push(`| ${cells.join(" | ")} |`);
  }
  return lines;
}

/**
 * The Markdown report of a suite; plot images are referenced as `<suite>.<plot id>.svg`.
 *
 * @example
 * ```ts
 * import { suiteMarkdown } from "@normbench/normbench";
 * console.assert(typeof suiteMarkdown === "function");
 * ```
 */
export function suiteMarkdown(file: SuiteResultFile, plotIds: string[]): string {
  const s = file.suite;
  const p = file.provenance;
  const lines: string[] = [];
  lines.push(`# ${s.title}`, "");
  lines.push(
    `Suite \`${s.name}\`, profile \`${file.profile}\`, ${file.runs.length} runs. Written by ` +
      `\`normbench\` at commit \`${p.gitCommit ?? "unknown"}\`${
        p.gitDirty ? " (with local changes)" : ""
      }, ` +
      `code ${p.codeVersion}, on ${p.backend?.name ?? "?"} (${p.backend?.adapter ?? "?"}; ` +
      `${p.backend?.cpu ?? "?"}, ${
        p.backend?.cores ?? "?"
      } cores), Deno ${p.deno}, tfjs ${p.tfjs}. ` +
      `Regenerate: \`deno task reproduce ${s.name} --profile ${file.profile}\`; rebuild this page from ` +
      `the JSON: \`deno task normbench report\`.`,
    "",
  );
  lines.push(
    "## Setting",
    "",
    `- **Paper:** ${s.setting.paper}`,
    `- **Ours:** ${s.setting.ours}`,
    "",
  );
  const outcomes = claimOutcomes(file);
  if (outcomes.length) {
    lines.push("## Claims", "");
    lines.push("| claim | paper | ours (mean ± std, n) | Δ [95% CI] | verdict | rule |");
    lines.push("|---|---|---|---|---|---|");
    for (const o of outcomes) {
      lines.push(
        `| ${escape(o.spec.claim)} | ${escape(o.spec.paper)} | ${escape(oursText(o))} | ` +
          `${deltaText(o)} | **${o.verdict}** | ${escape(o.rule)} |`,
      );
    }
    lines.push("");
  }
  lines.push("## Results", "");
  lines.push(...resultsTable(file.runs, s.table, true), "");
  for (const t of s.tables ?? []) {
    lines.push(`### ${t.title}`, "", ...resultsTable(selectRuns(file.runs, t.where), t, false), "");
  }
  const collapsed = file.runs.filter((r) => r.output.collapse);
  if (collapsed.length) {
    lines.push("Collapsed runs (why and when):", "");
    for (const r of collapsed) {
      lines.push(`- \`${r.id}\`: ${r.output.collapse!.reason} at step ${r.output.collapse!.step}`);
    }
    lines.push("");
  }
  if (file.checks.length) {
    lines.push("## Checks", "");
    for (const c of file.checks) lines.push(`- ${c.ok ? "✅" : "❌"} ${c.check} — ${c.detail}`);
    lines.push("");
  }
  if (plotIds.length) {
    lines.push("## Plots", "");
    for (const id of plotIds) {
      const plot = s.plots.find((pl) => pl.id === id)!;
      lines.push(`![${plot.title}](${s.name}.${id}.svg)`, "");
    }
  }
  if (s.notes.length) {
    lines.push("## Method and caveats", "");
    for (const n of s.notes) lines.push(n, "");
  }
  lines.push("## Verdict rules", "");
  lines.push(
    "Each claim compares the runs selected on its two sides. Intervals are 95%: Welch's t for a " +
      "difference of means, Student's t for one mean, Newcombe's hybrid score for a difference of " +
      "collapse rates. Runs that collapsed contribute no metric value; they are counted apart. " +
      "With fewer than two values on a side the interval is unbounded and the verdict inconclusive.",
    "",
  );
  return lines.join("\n");
}

/**
 * The overview (`results/README.md`): one row per paper claim across every suite.
 *
 * @example
 * ```ts
 * import { overviewMarkdown } from "@normbench/normbench";
 * console.assert(overviewMarkdown([]).includes("# normbench results"));
 * ```
 */
export function overviewMarkdown(files: SuiteResultFile[]): string {
  const lines: string[] = ["# normbench results", ""];
  lines.push(SCALE_CAVEAT, "");
  if (files.length === 0) {
    lines.push("No suite has been run yet: `deno task reproduce`.");
    return lines.join("\n") + "\n";
  }
  lines.push(claimsTableMarkdown(files, { linkPrefix: "" }));
  lines.push(
    "## Wall time",
    "",
    "| suite | profile | runs | elapsed (min) | run time (sum over runs, min) | backend |",
    "|---|---|---|---|---|---|",
  );
  let elapsed = 0;
  for (const f of files) {
    const sum = f.runs.reduce((a, r) => a + r.wallMs, 0) / 60000;
    elapsed += (f.elapsedMs ?? NaN) / 60000;
    lines.push(
      `| ${f.suite.name} | ${f.profile} | ${f.runs.length} | ${
        fmt((f.elapsedMs ?? NaN) / 60000, 1)
      } | ${fmt(sum, 1)} | ${f.provenance.backend?.name ?? "?"} |`,
    );
  }
  lines.push(
    `| **all** | | ${files.reduce((a, f) => a + f.runs.length, 0)} | ${fmt(elapsed, 1)} | | |`,
  );
  lines.push(
    "",
    "Elapsed is the wall-clock time of the suite's last uninterrupted `reproduce` (— when it was " +
      "resumed from cached runs or merged from shards); the run-time sum counts every run once.",
    "",
  );
  return lines.join("\n");
}

/** Options of {@linkcode claimsTableMarkdown}. */
export interface ClaimsTableOptions {
  /** Prefix of the links to each suite's report, e.g. `"results/"` from the project root. */
  linkPrefix?: string;
}

/**
 * The table of every paper claim across suites, with the verdict counts below it.
 *
 * @example
 * ```ts
 * import { claimsTableMarkdown } from "@normbench/normbench";
 * console.assert(claimsTableMarkdown([]).includes("| suite | claim |"));
 * ```
 */
export function claimsTableMarkdown(
  files: SuiteResultFile[],
  options: ClaimsTableOptions = {},
): string {
  const prefix = options.linkPrefix ?? "";
  const lines: string[] = [];
  const profiles = [...new Set(files.map((f) => f.profile))].join(", ");
  const commits = [...new Set(files.map((f) => f.provenance.gitCommit ?? "unknown"))].join(", ");
  lines.push(
    `Profile: ${profiles || "—"}. Commit: ${commits || "—"}. Regenerate everything with ` +
      "`deno task reproduce`; rebuild the pages from the JSON with `deno task normbench report`.",
    "",
  );
  lines.push(
    "| suite | claim | source | paper | ours (mean ± std, n) | Δ [95% CI] | verdict | rule |",
  );
  lines.push("|---|---|---|---|---|---|---|---|");
  const counts = { reproduced: 0, "not reproduced": 0, inconclusive: 0 };
  for (const f of files) {
    for (const o of claimOutcomes(f)) {
      counts[o.verdict]++;
      lines.push(
        `| [${f.suite.name}](${prefix}${f.suite.name}.md) | ${escape(o.spec.claim)} | ${
          escape(o.spec.source)
        } | ${escape(o.spec.paper)} | ${escape(oursText(o))} | ${
          deltaText(o)
        } | **${o.verdict}** | ` +
          `${escape(o.rule)} |`,
      );
    }
  }
  lines.push("");
  lines.push(
    `Verdicts: ${counts.reproduced} reproduced, ${counts["not reproduced"]} not reproduced, ` +
      `${counts.inconclusive} inconclusive.`,
    "",
  );
  return lines.join("\n");
}

/** The markers between which {@linkcode spliceResults} writes. */
export const RESULTS_MARKERS = ["<!-- results:begin -->", "<!-- results:end -->"] as const;

/**
 * Replaces what lies between the results markers of a Markdown text with `block`.
 * Throws when the markers are missing or out of order.
 *
 * @example
 * ```ts
 * import { spliceResults } from "@normbench/normbench";
 * const text = "# x\n<!-- results:begin -->\nold\n<!-- results:end -->\n";
 * console.assert(spliceResults(text, "new").includes("\nnew\n"));
 * ```
 */
export function spliceResults(text: string, block: string): string {
  const [begin, end] = RESULTS_MARKERS;
  const i = text.indexOf(begin);
  const j = text.indexOf(end);
  if (i < 0 || j < i) {
    throw new Error(
      `no "${begin}" … "${end}" markers in the file: add them, in that order, where the results go`,
    );
  }
  return text.slice(0, i + begin.length) + "\n\n" + block.trim() + "\n\n" + text.slice(j);
}
