/**
 * The Markdown report of one suite and the overview of all of them, from results files alone.
 *
 * @module
 */
import { mean, std } from "../metrics/stats.ts";
import type { SuiteResultFile } from "../results/result_file.ts";
import type { ClaimOutcome } from "./verdict.ts";
import { evaluateClaim, holmAdjust, referenceStatus } from "./verdict.ts";
import { collapseCount, groupRuns, metricValues, selectRuns } from "./select.ts";
import type { RunRecord, TableSpec, Verdict } from "../results/types.ts";

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
 * for (const file of await readResultFiles("results/standard")) console.log(claimOutcomes(file).map((o) => o.verdict));
 * ```
 */
export function claimOutcomes(file: SuiteResultFile): ClaimOutcome[] {
  const references = file.suite.references ?? [];
  return holmAdjust(file.suite.claims.map((c) => evaluateClaim(c, file.runs, references)));
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
  if (o.spec.test.kind === "wider-stable-range") {
    const c = o.compared;
    const where = c
      ? `at ${o.spec.test.over} ${c.at}, where the first breaks: ${c.baseline[0]}/${
        c.baseline[1]
      } (baseline) vs ${c.claim[0]}/${c.claim[1]} (claim side) collapsed; `
      : "";
    return `${where}rate(baseline) − rate(claim side) ${fmt(o.estimate.value)} (${
      o.b?.runs ?? 0
    } vs ${o.a.runs} runs in the sweep)`;
  }
  const side = (s: ClaimOutcome["a"]) =>
    s.n === 0
      ? "—"
      : `${fmt(s.mean)}${s.n > 1 ? ` ± ${fmt(s.std)}` : ""} (n=${s.n}${
        s.collapsed ? `, ${s.collapsed} collapsed at chance` : ""
      })`;
  const ours = o.b ? `${side(o.a)} vs ${side(o.b)}` : side(o.a);
  const proxies = o.proxies.map((p) => `${p.label} ${fmt(p.mean)} (n=${p.n})`);
  return proxies.length ? `${ours}; deterministic: ${proxies.join(", ")}` : ours;
}

/**
 * The verdict cell of a claim: the verdict, and why when it is `underpowered`.
 *
 * @example
 * ```ts
 * import { evaluateClaim, verdictText } from "@normbench/normbench";
 * const o = evaluateClaim({ id: "x", claim: "x", source: "", paper: "", metric: "m",
 *   higherIsBetter: true, a: { norm: "a" }, b: { norm: "b" }, test: { kind: "better" } }, []);
 * console.assert(verdictText(o) === "**inconclusive**");
 * ```
 */
export function verdictText(o: ClaimOutcome): string {
  return `**${o.verdict}**${o.reason ? ` (${o.reason})` : ""}`;
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
  const text = (e: { value: number; low: number; high: number }) => {
    const ci = Number.isFinite(e.low) && Number.isFinite(e.high)
      ? ` [${fmt(e.low)}, ${fmt(e.high)}]`
      : "";
    return `${fmt(e.value)}${ci}`;
  };
  const p = o.p === null ? "" : `, p ${o.p < 0.001 ? "< 0.001" : fmt(o.p, 3)}`;
  const survivors = o.survivors ? `; survivors only ${text(o.survivors)}` : "";
  return `${text(o.estimate)}${p}${survivors}`;
}

/** The claim cell: the claim and the setting it was tested in. */
function claimText(o: ClaimOutcome): string {
  return o.spec.setting ? `${o.spec.claim} — *${o.spec.setting}*` : o.spec.claim;
}

/** What a collapse record's reason says, in two words (the reason's key before its colon). */
const COLLAPSE_KINDS: Record<string, string> = {
  "no-progress": "no progress",
  "loss-stuck": "blew up",
  "non-finite-loss": "non-finite",
  "non-finite-gradient": "non-finite",
};

/** How many runs collapsed, and how, e.g. `7 (4 no progress, 3 blew up)`. */
function collapseText(runs: RunRecord[]): string {
  const kinds = new Map<string, number>();
  for (const r of runs) {
    if (!r.output.collapse) continue;
    const key = r.output.collapse.reason.split(":")[0].trim();
    const kind = COLLAPSE_KINDS[key] ?? key;
    kinds.set(kind, (kinds.get(kind) ?? 0) + 1);
  }
  const n = collapseCount(runs);
  if (n === 0) return "0";
  return `${n} (${[...kinds].map(([k, c]) => `${c} ${k}`).join(", ")})`;
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
    if (counts) cells.push(String(group.length), collapseText(group));
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
 * import { exampleSuite, parseResultFile, reproduce, suiteMarkdown } from "@normbench/normbench";
 * const dir = await Deno.makeTempDir();
 * const options = { profile: "smoke", backend: "cpu", cacheDir: `${dir}/cache`, jobs: 1 } as const;
 * await reproduce({ ...options, suites: [exampleSuite], outDir: dir, progress: false, log() {} });
 * const path = `${dir}/smoke/curve.json`;
 * const file = parseResultFile(await Deno.readTextFile(path), path);
 * const markdown = suiteMarkdown(file, ["loss"]);
 * console.assert(markdown.includes("![Training loss](curve.loss.svg)"));
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
    lines.push(
      "| claim (setting tested) | source | paper | ours (mean ± std, n) | Δ [95% CI], p | verdict | Holm | rule |",
    );
    lines.push("|---|---|---|---|---|---|---|---|");
    for (const o of outcomes) {
      lines.push(
        `| ${escape(claimText(o))} | ${escape(o.spec.source)} | ${escape(o.spec.paper)} | ${
          escape(oursText(o))
        } | ${escape(deltaText(o))} | ${escape(verdictText(o))} | ${o.holm ?? o.verdict} | ${
          escape(o.rule)
        } |`,
      );
    }
    lines.push("");
  }
  const references = referenceStatus(s.references ?? [], file.runs);
  if (references.length) {
    lines.push("## Baselines at their reference level", "");
    lines.push(
      "Claims against a baseline are decided only once it reached its reference level (mean " +
        "over seeds, collapsed runs at chance); otherwise they are `underpowered`.",
      "",
    );
    for (const r of references) {
      const arm = Object.entries(r.reference.arm).map(([k, v]) => `${k} ${v}`).join(", ");
      if (r.n === 0) {
        lines.push(`- ➖ ${arm}: not trained in this profile — ${r.reference.why}`);
        continue;
      }
      lines.push(
        `- ${r.ok ? "✅" : "❌"} ${arm}: ${r.reference.metric} ${fmt(r.reached)} (n=${r.n}) ${
          r.reference.higherIsBetter ? "≥" : "≤"
        } ${r.reference.level} — ${r.reference.why}`,
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
  lines.push(...tuningMarkdown(file));
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
  lines.push("## Verdict rules", "", VERDICT_RULES, "");
  return lines.join("\n");
}

/**
 * How verdicts are reached, as every report states it.
 *
 * @example
 * ```ts
 * import { VERDICT_RULES } from "@normbench/normbench";
 * console.assert(VERDICT_RULES.includes("Holm"));
 * ```
 */
export const VERDICT_RULES: string =
  "Each claim compares the runs selected on its two sides. Intervals are 95%: Welch's t for a " +
  "difference of means, Student's t for one mean, Newcombe's hybrid score for a difference of " +
  "collapse rates. A run that collapsed counts with the chance level of the metric (a collapse " +
  "keeps no accuracy); the survivors-only estimate is shown beside it. p is the rule's interval " +
  "inverted (the rule holds at 95% exactly when p < 0.05). A claim is **underpowered** — neither " +
  "reproduced nor refuted — when its baseline missed its reference level (not converged), or " +
  "when it is undecided with fewer seeds a side than its margin (or smallest effect of interest) " +
  "needs at 80% power with the observed spread. The **Holm** column repeats each decided " +
  "verdict only if its p-value survives Holm's step-down over the suite's claims (family-wise " +
  "5%); otherwise it reads inconclusive.";

/** The tuning section of a report: per decided arm, every candidate and the choice. */
function tuningMarkdown(file: SuiteResultFile): string[] {
  const decided = new Map<string, RunRecord>();
  for (const r of file.runs) {
    if (r.choice && !decided.has(r.choice.chosen)) decided.set(r.choice.chosen, r);
  }
  if (decided.size === 0) return [];
  const lines = [
    "## Choices made on validation data",
    "",
    "Each arm's setting (learning rate, and DyT's α₀ where listed) was chosen on the validation " +
    "split by tuning runs (seed 0 at every candidate); the test set chose nothing. The chosen " +
    "candidate's seed-0 run is also the first measured seed.",
    "",
    "| arm | metric | candidates (setting: value) | chosen |",
    "|---|---|---|---|",
  ];
  for (const r of decided.values()) {
    const c = r.choice!;
    const arm = Object.entries(r.labels).filter(([k]) => k !== "seed")
      .map(([k, v]) => `${k} ${v}`).join(", ");
    const cands = c.candidates.map((x) =>
      `${settingText(x.setting)}: ${x.value === null ? "collapsed" : fmt(x.value)}`
    ).join("; ");
    const chosen = c.candidates.find((x) => x.id === c.chosen);
    lines.push(
      `| ${escape(arm)} | ${c.metric} (${c.higherIsBetter ? "max" : "min"}) | ${escape(cands)} | ${
        escape(settingText(chosen?.setting ?? null))
      } |`,
    );
  }
  lines.push("");
  return lines;
}

function settingText(setting: unknown): string {
  if (setting && typeof setting === "object") {
    return Object.entries(setting as Record<string, unknown>).map(([k, v]) => `${k} ${v}`)
      .join(", ");
  }
  return String(setting);
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
  for (const f of files) {
    const sum = f.runs.reduce((a, r) => a + r.wallMs, 0) / 60000;
    lines.push(
      `| ${f.suite.name} | ${f.profile} | ${f.runs.length} | ${
        fmt((f.elapsedMs ?? NaN) / 60000, 1)
      } | ${fmt(sum, 1)} | ${f.provenance.backend?.name ?? "?"} |`,
    );
  }
  lines.push(
    `| **all** | | ${files.reduce((a, f) => a + f.runs.length, 0)} | ${
      fmt(totalElapsedMs(files) / 60000, 1)
    } | | |`,
  );
  const shared = files.some((f) => f.call);
  lines.push(
    "",
    "Elapsed is the wall-clock time of the suite's last uninterrupted `reproduce` (— when it was " +
      "resumed from cached runs or merged from shards); the run-time sum counts every run once." +
      (shared
        ? " Suites run by one call share the workers (the runs of every suite fill every " +
          "worker, largest first; timing runs alone): a suite's elapsed time is when its last " +
          "run finished, counted from the call's start, and **all** is the call's wall clock."
        : ""),
    "",
  );
  return lines.join("\n");
}

/**
 * The wall clock of the calls that wrote `files`: one call's is its last suite's elapsed time
 * (suites of a call run side by side), separate calls add up; NaN when any file has none.
 */
function totalElapsedMs(files: SuiteResultFile[]): number {
  const calls = new Map<string, number>();
  let alone = 0;
  for (const f of files) {
    const ms = f.elapsedMs ?? NaN;
    if (f.call) calls.set(f.call.startedAt, Math.max(calls.get(f.call.startedAt) ?? 0, ms));
    else alone += ms;
  }
  return [...calls.values()].reduce((a, b) => a + b, alone);
}

/** Options of {@linkcode claimsTableMarkdown}. */
export interface ClaimsTableOptions {
  /** Prefix of the links to each suite's report, e.g. `"results/standard/"` from the project root. */
  linkPrefix?: string;
}

/**
 * The table of every paper claim across suites, with the verdict counts below it.
 *
 * @example
 * ```ts
 * import { claimsTableMarkdown } from "@normbench/normbench";
 * console.assert(claimsTableMarkdown([]).includes("| suite | claim (setting tested) |"));
 * ```
 */
export function claimsTableMarkdown(
  files: SuiteResultFile[],
  options: ClaimsTableOptions = {},
): string {
  const prefix = options.linkPrefix ?? "";
  const lines: string[] = [];
  const profileSet = new Set(files.map((f) => f.profile));
  if (profileSet.size > 1) {
    throw new Error(
      `results of different profiles (${[...profileSet].join(", ")}) cannot share one table: ` +
        "each profile has its own folder (results/<profile>/)",
    );
  }
  const profiles = [...profileSet].join(", ");
  const commits = [...new Set(files.map((f) => f.provenance.gitCommit ?? "unknown"))].join(", ");
  lines.push(
    `Profile: ${profiles || "—"}. Commit: ${commits || "—"}. Regenerate everything with ` +
      "`deno task reproduce`; rebuild the pages from the JSON with `deno task normbench report`.",
    "",
  );
  lines.push(
    "| suite | claim (setting tested) | source | paper | ours (mean ± std, n) | Δ [95% CI], p | verdict | Holm | rule |",
  );
  lines.push("|---|---|---|---|---|---|---|---|---|");
  const counts: Record<Verdict, number> = {
    reproduced: 0,
    "not reproduced": 0,
    inconclusive: 0,
    underpowered: 0,
  };
  const holm: Record<Verdict, number> = { ...counts };
  for (const f of files) {
    for (const o of claimOutcomes(f)) {
      counts[o.verdict]++;
      holm[o.holm ?? o.verdict]++;
      lines.push(
        `| [${f.suite.name}](${prefix}${f.suite.name}.md) | ${escape(claimText(o))} | ${
          escape(o.spec.source)
        } | ${escape(o.spec.paper)} | ${escape(oursText(o))} | ${escape(deltaText(o))} | ${
          escape(verdictText(o))
        } | ${o.holm ?? o.verdict} | ${escape(o.rule)} |`,
      );
    }
  }
  lines.push("");
  const tally = (c: Record<Verdict, number>) =>
    `${c.reproduced} reproduced, ${c["not reproduced"]} not reproduced, ${c.inconclusive} ` +
    `inconclusive, ${c.underpowered} underpowered`;
  lines.push(`Verdicts: ${tally(counts)}. After Holm's adjustment: ${tally(holm)}.`, "");
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
