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
