/**
 * The linear map `y = act(x·W + b)` with a gradient that only uses plain matrix products.
 *
 * tfjs-wasm runs `matMul` with `transposeA`/`transposeB` on a naive loop 10–20× slower than its
 * XNNPACK path, and tfjs's own matMul gradient uses exactly those flags. Here the backward
 * transposes explicitly (`tf.transpose` is cheap) and multiplies without flags — except on WebGPU,
 * whose tiled matmul program reads either layout, so the flags save a transpose dispatch each
 * (`rawBatchMatMul` decides per backend).
 *
 * @module
 */
import * as tf from "../tf.ts";
import { shapeTracer } from "./shape_trace.ts";
import { columnSum } from "../backend/kernels.ts";
import { rawBatchMatMul } from "./batch_matmul.ts";

/** An activation fused into the matrix product. */
export type FusedActivation = "linear" | "relu";

/** Options of {@linkcode linear}. */
export interface LinearOptions {
  /** Fused activation (default `linear`). */
  activation?: FusedActivation;
  /**
   * Whether a gradient flows back to `x` (default true). Pass false for a first layer whose
   * input is data: the backward then skips one matrix product.
   */
  inputGrad?: boolean;
}

type GradInputs = (tf.Tensor | ((t: tf.Tensor[]) => void))[];

/** A 2-D product's shape `[m, k, n]` (`[m, k]·[k, n]`). */
export type MatMulShape = [number, number, number];

const matMuls = shapeTracer<MatMulShape>();

/**
 * Runs `fn` and returns the shape of every 2-D product that {@linkcode linear} and
 * {@linkcode matMul2d} computed in it (forward only), e.g. to benchmark a model's own shapes.
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs-core";
 * import { linear, traceMatMuls } from "@normbench/normbench";
 * const shapes = traceMatMuls(() => linear(tf.ones([5, 3]), tf.ones([3, 2]) as tf.Tensor2D, null));
 * console.assert(shapes[0].join() === "5,3,2");
 * ```
 */
export function traceMatMuls(fn: () => unknown): MatMulShape[] {
  return matMuls.trace(fn);
}

/**
 * `act(x·kernel + bias)` for `x` of any rank with features last; `kernel` is `[in, out]`.
 * Differentiable in `x` (unless `inputGrad` is false), `kernel` and `bias`, with a backward
 * made of plain matrix products: `dx = g·Wᵀ`, `dW = xᵀ·g`, `db = Σ g`.
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs-core";
 * import { linear } from "@normbench/normbench";
 * const y = linear(tf.ones([2, 3, 4]), tf.ones([4, 5]) as tf.Tensor2D, tf.zeros([5]) as tf.Tensor1D);
 * console.assert(y.shape.join() === "2,3,5");
 * ```
 */
export function linear(
  x: tf.Tensor,
  kernel: tf.Tensor2D,
  bias: tf.Tensor1D | null,
  options: LinearOptions = {},
): tf.Tensor {
  const [inDim, outDim] = kernel.shape;
  const lead = x.shape.slice(0, -1);
  const relu = options.activation === "relu";
  const inputGrad = options.inputGrad ?? true;
  matMuls.record([x.size / inDim, inDim, outDim]);
  return tf.tidy(() => {
    const x2 = tf.reshape(x, [-1, inDim]) as tf.Tensor2D;
    const forward = (input: tf.Tensor2D, w: tf.Tensor2D, b: tf.Tensor1D | null): tf.Tensor2D =>
      tf.fused.matMul({
        a: input,
        b: w,
        bias: b ?? undefined,
        activation: relu ? "relu" : "linear",
      }) as tf.Tensor2D;
    const backward = (
      dy: tf.Tensor,
      input: tf.Tensor2D,
      w: tf.Tensor2D,
      y: tf.Tensor | undefined,
    ): { dx: tf.Tensor | null; dw: tf.Tensor; db: tf.Tensor } => {
      const g = relu ? tf.mul(dy, tf.step(y!)) : dy;
      const dx = inputGrad ? rawBatchMatMul(g, w, false, true) : null;
      // XNNPACK packs the right operand afresh for every new tensor: let it be the narrower of
      // x [m, in] and g [m, out] (dW = xᵀ·g, or (gᵀ·x)ᵀ when in < out); WebGPU takes xᵀ·g.
      const dw = inDim < outDim && tf.getBackend() !== "webgpu"
        ? tf.transpose(rawBatchMatMul(g, input, true))
        : rawBatchMatMul(input, g, true);
      // Σ over rows on the column-sum kernel (tfjs-wasm's axis-0 reduction transposes first).
      const db = columnSum(g as tf.Tensor2D);
      return { dx, dw, db };
    };
    let fn: (...args: tf.Tensor[]) => tf.Tensor;
    if (inputGrad) {
      fn = tf.customGrad((...args: GradInputs) => {
        const [input, w] = args as tf.Tensor2D[];
        const b = bias ? args[2] as tf.Tensor1D : null;
        const save = args[args.length - 1] as (t: tf.Tensor[]) => void;
        const y = forward(input, w, b);
        save(relu ? [input, w, y] : [input, w]);
        return {
          value: y,
          gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
            const r = backward(
              dy as tf.Tensor,
              saved[0] as tf.Tensor2D,
              saved[1] as tf.Tensor2D,
              saved[2],
            );
            return bias ? [r.dx!, r.dw, r.db] : [r.dx!, r.dw];
          },
        };
      });
      const y = bias ? fn(x2, kernel, bias) : fn(x2, kernel);
      return tf.reshape(y, [...lead, outDim]);
    }
    // No gradient to x: x is closed over, not an input of the custom op.
    fn = tf.customGrad((...args: GradInputs) => {
      const w = args[0] as tf.Tensor2D;
      const b = bias ? args[1] as tf.Tensor1D : null;
      const save = args[args.length - 1] as (t: tf.Tensor[]) => void;
      const y = forward(x2, w, b);
      save(relu ? [x2, w, y] : [x2, w]);
      return {
        value: y,
        gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
          const [input, sw, sy] = saved as tf.Tensor2D[];
          const r = backward(dy as tf.Tensor, input, sw, sy);
          return bias ? [r.dw, r.db] : [r.dw];
        },
      };
    });
    const y = bias ? fn(kernel, bias) : fn(kernel);
    return tf.reshape(y, [...lead, outDim]);
  });
}

/**
 * `a·b` for 2-D `a` `[m, k]` and `b` `[k, n]` with a backward free of transposed-matmul flags on wasm and cpu (`da = g·bᵀ`,
 * `db = aᵀ·g`). Use it where tfjs's own matMul gradient would take the slow transposed path.
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs-core";
 * import { matMul2d } from "@normbench/normbench";
 * console.assert(matMul2d(tf.ones([2, 3]), tf.ones([3, 4])).shape.join() === "2,4");
 * ```
 */
export function matMul2d(a: tf.Tensor, b: tf.Tensor): tf.Tensor2D {
  matMuls.record([a.shape[0] as number, a.shape[1] as number, b.shape[1] as number]);
  const fn = tf.customGrad((...args: GradInputs) => {
    const [x, y] = args as tf.Tensor2D[];
    const save = args[2] as (t: tf.Tensor[]) => void;
    save([x, y]);
    return {
      value: tf.matMul(x, y),
      gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
        const [sx, sy] = saved as tf.Tensor2D[];
        const g = dy as tf.Tensor2D;
        return [rawBatchMatMul(g, sy, false, true), rawBatchMatMul(sx, g, true)];
      },
    };
  });
  return fn(a, b) as tf.Tensor2D;
}
