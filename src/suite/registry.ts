/**
 * The suite registry: suites are registered by name; `reproduce` runs them in order.
 *
 * @module
 */
import { UsageError } from "../util/errors.ts";
import { isSafeSuiteName } from "../results/result_file.ts";
import { PROFILE_NAMES, type ProfileName } from "../results/types.ts";
import type { Suite } from "./types.ts";

const SUITES = new Map<string, Suite>();

/**
 * Registers a suite under its name (a later registration of the same name replaces it, so a
 * project can extend or override a built-in suite).
 *
 * @example
 * ```ts
 * import { listSuites, registerSuite, type Suite } from "@normbench/normbench";
 * const mine: Suite = {
 *   name: "mine", title: "My table", setting: { paper: "…", ours: "…" }, datasets: [],
 *   runs: () => [], claims: [], plots: [], notes: () => [], table: { groupBy: [], metrics: [] },
 * };
 * registerSuite(mine);
 * console.assert(listSuites().some((s) => s.name === "mine"));
 * ```
 */
export function registerSuite(suite: Suite): void {
  if (!isSafeSuiteName(suite.name)) {
    throw new UsageError(
      `suite name ${JSON.stringify(suite.name)} is not a safe name`,
      "use letters, digits, - and _ (it becomes the name of its results files)",
    );
  }
  SUITES.set(suite.name, suite);
}

/**
 * Every registered suite, in registration order.
 *
 * @example
 * ```ts
 * import { listSuites } from "@normbench/normbench";
 * console.log(listSuites().map((s) => s.name));
 * ```
 */
export function listSuites(): Suite[] {
  return [...SUITES.values()];
}

/**
 * The suite called `name`; an unknown name is a {@linkcode UsageError} listing the suites.
 *
 * @example
 * ```ts
 * import { getSuite } from "@normbench/normbench";
 * try { getSuite("nope"); } catch (err) { console.log((err as Error).message); }
 * ```
 */
export function getSuite(name: string): Suite {
  const suite = SUITES.get(name);
  if (!suite) {
    const names = [...SUITES.keys()];
    throw new UsageError(
      `unknown suite '${name}'`,
      names.length ? `use one of: ${names.join(", ")}` : "no suite is registered",
    );
  }
  return suite;
}

/**
 * Checks a profile name.
 *
 * @example
 * ```ts
 * import { parseProfile } from "@normbench/normbench";
 * console.assert(parseProfile("quick") === "quick");
 * ```
 */
export function parseProfile(name: string): ProfileName {
  if ((PROFILE_NAMES as readonly string[]).includes(name)) return name as ProfileName;
  throw new UsageError(`unknown profile '${name}'`, `use one of: ${PROFILE_NAMES.join(", ")}`);
}
