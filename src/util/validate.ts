/**
 * One validation layer for every command-line input: numbers with bounds, and paths checked
 * before any work starts (an output directory is a writable directory, an input file is a
 * readable regular file). Every failure is a {@linkcode UsageError}: one line naming the problem
 * and the fix, exit code 2, nothing written.
 *
 * @module
 */
import { join } from "node:path";
import { UsageError } from "./errors.ts";

/** Bounds and a hint for a numeric flag. */
export interface Bounds {
  /** Smallest allowed value (default 1 for integers, −∞ for numbers). */
  min?: number;
  /** Largest allowed value (default: the largest safe integer / +∞). */
  max?: number;
  /** What to do instead, for the error message. */
  hint?: string;
}

/**
 * An integer flag within `[min, max]`: digits only (no sign, fraction or exponent), a safe
 * integer, inside the bounds.
 *
 * @example
 * ```ts
 * import { parseIntFlag } from "@normbench/normbench";
 * console.assert(parseIntFlag("--jobs", "2", { min: 1, max: 8 }) === 2);
 * try { parseIntFlag("--jobs", "100000", { max: 8 }); } catch (e) { console.log((e as Error).message); }
 * ```
 */
export function parseIntFlag(flag: string, value: string, bounds: Bounds = {}): number {
  const min = bounds.min ?? 1;
  const max = bounds.max ?? Number.MAX_SAFE_INTEGER;
  const n = Number(value);
  const range = max === Number.MAX_SAFE_INTEGER ? `≥ ${min}` : `in ${min}…${max}`;
  if (!/^\s*\d+\s*$/.test(value) || !Number.isSafeInteger(n)) {
    throw new UsageError(`${flag} must be an integer ${range}, got '${value}'`, bounds.hint);
  }
  if (n < min || n > max) {
    throw new UsageError(`${flag} must be an integer ${range}, got ${n}`, bounds.hint);
  }
  return n;
}

/**
 * A finite number flag within `[min, max]`.
 *
 * @example
 * ```ts
 * import { parseNumberFlag } from "@normbench/normbench";
 * console.assert(parseNumberFlag("--smooth-value", "0.1", { min: 0 }) === 0.1);
 * try { parseNumberFlag("--smooth-value", "-5", { min: 0 }); } catch (e) { console.log((e as Error).message); }
 * ```
 */
export function parseNumberFlag(flag: string, value: string, bounds: Bounds = {}): number {
  const min = bounds.min ?? -Infinity;
  const max = bounds.max ?? Infinity;
  const n = Number(value);
  if (value.trim() === "" || !Number.isFinite(n)) {
    throw new UsageError(`${flag} must be a number, got '${value}'`, bounds.hint);
  }
  if (n < min || n > max) {
    const range = Number.isFinite(max)
      ? (Number.isFinite(min) ? `in ${min}…${max}` : `≤ ${max}`)
      : `≥ ${min}`;
    throw new UsageError(`${flag} must be ${range}, got ${n}`, bounds.hint);
  }
  return n;
}

async function statOrNull(path: string): Promise<Deno.FileInfo | null> {
  try {
    return await Deno.stat(path);
  } catch (err) {
    if (err instanceof Deno.errors.NotFound || err instanceof Deno.errors.NotADirectory) {
      return null;
    }
    throw new UsageError(`${path}: ${(err as Error).message}`);
  }
}

/** Creates and removes a probe file: whether this process can write into `dir`. */
async function canWrite(dir: string): Promise<string | null> {
  const probe = join(dir, `.normbench-probe-${Deno.pid}-${crypto.randomUUID().slice(0, 8)}`);
  try {
    await Deno.writeTextFile(probe, "");
    await Deno.remove(probe);
    return null;
  } catch (err) {
    return (err as Error).message.replace(/,? ?\((os error|errno)[^)]*\)/, "").trim();
  }
}

/**
 * Checks an output directory without creating it: a file there, or a directory this process
 * cannot write to, is an error; a missing one must be creatable (its closest existing parent is
 * a writable directory) — or, with `create: false`, is an error itself. Check every path of a
 * command first, then create them with {@linkcode outputDir}, so that bad input writes nothing.
 *
 * @example
 * ```ts
 * import { checkOutputDir } from "@normbench/normbench";
 * const dir = await Deno.makeTempDir();
 * await checkOutputDir("--out", `${dir}/results`);
 * console.assert([...Deno.readDirSync(dir)].length === 0);
 * ```
 */
export async function checkOutputDir(
  flag: string,
  path: string,
  options: { create?: boolean } = {},
): Promise<void> {
  if (!path.trim()) throw new UsageError(`${flag} must not be empty`, `give a directory`);
  const info = await statOrNull(path);
  if (info && !info.isDirectory) {
    throw new UsageError(`${flag} ${path} is a file, not a directory`, "give a directory");
  }
  if (!info) {
    if (options.create === false) {
      throw new UsageError(
        `${flag} ${path} does not exist`,
        "give an existing directory (check for a typo)",
      );
    }
    let parent = join(path, "..");
    for (let i = 0; i < 64 && !(await statOrNull(parent)); i++) parent = join(parent, "..");
    const parentInfo = await statOrNull(parent);
    if (!parentInfo?.isDirectory) {
      throw new UsageError(`${flag} ${path}: ${parent} is not a directory`, "give a directory");
    }
    const why = await canWrite(parent);
    if (why) {
      throw new UsageError(
        `${flag} ${path} cannot be created (${why})`,
        "give a directory you can write to",
      );
    }
    return;
  }
  const why = await canWrite(path);
  if (why) {
    throw new UsageError(
      `${flag} ${path} is not writable (${why})`,
      "give a directory you can write to",
    );
  }
}

/**
 * An output directory: checked as {@linkcode checkOutputDir} does, then created if missing.
 *
 * @example
 * ```ts
 * import { outputDir } from "@normbench/normbench";
 * const dir = await Deno.makeTempDir();
 * console.assert((await outputDir("--out", `${dir}/results`)) === `${dir}/results`);
 * ```
 */
export async function outputDir(
  flag: string,
  path: string,
  options: { create?: boolean } = {},
): Promise<string> {
  await checkOutputDir(flag, path, options);
  await Deno.mkdir(path, { recursive: true });
  return path;
}

/**
 * An input directory that must exist.
 *
 * @example
 * ```ts
 * import { inputDir } from "@normbench/normbench";
 * console.assert((await inputDir("--data-dir", ".")) === ".");
 * ```
 */
export async function inputDir(flag: string, path: string): Promise<string> {
  const info = await statOrNull(path);
  if (!info) {
    throw new UsageError(`${flag} ${path} does not exist`, "give an existing directory");
  }
  if (!info.isDirectory) {
    throw new UsageError(`${flag} ${path} is a file, not a directory`, "give a directory");
  }
  return path;
}

/**
 * An input file that must exist and be a regular file (not a directory).
 *
 * @example
 * ```ts
 * import { inputFile } from "@normbench/normbench";
 * const f = await Deno.makeTempFile();
 * console.assert((await inputFile("reference", f)) === f);
 * ```
 */
export async function inputFile(what: string, path: string): Promise<string> {
  const info = await statOrNull(path);
  if (!info) throw new UsageError(`${what} ${path} does not exist`, "check the path");
  if (!info.isFile) {
    throw new UsageError(`${what} ${path} is not a file`, "give a file, not a directory");
  }
  return path;
}
