/**
 * Parsing helpers for CLI option values: each throws a UsageError naming the flag.
 *
 * @module
 */
import { UsageError } from "../util/errors.ts";
import { type BackendChoice, parseBackendChoice } from "../backend/backend.ts";

/**
 * Parses a positive integer flag value.
 *
 * @example
 * ```ts
 * import { parsePositiveInt } from "./parse.ts";
 * console.assert(parsePositiveInt("--steps", "20") === 20);
 * ```
 */
export function parsePositiveInt(flag: string, value: string): number {
  const n = Number(value);
  if (!/^\s*\d+\s*$/.test(value) || !Number.isSafeInteger(n) || n < 1) {
    throw new UsageError(`${flag} must be a positive integer, got '${value}'`);
  }
  return n;
}

/**
 * Parses a finite number flag value.
 *
 * @example
 * ```ts
 * import { parseNumber } from "./parse.ts";
 * console.assert(parseNumber("--lr", "1e-3") === 0.001);
 * ```
 */
export function parseNumber(flag: string, value: string): number {
  const n = Number(value);
  if (value.trim() === "" || !Number.isFinite(n)) {
    throw new UsageError(`${flag} must be a number, got '${value}'`);
  }
  return n;
}

/**
 * Parses `--backend`.
 *
 * @example
 * ```ts
 * import { parseBackend } from "./parse.ts";
 * console.assert(parseBackend("wasm") === "wasm");
 * ```
 */
export function parseBackend(value: string): BackendChoice {
  return parseBackendChoice(value);
}

/**
 * Parses a comma-separated list, checking each item with `parse`.
 *
 * @example
 * ```ts
 * import { parseList } from "./parse.ts";
 * console.assert(parseList("a,b", (s) => s).length === 2);
 * ```
 */
export function parseList<T>(value: string, parse: (item: string) => T): T[] {
  return value.split(",").map((s) => s.trim()).filter(Boolean).map(parse);
}

/**
 * Imports modules that register suites (`--import ./my_suites.ts`), resolved against the
 * working directory; URLs (`jsr:`, `https:`, `file:`) are imported as they are.
 *
 * @example
 * ```ts
 * import { importModules } from "./parse.ts";
 * await importModules([]);
 * ```
 */
export async function importModules(specifiers: string[]): Promise<void> {
  for (const spec of specifiers) {
    const url = /^[a-z]+:/i.test(spec) ? spec : new URL(spec, `file://${Deno.cwd()}/`).href;
    try {
      await import(url);
    } catch (err) {
      // A suite the module registers that is itself wrong (e.g. an unknown norm) says so.
      if (err instanceof UsageError) throw err;
      throw new UsageError(
        `cannot import ${spec}: ${(err as Error).message.split("\n")[0]}`,
        "pass a module that calls registerSuite()",
      );
    }
  }
}

/** Collects a repeatable option's values (commander's `argParser`). */
export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/**
 * The line a command prints while it waits for another normbench process to release a folder.
 *
 * @example
 * ```ts
 * import { waitLine } from "./parse.ts";
 * // normbench: waiting for pid 4242 (reproduce, since 2026-11-27T05:00:00Z) to finish with results
 * waitLine({ pid: 4242, purpose: "reproduce", since: "2026-11-27T05:00:00Z" }, "results");
 * ```
 */
export function waitLine(holder: { pid: number; purpose: string; since: string }, dir: string) {
  console.error(
    `normbench: waiting for pid ${holder.pid} (${holder.purpose}, since ${holder.since}) ` +
      `to finish with ${dir}`,
  );
}
