/**
 * Classification accuracy.
 *
 * @module
 */

/**
 * Fraction of predictions equal to their labels.
 *
 * @example
 * ```ts
 * import { accuracy } from "@normbench/normbench";
 * console.assert(accuracy([1, 0, 1, 1], [1, 1, 1, 0]) === 0.5);
 * ```
 */
export function accuracy(predictions: ArrayLike<number>, labels: ArrayLike<number>): number {
  if (predictions.length !== labels.length) {
    throw new RangeError(`${predictions.length} predictions for ${labels.length} labels`);
  }
  if (!labels.length) return NaN;
  let hit = 0;
  for (let i = 0; i < labels.length; i++) if (predictions[i] === labels[i]) hit++;
  return hit / labels.length;
}

/**
 * Row-wise argmax of a `[rows, classes]` score matrix (logits or probabilities), first maximum
 * on ties.
 *
 * @example
 * ```ts
 * import { argmaxRows } from "@normbench/normbench";
 * const p = argmaxRows(Float32Array.of(0.1, 0.9, 2, -1), 2);
 * console.assert(p[0] === 1 && p[1] === 0);
 * ```
 */
export function argmaxRows(scores: ArrayLike<number>, classes: number): Int32Array {
  const rows = Math.floor(scores.length / classes);
  const out = new Int32Array(rows);
  for (let r = 0; r < rows; r++) {
    let best = 0;
    for (let c = 1; c < classes; c++) {
      if (scores[r * classes + c] > scores[r * classes + best]) best = c;
    }
    out[r] = best;
  }
  return out;
}
