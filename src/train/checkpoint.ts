/**
 * Checkpoints: a run's whole state — every variable (weights and norm state), the optimizer's
 * moments and step, the RNG, the loop's bookkeeping — as plain data that resumes bit-exactly, and
 * a small binary file format for it.
 *
 * @module
 */
import * as tf from "../tf.ts";
import type { NamedVariables } from "../nn/scope.ts";
import type { SeededRngState } from "../util/random.ts";
import type { OptimizerState } from "./optimizer.ts";
import { UsageError } from "../util/errors.ts";

/** One saved tensor. */
export interface SavedTensor {
  /** Shape. */
  shape: number[];
  /** dtype (`float32` or `int32`). */
  dtype: "float32" | "int32";
  /** Values, row-major. */
  data: Float32Array | Int32Array;
}

/** A run's state after `step` updates (plain data; structured-cloneable). */
export interface Checkpoint {
  /** Format tag. */
  format: "normbench-checkpoint/1";
  /** Updates done. */
  step: number;
  /** The model's configuration. */
  model: unknown;
  /** Every variable by path. */
  variables: Record<string, SavedTensor>;
  /** The optimizer's state. */
  optimizer: OptimizerState;
  /** The training RNG's state. */
  rng: SeededRngState;
  /** The training loop's own state (curve so far, collapse detector, …). */
  loop: unknown;
}

/**
 * Reads every variable back into plain data.
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs-core";
 * import { captureVariables } from "@normbench/normbench";
 * const saved = await captureVariables({ w: tf.variable(tf.ones([2])) });
 * console.assert(saved.w.data[1] === 1);
 * ```
 */
export async function captureVariables(
  variables: NamedVariables,
): Promise<Record<string, SavedTensor>> {
  const out: Record<string, SavedTensor> = {};
  for (const [name, v] of Object.entries(variables)) {
    const dtype = v.dtype === "int32" ? "int32" : "float32";
    const raw = await v.data();
    out[name] = {
      shape: [...v.shape],
      dtype,
      data: dtype === "int32"
        ? new Int32Array(raw as Int32Array)
        : new Float32Array(raw as Float32Array),
    };
  }
  return out;
}

/**
 * Assigns saved values to variables; every variable must be present with its shape.
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs-core";
 * import { restoreVariables } from "@normbench/normbench";
 * const w = tf.variable(tf.zeros([2]));
 * restoreVariables({ w }, { w: { shape: [2], dtype: "float32", data: new Float32Array([1, 2]) } });
 * console.assert((await w.data())[1] === 2);
 * ```
 */
export function restoreVariables(
  variables: NamedVariables,
  saved: Record<string, SavedTensor>,
): void {
  for (const [name, v] of Object.entries(variables)) {
    const s = saved[name];
    if (!s) {
      throw new UsageError(`checkpoint has no variable '${name}'`, "resume with the same model");
    }
    if (s.shape.join() !== v.shape.join()) {
      throw new UsageError(
        `checkpoint variable '${name}' has shape [${s.shape}], the model [${v.shape}]`,
        "resume with the same model configuration",
      );
    }
    tf.tidy(() => v.assign(tf.tensor(s.data, s.shape, v.dtype)));
  }
}

const MAGIC = "NBCKPT1\n";

/**
 * Writes a checkpoint: a magic line, a JSON header, then the raw arrays (little-endian).
 *
 * @example
 * ```ts ignore
 * import { saveCheckpoint } from "@normbench/normbench";
 * await saveCheckpoint("run.ckpt", checkpoint);
 * ```
 */
export async function saveCheckpoint(path: string, checkpoint: Checkpoint): Promise<void> {
  const blobs: Uint8Array[] = [];
  let offset = 0;
  const replacer = (_key: string, value: unknown) => {
    if (value instanceof Float32Array || value instanceof Int32Array) {
      const bytes = new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
      blobs.push(bytes.slice());
      const ref = {
        $array: value instanceof Float32Array ? "f32" : "i32",
        offset,
        length: value.length,
      };
      offset += bytes.byteLength;
      return ref;
    }
    return value;
  };
  const header = new TextEncoder().encode(JSON.stringify(checkpoint, replacer));
  const lengthBytes = new Uint8Array(4);
  new DataView(lengthBytes.buffer).setUint32(0, header.byteLength, true);
  const magic = new TextEncoder().encode(MAGIC);
  const total = magic.byteLength + 4 + header.byteLength + offset;
  const out = new Uint8Array(total);
  let at = 0;
  for (const part of [magic, lengthBytes, header, ...blobs]) {
    out.set(part, at);
    at += part.byteLength;
  }
  await Deno.writeFile(path, out);
}

/**
 * Reads a checkpoint written by {@linkcode saveCheckpoint}.
 *
 * @example
 * ```ts ignore
 * import { loadCheckpoint } from "@normbench/normbench";
 * const checkpoint = await loadCheckpoint("run.ckpt");
 * ```
 */
export async function loadCheckpoint(path: string): Promise<Checkpoint> {
  const bytes = await Deno.readFile(path);
  const magic = new TextEncoder().encode(MAGIC);
  if (
    bytes.byteLength < magic.byteLength + 4 ||
    new TextDecoder().decode(bytes.subarray(0, magic.byteLength)) !== MAGIC
  ) {
    throw new UsageError(`'${path}' is not a normbench checkpoint`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = view.getUint32(magic.byteLength, true);
  const start = magic.byteLength + 4;
  const body = start + headerLength;
  const reviver = (_key: string, value: unknown) => {
    const ref = value as { $array?: string; offset: number; length: number };
    if (ref && typeof ref === "object" && (ref.$array === "f32" || ref.$array === "i32")) {
      const from = body + ref.offset;
      const copy = bytes.slice(from, from + ref.length * 4);
      return ref.$array === "f32" ? new Float32Array(copy.buffer) : new Int32Array(copy.buffer);
    }
    return value;
  };
  const checkpoint = JSON.parse(
    new TextDecoder().decode(bytes.subarray(start, body)),
    reviver,
  ) as Checkpoint;
  if (checkpoint.format !== "normbench-checkpoint/1") {
    throw new UsageError(`'${path}' has an unknown checkpoint format`);
  }
  return checkpoint;
}
