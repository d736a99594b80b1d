/**
 * The suite registry: suites are registered by name; `reproduce` runs them in order.
 *
 * @module
 */
import { UsageError } from "../util/errors.ts";
import { isSafeSuiteName } from "../results/result_file.ts";
import { type Json, PROFILE_NAMES, type ProfileName } from "../results/types.ts";
import { NORM_NAMES, parseNormSpec } from "../norms/registry.ts";
import type { Suite } from "./types.ts";

const SUITES = new Map<string, Suite>();

/** Keys of a run input whose values name norms. */
const NORM_KEYS = new Set(["norm", "decoderNorm", "norms"]);

/** Every norm name a run input mentions (under `norm`, `decoderNorm`, `norms`, at any depth). */
function normsIn(value: Json | undefined, out: string[] = []): string[] {
  if (Array.isArray(value)) { for (const v of value) normsIn(v, out); }
  else if (value !== null && typeof value === "object") {
    for (const [k, v] of Object.entries(value)) {
      if (NORM_KEYS.has(k) && typeof v === "string") out.push(v);
      else if (k === "norms" && Array.isArray(v)) {
        out.push(...v.filter((x): x is string => typeof x === "string"));
      } else normsIn(v, out);
    }
  }
  return out;
}

/**
 * Checks that every norm named by a run of every profile of `suite` is registered, so that a
 * typo in a suite's norm list is found when the suite is registered, not when its run starts.
 * Throws a {@linkcode UsageError} naming the suite, profile and run, listing the valid names.
 *
 * @example
 * ```ts
 * import { checkSuiteNorms, type Suite } from "@normbench/normbench";
 * const suite: Suite = {
 *   name: "typo", title: "A typo", setting: { paper: "…", ours: "…" }, datasets: [],
 *   runs: () => [{
 *     id: "a", labels: {}, task: { module: "./t.ts", export: "run" }, input: { norm: "lnn" },
 *     cost: 1,
 *   }],
 *   claims: [], plots: [], notes: () => [], table: { groupBy: [], metrics: [] },
 * };
 * try {
 *   checkSuiteNorms(suite);
 * } catch (err) {
 *   console.assert((err as Error).message.includes("unknown norm 'lnn'"));
 * }
 * ```
 */
export function checkSuiteNorms(suite: Suite): void {
  for (const profile of PROFILE_NAMES) {
    for (const run of suite.runs(profile)) {
      for (const name of normsIn(run.input)) {
        try {
          parseNormSpec(name);
        } catch (err) {
          const { message, hint } = err as UsageError;
          throw new UsageError(
            `${message} in run '${run.id}' of suite '${suite.name}' (profile ${profile})`,
            hint || `use one of: ${NORM_NAMES.join(", ")}`,
          );
        }
      }
    }
  }
}

/**
 * Registers a suite under its name (a later registration of the same name replaces it, so a
 * project can extend or override a built-in suite). Every norm its runs name is checked first
 * (see {@linkcode checkSuiteNorms}).
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
  checkSuiteNorms(suite);
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
