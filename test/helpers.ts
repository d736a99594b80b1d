// Shared test helpers (not part of the published package).
import assert from "node:assert/strict";
import type * as tf from "../src/tf.ts";

/** max |a − b| / max |b|: a norm-wise relative error, robust to elements near zero. */
export async function relErr(a: tf.Tensor, b: tf.Tensor): Promise<number> {
  const [da, db] = await Promise.all([a.data(), b.data()]);
  if (da.length !== db.length) throw new Error(`sizes differ: ${da.length} vs ${db.length}`);
  let diff = 0;
  let mag = 0;
  for (let i = 0; i < da.length; i++) {
    diff = Math.max(diff, Math.abs(da[i] - db[i]));
    mag = Math.max(mag, Math.abs(db[i]));
  }
  return mag === 0 ? diff : diff / mag;
}

/**
 * Asserts `a` equals the reference `b` elementwise within `abs + rel·|b|` (same shape), naming
 * `what` and the first element that differs.
 */
export async function assertClose(
  a: tf.Tensor,
  b: tf.Tensor,
  what: string,
  tolerance: { abs: number; rel: number },
): Promise<void> {
  assert.deepEqual(a.shape, b.shape, `${what}: shape`);
  const [x, y] = [await a.data(), await b.data()];
  for (let i = 0; i < x.length; i++) {
    const tol = tolerance.abs + tolerance.rel * Math.abs(y[i]);
    assert.ok(Math.abs(x[i] - y[i]) <= tol, `${what}[${i}]: ${x[i]} vs ${y[i]} (reference)`);
  }
}

/** The values of a tensor as a plain array. */
export async function values(t: tf.Tensor): Promise<number[]> {
  return Array.from(await t.data());
}

/** Whether a (possibly software) WebGPU adapter is present. */
export async function hasWebGpu(): Promise<boolean> {
  const { probeWebGpu } = await import("../src/backend/backend.ts");
  return (await probeWebGpu()) !== null;
}

/** CI sets NORMBENCH_REQUIRE_WEBGPU=1 after installing mesa: then a missing adapter fails. */
export const REQUIRE_WEBGPU = Deno.env.get("NORMBENCH_REQUIRE_WEBGPU") === "1";

/**
 * Runs the CLI in this process with console output captured: exit code, stdout lines and stderr
 * lines (nothing reaches the terminal).
 */
export async function runCliCaptured(
  args: string[],
): Promise<{ code: number; out: string[]; err: string[] }> {
  const { runCli } = await import("../src/cli/main.ts");
  const out: string[] = [];
  const err: string[] = [];
  const [log, error] = [console.log, console.error];
  console.log = (...xs: unknown[]) => out.push(xs.join(" "));
  console.error = (...xs: unknown[]) => err.push(xs.join(" "));
  try {
    return { code: await runCli(args), out, err };
  } finally {
    console.log = log;
    console.error = error;
  }
}

/** Runs the CLI as users do — a subprocess — and returns its exit code and output. */
export function runCliProcess(
  ...args: string[]
): Promise<{ code: number; stdout: string; stderr: string }> {
  return runCliWith({}, ...args);
}

/** {@linkcode runCliProcess} with a working directory and extra environment variables. */
export async function runCliWith(
  options: { cwd?: string; env?: Record<string, string> },
  ...args: string[]
): Promise<{ code: number; stdout: string; stderr: string }> {
  const main = new URL("../src/cli/main.ts", import.meta.url).pathname;
  const config = new URL("../deno.json", import.meta.url).pathname;
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--config", config, main, ...args],
    stdout: "piped",
    stderr: "piped",
    cwd: options.cwd,
    env: { NO_COLOR: "1", ...options.env },
  }).output();
  const dec = new TextDecoder();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}
