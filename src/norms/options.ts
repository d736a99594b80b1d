/**
 * Declaring and validating a norm's numeric and boolean options.
 *
 * @module
 */
import { UsageError } from "../util/errors.ts";

/** The constraint an option's value must satisfy. */
export type OptionRule =
  | "positive" // > 0
  | "nonnegative" // >= 0
  | "unit-open" // in (0, 1)
  | "unit-closed" // in [0, 1]
  | "int>=0"
  | "int>=1"
  | "boolean";

/** One option of a norm: its default, its rule and a line of documentation. */
export interface OptionSpec {
  /** The value used when the option is not given. */
  default: number | boolean;
  /** What values are valid. */
  rule: OptionRule;
  /** What the option means (shown in error messages and docs). */
  doc: string;
}

/** The options a norm accepts, by name. */
export type OptionSpecs = Readonly<Record<string, OptionSpec>>;

/** Resolved option values, by name. */
export type ResolvedOptions = Record<string, number | boolean>;

const RULE_TEXT: Record<OptionRule, string> = {
  "positive": "a number > 0",
  "nonnegative": "a number >= 0",
  "unit-open": "a number in (0, 1)",
  "unit-closed": "a number in [0, 1]",
  "int>=0": "an integer >= 0",
  "int>=1": "an integer >= 1",
  "boolean": "true or false",
};

function valid(rule: OptionRule, v: unknown): boolean {
  if (rule === "boolean") return typeof v === "boolean";
  if (typeof v !== "number" || !Number.isFinite(v)) return false;
  switch (rule) {
    case "positive":
      return v > 0;
    case "nonnegative":
      return v >= 0;
    case "unit-open":
      return v > 0 && v < 1;
    case "unit-closed":
      return v >= 0 && v <= 1;
    case "int>=0":
      return Number.isInteger(v) && v >= 0;
    case "int>=1":
      return Number.isInteger(v) && v >= 1;
  }
}

/**
 * Fills in defaults and checks every given option against `specs`. Unknown names and invalid
 * values throw a {@linkcode UsageError} that lists what is valid. Keys whose value is
 * `undefined` count as not given.
 *
 * @example
 * ```ts
 * import { resolveOptions } from "./options.ts";
 * const specs = { eps: { default: 1e-5, rule: "positive", doc: "added to the variance" } } as const;
 * console.assert(resolveOptions("ln", specs, {}).eps === 1e-5);
 * ```
 */
export function resolveOptions(
  normName: string,
  specs: OptionSpecs,
  given: Readonly<Record<string, unknown>>,
): ResolvedOptions {
  const out: ResolvedOptions = {};
  for (const [key, value] of Object.entries(given)) {
    if (value === undefined) continue;
    const spec = specs[key];
    if (!spec) {
      const names = Object.keys(specs);
      throw new UsageError(
        `norm '${normName}' has no option '${key}'`,
        names.length ? `its options are: ${describeOptions(specs)}` : "it takes no options",
      );
    }
    if (!valid(spec.rule, value)) {
      throw new UsageError(
        `option '${key}' of norm '${normName}' must be ${RULE_TEXT[spec.rule]}, got ${
          JSON.stringify(value)
        }`,
        `${key}: ${spec.doc} (default ${spec.default})`,
      );
    }
  }
  for (const [key, spec] of Object.entries(specs)) {
    const value = given[key];
    out[key] = value === undefined ? spec.default : value as number | boolean;
  }
  return out;
}

/**
 * A one-line list of options with their rules and defaults, for error messages and help.
 *
 * @example
 * ```ts
 * import { describeOptions } from "./options.ts";
 * const text = describeOptions({ eps: { default: 1e-5, rule: "positive", doc: "stabiliser" } });
 * console.assert(text === "eps (a number > 0, default 0.00001)");
 * ```
 */
export function describeOptions(specs: OptionSpecs): string {
  return Object.entries(specs)
    .map(([k, s]) => `${k} (${RULE_TEXT[s.rule]}, default ${formatDefault(s.default)})`)
    .join(", ");
}

function formatDefault(v: number | boolean): string {
  if (typeof v === "boolean") return String(v);
  return Math.abs(v) < 1e-3 && v !== 0 ? v.toFixed(Math.ceil(-Math.log10(Math.abs(v)))) : String(v);
}
