/**
 * Small file-system helpers: whole-file atomic writes, existence checks, tolerant JSON reads.
 *
 * @module
 */
import { dirname } from "node:path";

/**
 * Writes `data` to `path` atomically: first to a temporary file beside it, then renamed over
 * `path`, so a reader never sees half a file (also across processes). Creates parent folders.
 *
 * @example
 * ```ts
 * import { writeFileAtomic } from "@normbench/normbench";
 * const dir = await Deno.makeTempDir();
 * await writeFileAtomic(`${dir}/a.txt`, new TextEncoder().encode("hi"));
 * console.assert(await Deno.readTextFile(`${dir}/a.txt`) === "hi");
 * ```
 */
export async function writeFileAtomic(path: string, data: Uint8Array | string): Promise<void> {
  const dir = dirname(path);
  await Deno.mkdir(dir, { recursive: true });
  const tmp = `${path}.tmp-${Deno.pid}-${crypto.randomUUID().slice(0, 8)}`;
  try {
    if (typeof data === "string") await Deno.writeTextFile(tmp, data);
    else await Deno.writeFile(tmp, data);
    await Deno.rename(tmp, path);
  } catch (err) {
    await Deno.remove(tmp).catch(() => {});
    throw err;
  }
}

/**
 * The `Deno.FileInfo` of `path`, or `null` if nothing is there.
 *
 * @example
 * ```ts
 * import { statOrNull } from "@normbench/normbench";
 * console.assert((await statOrNull("/no/such/file")) === null);
 * ```
 */
export async function statOrNull(path: string): Promise<Deno.FileInfo | null> {
  try {
    return await Deno.stat(path);
  } catch (err) {
    if (err instanceof Deno.errors.NotFound || err instanceof Deno.errors.NotADirectory) {
      return null;
    }
    throw err;
  }
}

/**
 * Reads and parses a JSON file; `undefined` when it does not exist or does not parse (a file a
 * crash may have left is treated as absent, never trusted).
 *
 * @example
 * ```ts
 * import { readJsonIfValid } from "@normbench/normbench";
 * console.assert((await readJsonIfValid("/no/such/file.json")) === undefined);
 * ```
 */
export async function readJsonIfValid<T>(path: string): Promise<T | undefined> {
  try {
    return JSON.parse(await Deno.readTextFile(path)) as T;
  } catch {
    return undefined;
  }
}

/**
 * Removes the temporaries that killed writers left in `dir` (`<file>.tmp-<pid>-<id>`, written
 * by {@linkcode writeFileAtomic}) whose process is gone. Readers never read them; this keeps the
 * folder clean after a `kill -9`.
 *
 * @example
 * ```ts
 * import { removeDeadTemporaries } from "@normbench/normbench";
 * const dir = await Deno.makeTempDir();
 * await Deno.writeTextFile(`${dir}/a.json.tmp-999999999-abcdef12`, "{");
 * await removeDeadTemporaries(dir);
 * console.assert([...Deno.readDirSync(dir)].length === 0);
 * ```
 */
export async function removeDeadTemporaries(dir: string): Promise<void> {
  try {
    for await (const e of Deno.readDir(dir)) {
      const m = /\.tmp-(\d+)-[0-9a-f]{8}$/.exec(e.name);
      if (!e.isFile || !m || pidAlive(Number(m[1]))) continue;
      await Deno.remove(`${dir}/${e.name}`).catch(() => {});
    }
  } catch {
    // no such folder: nothing to clean
  }
}

/**
 * Whether a process is alive: its /proc entry on Linux; elsewhere it is assumed alive (nothing
 * is removed on a guess).
 *
 * @example
 * ```ts
 * import { pidAlive } from "@normbench/normbench";
 * console.assert(pidAlive(Deno.pid));
 * ```
 */
export function pidAlive(pid: number): boolean {
  if (Deno.build.os !== "linux") return true;
  try {
    Deno.statSync(`/proc/${pid}`);
    return true;
  } catch {
    return false;
  }
}
