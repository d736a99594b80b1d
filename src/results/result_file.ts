/**
 * The results file of a suite (`results/<suite>.json`): self-describing, so that reports are
 * rebuilt from it alone, and mergeable, so that shards of a job array add up to one file.
 *
 * @module
 */
import { UsageError } from "../util/errors.ts";
import {
  type CheckResult,
  type ClaimSpec,
  type PlotSpec,
  PROFILE_NAMES,
  type ProfileName,
  type Provenance,
  type Reference,
  type RunRecord,
  type Shard,
  type TableSpec,
} from "./types.ts";

/**
 * Format tag of results files.
 *
 * @example
 * ```ts
 * import { RESULT_FORMAT } from "@normbench/normbench";
 * console.assert(RESULT_FORMAT === "normbench.suite/2");
 * ```
 */
export const RESULT_FORMAT = "normbench.suite/2";

/** The plain-data description of a suite, as stored with its results. */
export interface SuiteDescription {
  /** Registry name. */
  name: string;
  /** Report title. */
  title: string;
  /** The paper's setting and ours. */
  setting: { paper: string; ours: string };
  /** Data sets used. */
  datasets: string[];
  /** Claims tested. */
  claims: ClaimSpec[];
  /** Reference levels of the baselines. */
  references: Reference[];
  /** Plots drawn. */
  plots: PlotSpec[];
  /** Report paragraphs for this profile (scaling rule, recipe, caveats). */
  notes: string[];
  /** Results-table layout. */
  table: TableSpec;
  /** More tables. */
  tables?: (TableSpec & { title: string; where?: Record<string, string | number | boolean> })[];
}

/** A suite's results file. */
export interface SuiteResultFile {
  /** Always {@linkcode RESULT_FORMAT}. */
  format: typeof RESULT_FORMAT;
  /** What was run and how it is judged. */
  suite: SuiteDescription;
  /** The profile. */
  profile: ProfileName;
  /** The shard this file holds, or null for a whole grid. */
  shard: Shard | null;
  /** Where the numbers come from. */
  provenance: Provenance;
  /** Every run id of the grid, in order. */
  expected: string[];
  /** Finished runs (a shard's, or all): the measured runs that claims, tables and plots use. */
  runs: RunRecord[];
  /** Tuning runs (choices made on validation data), reported apart. */
  tuning: RunRecord[];
  /** Checks on the runs (whole grids only). */
  checks: CheckResult[];
  /**
   * Wall-clock time from the start of the `reproduce` call that completed this file to the end
   * of the suite's last run, in ms; null when that call reused cached runs (its time would
   * understate the suite's) and for a merge of shards. Suites of one call share the slots (see
   * `call`), so their times overlap.
   */
  elapsedMs: number | null;
  /**
   * The `reproduce` call that wrote this file, when it ran several suites side by side: its
   * start (ISO time) and the suites that had runs to compute in it. Absent for a call with one
   * suite and for a merge.
   */
  call?: { startedAt: string; suites: string[] };
}

function fail(source: string, what: string): never {
  throw new UsageError(
    `results file ${source}: ${what}`,
    "regenerate it with 'deno task reproduce' (results files are written by the runner only)",
  );
}

/**
 * Whether `name` is a safe suite name: letters, digits, `-` and `_`, starting with a letter or
 * digit — it becomes file names (`<suite>.json`, `<suite>.md`), so it can never leave the results
 * folder.
 *
 * @example
 * ```ts
 * import { isSafeSuiteName } from "@normbench/normbench";
 * console.assert(isSafeSuiteName("vit-mine") && !isSafeSuiteName("../../etc"));
 * ```
 */
export function isSafeSuiteName(name: unknown): boolean {
  return typeof name === "string" && /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/.test(name);
}

type Problem = (what: string) => never;

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

function checkRecord(r: unknown, where: string, bad: Problem): void {
  if (!isObject(r)) bad(`${where} is not an object`);
  if (typeof r.id !== "string" || !r.id) bad(`${where} has no id`);
  const at = `${where} (${r.id})`;
  if (!isObject(r.labels)) bad(`${at} has no labels`);
  for (const [k, v] of Object.entries(r.labels)) {
    if (!["string", "number", "boolean"].includes(typeof v)) bad(`${at}: label ${k} is not plain`);
  }
  if (typeof r.hash !== "string") bad(`${at} has no hash`);
  if (typeof r.wallMs !== "number") bad(`${at} has no wall time`);
  const out = r.output;
  if (!isObject(out) || !isObject(out.metrics)) bad(`${at} has no output metrics`);
  for (const [k, v] of Object.entries(out.metrics)) {
    if (v !== null && (typeof v !== "number" || !Number.isFinite(v))) {
      bad(`${at}: metric ${k} is ${JSON.stringify(v)}, not a finite number or null`);
    }
  }
  for (const [k, v] of Object.entries(isObject(out.chance) ? out.chance : {})) {
    if (typeof v !== "number") bad(`${at}: chance level of ${k} is not a number`);
  }
  if (out.curves !== undefined) {
    if (!isObject(out.curves)) bad(`${at}: curves are not an object`);
    for (const [k, points] of Object.entries(out.curves)) {
      if (
        !Array.isArray(points) ||
        points.some((p) => !isObject(p) || typeof p.x !== "number" || typeof p.y !== "number")
      ) bad(`${at}: curve ${k} is not a list of {x, y} numbers`);
    }
  }
  const c = out.collapse;
  if (c !== undefined && c !== null) {
    if (!isObject(c) || typeof c.step !== "number" || typeof c.reason !== "string") {
      bad(`${at}: collapse is not {step, reason}`);
    }
  }
}

