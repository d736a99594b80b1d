/**
 * Recording the shapes of the products a model runs, so that benchmarks can time the backend's
 * own kernels at exactly those shapes.
 *
 * @module
 */
import * as tf from "../tf.ts";

/** Records shapes while a {@linkcode ShapeTracer.trace} call runs. */
export interface ShapeTracer<S> {
  /** Called by a layer for each product it computes (a no-op outside `trace`). */
  record(shape: S): void;
  /** Runs `fn` (inside `tf.tidy`) and returns every shape recorded meanwhile, in order. */
  trace(fn: () => unknown): S[];
}

/**
 * A tracer for one kind of product (matrix products, convolutions). Nested traces each see
 * their own shapes.
 *
 * @example
 * ```ts
 * import { shapeTracer } from "@normbench/normbench";
 * const tracer = shapeTracer<[number, number]>();
 * const shapes = tracer.trace(() => tracer.record([2, 3]));
 * console.assert(shapes.length === 1 && shapes[0][1] === 3);
 * ```
 */
export function shapeTracer<S>(): ShapeTracer<S> {
  let recorder: ((shape: S) => void) | null = null;
  return {
    record: (shape) => recorder?.(shape),
    trace: (fn) => {
      const shapes: S[] = [];
      const previous = recorder;
      recorder = (s) => shapes.push(s);
      try {
        tf.tidy(() => {
          fn();
        });
      } finally {
        recorder = previous;
      }
      return shapes;
    },
  };
}
