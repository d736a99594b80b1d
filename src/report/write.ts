/**
 * Writing a suite's results (JSON, Markdown, SVG plots) and the overview, each file atomically.
 *
 * @module
 */
import { isSafeSuiteName, parseResultFile, type SuiteResultFile } from "../results/result_file.ts";
import { writeFileAtomic } from "../util/fs.ts";
import { overviewMarkdown, SCALE_CAVEAT, suiteMarkdown } from "./markdown.ts";
import { HEADLINE_PROFILE, PROFILE_NAMES } from "../results/types.ts";
import { plotSpec } from "./plots.ts";
import { renderSvg } from "./svg.ts";
import { adapterRoots, WEBGPU_FOLDER } from "../results/layout.ts";

/**
 * Renders the Markdown report and plots of a results file into `outDir` (as
 * `<suite>.md` and `<suite>.<plot>.svg`); returns the paths written.
 *
 * @example
 * ```ts
 * import { exampleSuite, parseResultFile, renderSuiteReport, reproduce } from "@normbench/normbench";
 * const dir = await Deno.makeTempDir();
 * const options = { profile: "smoke", backend: "cpu", cacheDir: `${dir}/cache`, jobs: 1 } as const;
 * await reproduce({ ...options, suites: [exampleSuite], outDir: dir, progress: false, log() {} });
 * const path = `${dir}/smoke/curve.json`;
 * const file = parseResultFile(await Deno.readTextFile(path), path);
 * const written = await renderSuiteReport(file, await Deno.makeTempDir());
 * console.assert(written.some((p) => p.endsWith("curve.md")));
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
 * Writes a whole-grid results file as `<suite>.json` plus its report into `outDir`. Results of
 * another profile, commit or code version already there are not lost: they are kept as
 * `<suite>.prev.json` and `log` says what was replaced.
 *
 * @example
 * ```ts
 * import { exampleSuite, parseResultFile, reproduce, writeSuiteResults } from "@normbench/normbench";
 * const dir = await Deno.makeTempDir();
 * const options = { profile: "smoke", backend: "cpu", cacheDir: `${dir}/cache`, jobs: 1 } as const;
 * await reproduce({ ...options, suites: [exampleSuite], outDir: dir, progress: false, log() {} });
 * const path = `${dir}/smoke/curve.json`;
 * const file = parseResultFile(await Deno.readTextFile(path), path);
 * const elsewhere = await Deno.makeTempDir();
 * const written = await writeSuiteResults(file, elsewhere);
 * console.assert(written.includes(`${elsewhere}/curve.json`));
 * ```
 */
export async function writeSuiteResults(
  file: SuiteResultFile,
  outDir: string,
  options: { log?: (line: string) => void } = {},
): Promise<string[]> {
  if (!isSafeSuiteName(file.suite.name)) {
    throw new Error(`unsafe suite name ${JSON.stringify(file.suite.name)}`);
  }
  const json = `${outDir}/${file.suite.name}.json`;
  const previous = await readPrevious(json);
  const written: string[] = [];
  if (previous && replacesOther(previous, file)) {
    const kept = `${outDir}/${file.suite.name}.prev.json`;
    await Deno.rename(json, kept);
    written.push(kept);
    options.log?.(
      `normbench: ${json} held ${describeOrigin(previous)}; replaced by ${
        describeOrigin(file)
      } (the previous file is kept as ${kept})`,
    );
  }
  await writeFileAtomic(json, JSON.stringify(file, null, 1) + "\n");
  return [...written, json, ...(await renderSuiteReport(file, outDir))];
}

/** The results file already at `path`, if it is one (anything else is simply replaced). */
async function readPrevious(path: string): Promise<SuiteResultFile | null> {
  try {
    return parseResultFile(await Deno.readTextFile(path), path);
  } catch {
    return null;
  }
}