/**
 * Parses and checks a results file against its schema: a file that is not one — wrong format,
 * an unsafe suite name, a run without labels, a metric that is not a number — is one
 * {@linkcode UsageError} naming the file and the problem.
 *
 * @example
 * ```ts
 * import { parseResultFile } from "@normbench/normbench";
 * try { parseResultFile("{}", "x.json"); } catch (err) { console.log((err as Error).message); }
 * ```
 */
export function parseResultFile(text: string, source: string): SuiteResultFile {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    fail(source, `not valid JSON (${(err as Error).message})`);
  }
  const bad: Problem = (what) => fail(source, what);
  if (!isObject(data) || data.format !== RESULT_FORMAT) {
    bad(`not a normbench results file (format must be '${RESULT_FORMAT}')`);
  }
  const f = data as Record<string, unknown>;
  const suite = f.suite;
  if (!isObject(suite)) bad("missing suite");
  if (!isSafeSuiteName(suite.name)) {
    bad(`suite name ${JSON.stringify(suite.name)} is not a safe name (letters, digits, - and _)`);
  }
  for (const key of ["claims", "plots", "notes"] as const) {
    if (!Array.isArray(suite[key])) bad(`suite.${key} is not a list`);
  }
  for (const plot of suite.plots as unknown[]) {
    if (!isObject(plot) || !isSafeSuiteName(plot.id)) {
      bad(`a plot id is not a safe name (it becomes a file name)`);
    }
  }
  if (suite.references !== undefined && !Array.isArray(suite.references)) {
    bad("suite.references is not a list");
  }
  if (!isObject(suite.table)) bad("suite.table is missing");
  if (!(PROFILE_NAMES as readonly unknown[]).includes(f.profile)) {
    bad(`unknown profile ${JSON.stringify(f.profile)}`);
  }
  if (!isObject(f.provenance) || typeof f.provenance.codeVersion !== "string") {
    bad("missing provenance");
  }
  if (!Array.isArray(f.expected) || f.expected.some((id) => typeof id !== "string")) {
    bad("expected is not a list of run ids");
  }
  for (const key of ["runs", "tuning"] as const) {
    const list = f[key];
    if (!Array.isArray(list)) bad(`${key} is not a list`);
    list.forEach((r, i) => checkRecord(r, `${key}[${i}]`, bad));
  }
  if (!Array.isArray(f.checks)) bad("checks is not a list");
  if (f.elapsedMs !== null && typeof f.elapsedMs !== "number") bad("elapsedMs is not a number");
  if (
    f.call !== undefined &&
    (!isObject(f.call) || typeof f.call.startedAt !== "string" || !Array.isArray(f.call.suites))
  ) bad("call is not {startedAt, suites}");
  if (f.shard !== null && !isObject(f.shard)) bad("shard is neither null nor {index, count}");
  return f as unknown as SuiteResultFile;
}

/**
 * Merges the shard files of one suite and profile into the file an unsharded run writes.
 * All shards must share suite, profile, code version and backend; together they must cover the
 * grid exactly once. `checks` recomputes the suite's checks on the merged runs.
 *
 * @example
 * ```ts
 * import { exampleSuite, mergeResultFiles, parseResultFile, reproduce } from "@normbench/normbench";
 * const dir = await Deno.makeTempDir();
 * const options = { profile: "smoke", backend: "cpu", cacheDir: `${dir}/cache`, jobs: 1 } as const;
 * const files = [];
 * for (const index of [1, 2]) {
 *   const shard = { index, count: 2 };
 *   await reproduce({ ...options, suites: [exampleSuite], outDir: dir, shard, progress: false, log() {} });
 *   const path = `${dir}/smoke/curve.shard-${index}-of-2.json`;
 *   files.push({ file: parseResultFile(await Deno.readTextFile(path), path), source: path });
 * }
 * const merged = mergeResultFiles(files, () => []);
 * console.assert(merged.runs.length === 4 && merged.shard === null);
 * ```
 */
export function mergeResultFiles(
  files: { file: SuiteResultFile; source: string }[],
  checks: (runs: RunRecord[]) => CheckResult[],
): SuiteResultFile {
  if (files.length === 0) throw new UsageError("nothing to merge", "pass the shard files");
  const [first] = files;
  const key = (f: SuiteResultFile) =>
    [f.suite.name, f.profile, f.provenance.codeVersion, f.provenance.backend?.name].join(" / ");
  for (const { file, source } of files) {
    if (key(file) !== key(first.file)) {
      throw new UsageError(
        `cannot merge ${source}: suite/profile/code/backend '${key(file)}' differs from '${
          key(first.file)
        }' of ${first.source}`,
        "merge shards of one run of one suite",
      );
    }
  }
  const byId = new Map<string, RunRecord>();
  const tuning = new Set<string>();
  for (const { file, source } of files) {
    for (const run of file.tuning) tuning.add(run.id);
    for (const run of [...file.runs, ...file.tuning]) {
      const seen = byId.get(run.id);
      if (seen && seen.hash !== run.hash) {
        throw new UsageError(`run '${run.id}' appears twice with different inputs (${source})`);
      }
      byId.set(run.id, run);
    }
  }
  const expected = first.file.expected;
  const missing = expected.filter((id) => !byId.has(id));
  if (missing.length) {
    throw new UsageError(
      `the shards do not cover the grid: ${missing.length} run(s) missing (${
        missing.slice(0, 5).join(", ")
      }${missing.length > 5 ? ", …" : ""})`,
      "run the missing shards, then merge again",
    );
  }
  const runs = expected.filter((id) => !tuning.has(id)).map((id) => byId.get(id)!);
  return {
    ...first.file,
    shard: null,
    runs,
    tuning: expected.filter((id) => tuning.has(id)).map((id) => byId.get(id)!),
    checks: checks(runs),
    elapsedMs: null,
    call: undefined,
  };
}
