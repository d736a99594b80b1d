/**
 * Choosing and describing the tfjs backend: WebGPU, wasm or cpu.
 *
 * @module
 */
import * as tf from "../tf.ts";
import "@tensorflow/tfjs-backend-cpu";
import "@tensorflow/tfjs-backend-wasm";
import "@tensorflow/tfjs-backend-webgpu";
import { UsageError } from "../util/errors.ts";
import { registerMissingKernels } from "./kernels.ts";
import { BACKEND_CHOICES, type BackendChoice, type BackendName } from "./names.ts";

export { BACKEND_CHOICES, type BackendChoice, type BackendName } from "./names.ts";

/** Provenance of the backend a run used. */
export interface BackendInfo {
  /** The tfjs backend in use. */
  name: BackendName;
  /** What was asked for (`auto` or a name). */
  requested: BackendChoice;
  /** The WebGPU adapter's description (e.g. "llvmpipe (LLVM 15.0.6, 256 bits)"), or a CPU note. */
  adapter: string;
  /** True when the WebGPU adapter is a software fallback: fine for correctness, never for speed. */
  fallbackAdapter: boolean;
  /** wasm only: whether SIMD is used. */
  simd?: boolean;
  /**
   * WebGPU only: dispatches recorded before tfjs submits a command buffer
   * (`WEBGPU_DEFERRED_SUBMIT_BATCH_SIZE`; tfjs's 15 unless `NORMBENCH_WEBGPU_SUBMIT_BATCH` says).
   */
  submitBatch?: number;
  /** tfjs-core version. */
  tfjs: string;
  /** Deno version. */
  deno: string;
  /** V8 version. */
  v8: string;
  /** The CPU model this process runs on. */
  cpu: string;
  /** Logical CPU count. */
  cores: number;
}

/** A WebGPU adapter as far as normbench needs to know it. */
export interface AdapterProbe {
  /** Adapter description as the driver reports it. */
  description: string;
  /** True for a software adapter such as llvmpipe. */
  fallback: boolean;
}

let probed: Promise<AdapterProbe | null> | undefined;

/**
 * Mesa's Vulkan drivers print "XDG_RUNTIME_DIR is invalid" on every adapter request when the
 * variable is unset (as in CI containers); point it at a private temp directory instead.
 */
function quietMesa(): void {
  try {
    if (Deno.env.get("XDG_RUNTIME_DIR")) return;
    const dir = `${Deno.env.get("TMPDIR") ?? "/tmp"}/normbench-xdg-${Deno.uid() ?? "user"}`;
    Deno.mkdirSync(dir, { recursive: true, mode: 0o700 });
    Deno.env.set("XDG_RUNTIME_DIR", dir);
  } catch {
    // no env or write permission: the warning is harmless
  }
}

/**
 * Looks for a WebGPU adapter (once per process). Resolves to `null` when there is none.
 *
 * @example
 * ```ts
 * import { probeWebGpu } from "./backend.ts";
 * const adapter = await probeWebGpu();
 * console.log(adapter ? adapter.description : "no WebGPU adapter");
 * ```
 */
export function probeWebGpu(): Promise<AdapterProbe | null> {
  probed ??= (async () => {
    const gpu = (navigator as unknown as { gpu?: GPU }).gpu;
    if (!gpu) return null;
    quietMesa();
    try {
      const adapter = await gpu.requestAdapter();
      if (!adapter) return null;
      const info = adapter.info as GPUAdapterInfo & { isFallbackAdapter?: boolean };
      const fallback = Boolean(
        info.isFallbackAdapter ??
          (adapter as unknown as { isFallbackAdapter?: boolean }).isFallbackAdapter ??
          /llvmpipe|swiftshader|software/i.test(info.description ?? ""),
      );
      const description = info.description || [info.vendor, info.architecture, info.device]
        .filter(Boolean).join(" ") ||
        "unknown adapter";
      return { description, fallback };
    } catch {
      return null;
    }
  })();
  return probed;
}

/**
 * Throws a {@linkcode UsageError} unless `name` is a valid `--backend` value.
 *
 * @example
 * ```ts
 * import { parseBackendChoice } from "@normbench/normbench";
 * console.assert(parseBackendChoice("cpu") === "cpu");
 * ```
 */
export function parseBackendChoice(name: string): BackendChoice {
  if ((BACKEND_CHOICES as readonly string[]).includes(name)) return name as BackendChoice;
  throw new UsageError(`unknown backend '${name}'`, `use one of: ${BACKEND_CHOICES.join(", ")}`);
}

/**
 * Resolves a backend choice to the backend to use, without initialising it.
 * `auto` → webgpu on a hardware adapter, else wasm. A software adapter is only used when
 * `webgpu` is asked for explicitly.
 *
 * @example
 * ```ts
 * import { resolveBackend } from "./backend.ts";
 * const name = await resolveBackend("auto"); // "wasm" on a machine without a GPU
 * ```
 */
