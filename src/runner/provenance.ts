/**
 * Provenance of a results file: which code, runtime, backend and machine produced it.
 *
 * @module
 */
import * as tf from "../tf.ts";
import type { BackendInfo } from "../backend/backend.ts";
import type { Provenance } from "../results/types.ts";
import { sha256Hex } from "../util/checksum.ts";

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

const treeHashes = new Map<string, Promise<string>>();

/**
 * The hash of a module outside this package (a suite or task brought in with `--import`) and
 * of every local module it imports, transitively (relative `import`/`export … from` and
 * `import()` specifiers): the run cache's key includes it, so editing such a module — or a helper
 * it imports — redoes its runs. Modules inside the package are covered by the code version and
 * give "".
 *
 * @example
 * ```ts
 * import { externalModuleHash } from "@normbench/normbench";
 * const dir = await Deno.makeTempDir();
 * await Deno.writeTextFile(`${dir}/helper.ts`, "export const k = 1;");
 * await Deno.writeTextFile(`${dir}/task.ts`, 'import { k } from "./helper.ts"; export const t = k;');
 * const before = await externalModuleHash(`file://${dir}/task.ts`, { fresh: true });
 * await Deno.writeTextFile(`${dir}/helper.ts`, "export const k = 2;");
 * console.assert(before !== await externalModuleHash(`file://${dir}/task.ts`, { fresh: true }));
 * ```
 */
export function externalModuleHash(
  url: string,
  options: { fresh?: boolean } = {},
): Promise<string> {
  const root = new URL("../../", import.meta.url).href;
  if (!url.startsWith("file:") || url.startsWith(root)) return Promise.resolve("");
  if (options.fresh) treeHashes.delete(url);
  let hash = treeHashes.get(url);
  if (!hash) {
    hash = (async () => {
      const seen = new Map<string, string>();
      const visit = async (href: string) => {
        if (seen.has(href) || seen.size >= 500 || href.startsWith(root)) return;
        let text = "";
        try {
          text = await Deno.readTextFile(new URL(href));
        } catch {
          text = "\0missing";
        }
        seen.set(href, text);
        const specifiers = text.matchAll(
          /(?:\bfrom\s*|\bimport\s*\(?\s*)["'](\.{1,2}\/[^"']+)["']/g,
        );
        for (const m of specifiers) await visit(new URL(m[1], href).href);
      };
      await visit(url);
      const parts = [...seen].sort(([a], [b]) => (a < b ? -1 : 1)).flat();
      return (await sha256Hex(parts.join("\0"))).slice(0, 16);
    })();
    treeHashes.set(url, hash);
  }
  return hash;
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
  // Results are written by the runs themselves: changes there do not make the code dirty.
  const status = commit === null
    ? null
    : await git(["status", "--porcelain", "--untracked-files=no", "--", ".", ":(exclude)results"]);
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
