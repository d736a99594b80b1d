/**
 * The one error type normbench raises for bad input: it names the problem and the fix.
 *
 * @module
 */

/**
 * An error caused by the user's input or environment (unknown name, bad number, missing data …).
 * Its message names the problem; `hint` says how to fix it. The CLI prints both on one line and
 * exits non-zero; anything else escaping the CLI is a bug.
 *
 * @example
 * ```ts
 * import { UsageError } from "./errors.ts";
 * const err = new UsageError("unknown norm 'xn'", "use one of: ln, rms, bn");
 * console.assert(err.oneLine() === "unknown norm 'xn' (use one of: ln, rms, bn)");
 * ```
 */
export class UsageError extends Error {
  /** How to fix the problem, e.g. the valid values or the flag to pass. */
  readonly hint: string;

  /**
   * An error in what the user gave.
   *
   * @param message what is wrong
   * @param hint how to fix it
   */
  constructor(message: string, hint = "") {
    super(message);
    this.name = "UsageError";
    this.hint = hint;
  }

  /** The message and the hint on one line. */
  oneLine(): string {
    return this.hint ? `${this.message} (${this.hint})` : this.message;
  }
}

/**
 * Throws a {@linkcode UsageError} unless `condition` holds.
 *
 * @example
 * ```ts
 * import { check } from "./errors.ts";
 * check(1 + 1 === 2, "arithmetic is broken");
 * ```
 */
export function check(condition: unknown, message: string, hint = ""): asserts condition {
  if (!condition) throw new UsageError(message, hint);
}

/**
 * Known runtime failures whose own message says nothing useful, as a {@linkcode UsageError}
 * naming the cause and the fix; any other error comes back unchanged. Today: tfjs-wasm's
 * `Aborted()`, thrown when its WebAssembly heap cannot grow to what a kernel asks for (a
 * bert-base training update does not fit it, even at batch 1). The module is unusable after it.
 *
 * @example
 * ```ts
 * import { explainRuntimeError, UsageError } from "./errors.ts";
 * const err = explainRuntimeError(new WebAssembly.RuntimeError("Aborted(). Build with -sASSERTIONS for more info."));
 * console.assert(err instanceof UsageError && (err as UsageError).hint.includes("--backend cpu"));
 * console.assert(explainRuntimeError(new Error("other")) instanceof UsageError === false);
 * ```
 */
export function explainRuntimeError(err: unknown): unknown {
  if (err instanceof WebAssembly.RuntimeError && /^Aborted\(/.test(err.message)) {
    return new UsageError(
      "the wasm backend aborted: its WebAssembly heap cannot hold this model and batch " +
        "(parameters, gradients, optimizer state and activations together)",
      "use a smaller --preset, --batch or --seq, or --backend cpu (no heap limit, slower) or " +
        "webgpu",
    );
  }
  return err;
}