/** Whether `next` replaces results of another profile, commit or code version. */
function replacesOther(previous: SuiteResultFile, next: SuiteResultFile): boolean {
  return previous.profile !== next.profile ||
    previous.provenance.codeVersion !== next.provenance.codeVersion ||
    previous.provenance.gitCommit !== next.provenance.gitCommit;
}

function describeOrigin(f: SuiteResultFile): string {
  return `profile ${f.profile}, commit ${f.provenance.gitCommit?.slice(0, 10) ?? "unknown"}, ` +
    `code ${f.provenance.codeVersion}`;
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
 * import { exampleSuite, parseResultFile, reproduce, writeOverview } from "@normbench/normbench";
 * const dir = await Deno.makeTempDir();
 * const options = { profile: "smoke", backend: "cpu", cacheDir: `${dir}/cache`, jobs: 1 } as const;
 * await reproduce({ ...options, suites: [exampleSuite], outDir: dir, progress: false, log() {} });
 * const path = `${dir}/smoke/curve.json`;
 * const file = parseResultFile(await Deno.readTextFile(path), path);
 * const overview = await writeOverview(`${dir}/smoke`);
 * console.assert((await Deno.readTextFile(overview)).includes(`| ${file.suite.name} | smoke |`));
 * ```
 */
export async function writeOverview(outDir: string, order: string[] = []): Promise<string> {
  const path = `${outDir}/README.md`;
  await writeFileAtomic(path, overviewMarkdown(await readResultFiles(outDir, order)));
  return path;
}

/**
 * Writes `<root>/README.md`: the index of the profiles whose results lie under `root`
 * (`<root>/<profile>/`), each with its claims overview; the headline profile first. Profiles are
 * never mixed in one table.
 *
 * @example
 * ```ts
 * import { writeProfileIndex } from "@normbench/normbench";
 * const root = await Deno.makeTempDir();
 * console.assert((await writeProfileIndex(root)).endsWith("README.md"));
 * ```
 */
export async function writeProfileIndex(root: string): Promise<string> {
  const lines = ["# normbench results", "", SCALE_CAVEAT, ""];
  const present: string[] = [];
  for (
    const profile of [
      HEADLINE_PROFILE,
      ...PROFILE_NAMES.filter((p) => p !== HEADLINE_PROFILE),
    ]
  ) {
    const files = await readResultFiles(`${root}/${profile}`);
    if (files.length === 0) continue;
    present.push(profile);
    const runs = files.reduce((a, f) => a + f.runs.length + f.tuning.length, 0);
    const what = profile === HEADLINE_PROFILE
      ? "the headline: every accuracy claim at convergence, ≥ 5 seeds"
      : profile === "quick"
      ? "the default of `reproduce`: a miniature, honest about its power"
      : "the tests' profile: seconds, no verdict means anything";
    lines.push(
      `- [${profile}](${profile}/README.md) — ${what}; ${files.length} suites, ${runs} runs.`,
    );
  }
  const adapters: { slug: string; profiles: string[] }[] = [];
  for (const a of await adapterRoots(root)) {
    const profiles: string[] = [];
    for (const p of PROFILE_NAMES) {
      if ((await readResultFiles(`${a.dir}/${p}`)).length) profiles.push(p);
    }
    if (profiles.length) adapters.push({ ...a, profiles });
  }
  if (present.length === 0 && adapters.length === 0) {
    lines.push("No suite has been run yet: `deno task reproduce`.");
  }
  if (adapters.length) {
    lines.push(
      "",
      "## Measured on hardware WebGPU adapters",
      "",
      "Results of runs on a GPU, one folder per adapter, kept apart from the CPU results above:",
      "",
    );
    for (const a of adapters) {
      lines.push(
        `- [${a.slug}](${WEBGPU_FOLDER}/${a.slug}/README.md) — ${
          a.profiles.map((p) => `[${p}](${WEBGPU_FOLDER}/${a.slug}/${p}/README.md)`).join(", ")
        }`,
      );
    }
  }
  lines.push("");
  const path = `${root}/README.md`;
  await writeFileAtomic(path, lines.join("\n"));
  return path;
}
