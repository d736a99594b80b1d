// The backend's start-up settings: WebGPU's submit batch comes from NORMBENCH_WEBGPU_SUBMIT_BATCH
// (validated, recorded in the provenance) and stays tfjs's 15 when unset.
import assert from "node:assert/strict";
import * as tf from "../src/tf.ts";
import { applySubmitBatch, initBackend, SUBMIT_BATCH_ENV } from "../src/backend/backend.ts";
import { UsageError } from "../src/util/errors.ts";
import { hasWebGpu, REQUIRE_WEBGPU } from "./helpers.ts";

const gpu = await hasWebGpu();

function withEnv<T>(value: string | undefined, f: () => T): T {
  const before = Deno.env.get(SUBMIT_BATCH_ENV);
  if (value === undefined) Deno.env.delete(SUBMIT_BATCH_ENV);
  else Deno.env.set(SUBMIT_BATCH_ENV, value);
  try {
    return f();
  } finally {
    if (before === undefined) Deno.env.delete(SUBMIT_BATCH_ENV);
    else Deno.env.set(SUBMIT_BATCH_ENV, before);
  }
}

Deno.test("applySubmitBatch: a bad value is one usage error naming the variable", () => {
  for (const bad of ["0", "-3", "1.5", "many"]) {
    assert.throws(() => withEnv(bad, applySubmitBatch), (e: Error) => {
      assert.ok(e instanceof UsageError);
      assert.match(e.message, new RegExp(`${SUBMIT_BATCH_ENV} must be a positive integer`));
      return true;
    });
  }
});

Deno.test("applySubmitBatch: sets tfjs-webgpu's flag; unset leaves it", () => {
  const flag = "WEBGPU_DEFERRED_SUBMIT_BATCH_SIZE";
  const before = tf.env().getNumber(flag);
  try {
    assert.equal(withEnv("64", applySubmitBatch), 64);
    assert.equal(tf.env().getNumber(flag), 64);
    assert.equal(withEnv(undefined, applySubmitBatch), 64);
  } finally {
    tf.env().set(flag, before);
  }
});

Deno.test({
  name: "initBackend(webgpu): the submit batch is in the provenance; results do not depend on it",
  ignore: !gpu && !REQUIRE_WEBGPU,
}, async () => {
  const flag = "WEBGPU_DEFERRED_SUBMIT_BATCH_SIZE";
  const before = tf.env().getNumber(flag);
  try {
    const run = async (batch: string) => {
      Deno.env.set(SUBMIT_BATCH_ENV, batch);
      await initBackend("cpu"); // a switch back re-reads the settings
      const info = await initBackend("webgpu");
      assert.equal(info.submitBatch, Number(batch));
      const x = tf.randomNormal([64, 33], 0, 1, "float32", 1);
      const w = tf.randomNormal([33, 17], 0, 1, "float32", 2);
      const y = tf.sum(tf.relu(tf.matMul(x, w)), 0);
      const out = Array.from(await y.data());
      tf.dispose([x, w, y]);
      return out;
    };
    assert.deepEqual(await run("1"), await run("500"));
  } finally {
    Deno.env.delete(SUBMIT_BATCH_ENV);
    tf.env().set(flag, before);
  }
});
