// Shared test helpers (not part of the published package).
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