export async function resolveBackend(choice: BackendChoice): Promise<BackendName> {
  if (choice === "wasm" || choice === "cpu") return choice;
  const adapter = await probeWebGpu();
  if (choice === "webgpu") {
    if (!adapter) {
      throw new UsageError(
        "no WebGPU adapter found",
        "on a machine without a GPU install a software adapter with " +
          "'apt-get install mesa-vulkan-drivers', or pass --backend wasm",
      );
    }
    return "webgpu";
  }
  return adapter && !adapter.fallback ? "webgpu" : "wasm";
}

let current: BackendInfo | undefined;

/** Outside wasm start-up IS_NODE only makes the cpu backend advertise tfjs-node, which Deno lacks. */
function quietCpuAdvert(): void {
  tf.env().set("IS_NODE", false);
}

// Until `initBackend` is awaited, run on cpu: its start is synchronous, whereas tfjs would
// otherwise pick WebGPU or wasm, which must be awaited before the first op.
quietCpuAdvert();
if (!(tf.engine() as unknown as { backendName?: string }).backendName) void tf.setBackend("cpu");

/**
 * Initialises tfjs on the chosen backend and returns its provenance. Safe to call again: a second
 * call with a different choice switches backends.
 *
 * @example
 * ```ts
 * import { initBackend } from "./backend.ts";
 * const info = await initBackend("cpu");
 * console.log(info.name, info.tfjs); // "cpu" "4.22.0"
 * ```
 */
export async function initBackend(choice: BackendChoice = "auto"): Promise<BackendInfo> {
  const name = await resolveBackend(parseBackendChoice(choice));
  if (tf.getBackend() !== name || current?.requested !== choice) {
    tf.env().set("PROD", true);
    let ok = false;
    try {
      // The wasm loader needs IS_NODE while it starts (it reads the .wasm file from disk).
      tf.env().set("IS_NODE", true);
      ok = await tf.setBackend(name);
    } catch (err) {
      throw new UsageError(
        `backend '${name}' failed to start: ${(err as Error).message}`,
        "pass --backend wasm or --backend cpu",
      );
    }
    if (!ok) {
      throw new UsageError(
        `backend '${name}' failed to start`,
        "pass --backend wasm or --backend cpu",
      );
    }
    await tf.ready();
    quietCpuAdvert();
    registerMissingKernels(name);
  }
  const adapter = name === "webgpu" ? await probeWebGpu() : null;
  const submitBatch = name === "webgpu" ? applySubmitBatch() : undefined;
  current = {
    name,
    requested: choice,
    adapter: adapter?.description ?? `${name} on CPU`,
    fallbackAdapter: adapter?.fallback ?? false,
    ...(name === "wasm" ? { simd: Boolean(await tf.env().getAsync("WASM_HAS_SIMD_SUPPORT")) } : {}),
    ...(submitBatch === undefined ? {} : { submitBatch }),
    tfjs: tf.version_core,
    deno: Deno.version.deno,
    v8: Deno.version.v8,
    cpu: cpuModel(),
    cores: navigator.hardwareConcurrency ?? 1,
  };
  return current;
}

/** The environment variable that sets WebGPU's submit batch (see {@linkcode applySubmitBatch}). */
export const SUBMIT_BATCH_ENV = "NORMBENCH_WEBGPU_SUBMIT_BATCH";

/**
 * Sets tfjs-webgpu's `WEBGPU_DEFERRED_SUBMIT_BATCH_SIZE` — how many dispatches it records before
 * submitting a command buffer (tfjs: 15) — from {@linkcode SUBMIT_BATCH_ENV} when that is set, and
 * returns the value in force. Each submit costs the driver a round trip, so a training update of
 * ~500 dispatches submits ~33 times at the default; the prepared GPU session sweeps it.
 *
 * @example
 * ```ts
 * import { applySubmitBatch } from "./backend.ts";
 * console.assert(applySubmitBatch() >= 1);
 * ```
 */
export function applySubmitBatch(): number {
  const raw = Deno.env.get(SUBMIT_BATCH_ENV);
  const flag = "WEBGPU_DEFERRED_SUBMIT_BATCH_SIZE";
  if (raw !== undefined && raw !== "") {
    const n = Number(raw);
    if (!Number.isInteger(n) || n < 1) {
      throw new UsageError(
        `${SUBMIT_BATCH_ENV} must be a positive integer, got '${raw}'`,
        `e.g. ${SUBMIT_BATCH_ENV}=64, or unset it for tfjs's 15`,
      );
    }
    tf.env().set(flag, n);
  }
  return tf.env().getNumber(flag);
}

/**
 * The provenance of the backend initialised last, or `undefined` before {@linkcode initBackend}.
 *
 * @example
 * ```ts
 * import { describeBackend, initBackend } from "./backend.ts";
 * await initBackend("cpu");
 * console.log(describeBackend()?.adapter); // "cpu on CPU"
 * ```
 */
export function describeBackend(): BackendInfo | undefined {
  return current;
}

function cpuModel(): string {
  try {
    const text = Deno.readTextFileSync("/proc/cpuinfo");
    const match = text.match(/^model name\s*:\s*(.+)$/m);
    if (match) return match[1].trim();
  } catch {
    // not Linux, or no permission: fall through
  }
  return `${Deno.build.arch} (${Deno.build.os})`;
}
