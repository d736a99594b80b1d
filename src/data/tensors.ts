/**
 * Turns a batch's typed arrays into tf tensors: int32 ids stay int32, float pixels and uint8
 * masks become float32.
 *
 * @module
 */
import * as tf from "../tf.ts";

/**
 * One tensor per field listed in `batch.shapes`. The caller disposes them.
 *
 * @example
 * ```ts
 * import { batchTensors, classificationBatches, initBackend } from "@normbench/normbench";
 * await initBackend("cpu");
 * const [batch] = classificationBatches([{ ids: Int32Array.of(9, 9), label: 1 }], { batchSize: 1 });
 * const t = batchTensors(batch);
 * console.assert(t.ids.dtype === "int32" && t.mask.dtype === "float32");
 * Object.values(t).forEach((x) => x.dispose());
 * ```
 */
export function batchTensors(
  batch: { readonly shapes: Readonly<Record<string, readonly number[]>> },
): Record<string, tf.Tensor> {
  const out: Record<string, tf.Tensor> = {};
  const fields = batch as unknown as Record<string, unknown>;
  for (const [name, shape] of Object.entries(batch.shapes)) {
    const data = fields[name];
    if (data instanceof Int32Array) out[name] = tf.tensor(data, [...shape], "int32");
    else if (data instanceof Float32Array) out[name] = tf.tensor(data, [...shape], "float32");
    else if (data instanceof Uint8Array) {
      out[name] = tf.tensor(Float32Array.from(data), [...shape], "float32");
    } else throw new Error(`batch field '${name}' is not a typed array`);
  }
  return out;
}
