/**
 * The names of the backends, apart from the code that starts them, so that kernels can be
 * registered per backend without importing the module that imports them.
 *
 * @module
 */

/** What `--backend` accepts. `auto` picks WebGPU on a hardware adapter, else wasm. */
export type BackendChoice = "auto" | "webgpu" | "wasm" | "cpu";

/** The backends a run can actually use. */
export type BackendName = "webgpu" | "wasm" | "cpu";

/**
 * Every value `--backend` accepts, in the order help texts list them.
 *
 * @example
 * ```ts
 * import { BACKEND_CHOICES } from "@normbench/normbench";
 * console.assert(BACKEND_CHOICES.includes("wasm"));
 * ```
 */
export const BACKEND_CHOICES: readonly BackendChoice[] = ["auto", "webgpu", "wasm", "cpu"];
