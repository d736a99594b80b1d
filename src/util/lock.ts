/**
 * A lock per directory, so that two processes never work on one results or run-cache directory
 * at once: the second waits (and says for whom) until the first is done. It is an advisory file
 * lock (`flock`), released by the operating system when its holder exits — a killed holder
 * never leaves a stale lock behind.
 *
 * @module
 */
import { join } from "node:path";
import { pidAlive } from "./fs.ts";

/** The lock file's name inside a locked directory. */
export const LOCK_FILE = ".normbench.lock";

/** Who holds a lock, as written into the lock file. */
export interface LockHolder {
  /** Process id. */
  pid: number;
  /** What it is doing. */
  purpose: string;
  /** ISO time it took the lock. */
  since: string;
}

async function readHolder(path: string): Promise<LockHolder | null> {
  try {
    const holder = JSON.parse(await Deno.readTextFile(path)) as LockHolder;
    return typeof holder?.pid === "number" ? holder : null;
  } catch {
    return null;
  }
}

/**
 * Runs `fn` while holding the lock of `dir` (created if missing). If another process holds it,
 * `onWait` is told who, once, and the call waits for it.
 *
 * @example
 * ```ts
 * import { withDirLock } from "@normbench/normbench";
 * const dir = await Deno.makeTempDir();
 * const n = await withDirLock(dir, "an example", () => Promise.resolve(42));
 * console.assert(n === 42);
 * ```
 */
export async function withDirLock<T>(
  dir: string,
  purpose: string,
  fn: () => Promise<T>,
  onWait: (holder: LockHolder, dir: string) => void = () => {},
): Promise<T> {
  await Deno.mkdir(dir, { recursive: true });
  const path = join(dir, LOCK_FILE);
  const file = await Deno.open(path, { create: true, read: true, write: true });
  try {
    const holder = await readHolder(path);
    if (holder && holder.pid !== Deno.pid && pidAlive(holder.pid)) onWait(holder, dir);
    await file.lock(true);
    const mine: LockHolder = { pid: Deno.pid, purpose, since: new Date().toISOString() };
    await file.truncate(0);
    await file.write(new TextEncoder().encode(JSON.stringify(mine) + "\n"));
    try {
      return await fn();
    } finally {
      await file.truncate(0).catch(() => {});
      await file.unlock().catch(() => {});
    }
  } finally {
    file.close();
  }
}
