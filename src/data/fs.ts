/**
 * Small file-system helpers for the data area: whole-file atomic writes and existence checks.
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
