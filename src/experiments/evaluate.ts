/**
 * Scoring a trained classifier on held-out batches, with the one accuracy metric of
 * `src/metrics/accuracy.ts`.
 *
 * @module
 */
import * as tf from "../tf.ts";
import { accuracy, argmaxRows } from "../metrics/accuracy.ts";

/**
 * Accuracy (a fraction; NaN for no examples) of a classifier over `batches`: the row-wise
 * argmax of `scores(batch)` (`[B, classes]` logits, run in inference mode by the caller)
 * against each batch's `labels`.
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs-core";
 * import { classifierAccuracy } from "@normbench/normbench";
 * const batches = [{ x: [[2, 1], [0, 3]], labels: Int32Array.of(0, 0) }];
 * const acc = await classifierAccuracy(batches, (b) => tf.tensor2d(b.x));
 * console.assert(acc === 0.5);
 * ```
 */
export async function classifierAccuracy<B extends { labels: Int32Array }>(
  batches: Iterable<B>,
  scores: (batch: B) => tf.Tensor,
): Promise<number> {
  const predictions: number[] = [];
  const labels: number[] = [];
  for (const b of batches) {
    const logits = tf.tidy(() => scores(b));
    const [, classes] = logits.shape;
    const values = await logits.data();
    logits.dispose();
    predictions.push(...argmaxRows(values, classes!));
    labels.push(...b.labels);
  }
  return accuracy(predictions, labels);
}
