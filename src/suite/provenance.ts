/**
 * Provenance of a results file: which code, runtime, backend and machine produced it.
 *
 * @module
 */
import * as tf from "../tf.ts";
import type { BackendInfo } from "../backend/backend.ts";
import { sha256Hex } from "../util/checksum.ts";

/** Everything needed to say where a number came from. */
export interface Provenance {
  /** `git rev-parse HEAD` of the working tree, or null outside a git checkout. */
  gitCommit: string | null;
  /** True when tracked files differed from that commit. */
  gitDirty: boolean | null;
  /** Hash of the source files that decide results (src/ and suites/), or the package version. */
  codeVersion: string;
  /** Deno, V8 and TypeScript versions. */
  deno: string;
  /** V8 version. */
  v8: string;
  /** tfjs-core version. */
  tfjs: string;
  /** The backend of the runs (the runner's own process when no run happened). */
  backend: BackendInfo | null;
  /** OS and architecture. */
  os: string;
  /** ISO time of writing. */
  createdAt: string;
  /** The command line that produced the file. */
  command: string;
}

async function git(args: string[]): Promise<string | null> {
  try {
    const out = await new Deno.Command("git", { args, stdout: "piped", stderr: "null" }).output();
    return out.success ? new TextDecoder().decode(out.stdout).trim() : null;
  } catch {
    return null;
  }
}

let codeVersion: Promise<string> | undefined;

/**
 * A hash of every source file under `src/` and `suites/` (sorted by path), computed once per
 * process; when the package runs from a remote URL (JSR) it is `package@<version>`.
 *
 * @example
 * ```ts
 * import { computeCodeVersion } from "@normbench/normbench";
 * console.log(await computeCodeVersion());
 * ```
 */
export function computeCodeVersion(): Promise<string> {
  codeVersion ??= (async () => {
    const root = new URL("../../", import.meta.url);
    if (root.protocol !== "file:") return `package@${root.href}`;
    const files: string[] = [];
    const walk = async (dir: URL, rel: string) => {
      for await (const e of Deno.readDir(dir)) {
        if (e.isDirectory) await walk(new URL(`${e.name}/`, dir), `${rel}${e.name}/`);
        else if (e.name.endsWith(".ts")) files.push(`${rel}${e.name}`);
      }
    };
    for (const top of ["src/", "suites/"]) {
      try {
        await walk(new URL(top, root), top);
      } catch {
        // a missing directory contributes nothing
      }
    }
    files.sort();
    const parts: string[] = [];
    for (const f of files) parts.push(f, await Deno.readTextFile(new URL(f, root)));
    return (await sha256Hex(parts.join("\0"))).slice(0, 16);
  })();
  return codeVersion;
}

/**
 * Collects the provenance of this process.
 *
 * @example
 * ```ts
 * import { collectProvenance } from "@normbench/normbench";
 * const p = await collectProvenance(null);
 * console.log(p.gitCommit, p.deno, p.tfjs);
 * ```
 */
export async function collectProvenance(backend: BackendInfo | null): Promise<Provenance> {
  const commit = await git(["rev-parse", "HEAD"]);
  const status = commit === null
    ? null
    : await git(["status", "--porcelain", "--untracked-files=no"]);
  return {
    gitCommit: commit,
    gitDirty: status === null ? null : status.length > 0,
    codeVersion: await computeCodeVersion(),
    deno: Deno.version.deno,
    v8: Deno.version.v8,
    tfjs: tf.version_core,
    backend,
    os: `${Deno.build.os} ${Deno.build.arch}`,
    createdAt: new Date().toISOString(),
    command: ["normbench", ...Deno.args].join(" "),
  };
}
