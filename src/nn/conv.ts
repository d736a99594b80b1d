/**
 * A 2-D convolution with `same` padding and stride 1 or 2, fast to train on every backend: the
 * forward and the input gradient are convolutions (XNNPACK on wasm), the kernel gradient a
 * convolution of the transposed input with the transposed output gradient — tfjs-wasm 4.22's own
 * backward runs at ~1 GFLOP/s. Stride 2 is the stride-1 output at even positions (what torch's
 * `padding = k // 2` gives), taken by a reshape and a slice so that its gradient is a pad.
 *
 * @module
 */
import * as tf from "../tf.ts";
import { shapeTracer } from "./shape_trace.ts";
import { standardizeWeight } from "../norms/weight_standardization.ts";
import { type Initializer, normal } from "./init.ts";
import type { Scope } from "./scope.ts";
import { UsageError } from "../util/errors.ts";

/** A convolution's shape: input `[B, H, W, C]`, kernel side k, output channels O, stride. */
export type ConvShape = [
  batch: number,
  height: number,
  width: number,
  inChannels: number,
  kernel: number,
  outChannels: number,
  stride: 1 | 2,
];

const convs = shapeTracer<ConvShape>();

/**
 * Runs `fn` and returns the shape of every convolution {@linkcode conv2dSame} ran in it.
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs-core";
 * import { conv2dSame, traceConvs } from "@normbench/normbench";
 * const shapes = traceConvs(() => conv2dSame(tf.ones([2, 8, 8, 3]) as tf.Tensor4D, tf.ones([3, 3, 3, 4]) as tf.Tensor4D, 2));
 * console.assert(shapes[0].join() === "2,8,8,3,3,4,2");
 * ```
 */
export function traceConvs(fn: () => unknown): ConvShape[] {
  return convs.trace(fn);
}

/** Stride-1 `same` convolution of `x` `[B, H, W, C]` with `kernel` `[k, k, C, O]` (k odd). */
function convSame(x: tf.Tensor4D, kernel: tf.Tensor4D, inputGrad: boolean): tf.Tensor4D {
  const fn = tf.customGrad((...args: (tf.Tensor | ((t: tf.Tensor[]) => void))[]) => {
    const [input, w] = args as tf.Tensor4D[];
    const save = args[2] as (t: tf.Tensor[]) => void;
    save([input, w]);
    return {
      value: tf.conv2d(input, w, 1, "same"),
      gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
        const g = dy as tf.Tensor4D;
        const [xs, ws] = saved as tf.Tensor4D[];
        const k = ws.shape[0];
        const p = (k - 1) / 2;
        const dx = inputGrad
          ? tf.conv2d(
            g,
            tf.transpose(tf.reverse(ws, [0, 1]), [0, 1, 3, 2]) as tf.Tensor4D,
            1,
            "same",
          )
          : tf.zerosLike(xs);
        // dW[i, j, c, o] = Σ_{b,y,x} xpad[b, y+i, x+j, c]·dy[b, y, x, o]: a valid convolution of
        // xpad as [C, H+2p, W+2p, B] with dy as the filter [H, W, B, O].
        const xt = tf.transpose(tf.pad(xs, [[0, 0], [p, p], [p, p], [0, 0]]), [3, 1, 2, 0]);
        const gt = tf.transpose(g, [1, 2, 0, 3]);
        const dw = tf.transpose(
          tf.conv2d(xt as tf.Tensor4D, gt as tf.Tensor4D, 1, "valid"),
          [1, 2, 0, 3],
        );
        return [dx, dw];
      },
    };
  });
  return fn(x, kernel) as tf.Tensor4D;
}

/**
 * The positions of `x` `[B, H, W, C]` at even rows and columns (H, W even): a stride-2
 * subsampling whose gradient is a pad.
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs-core";
 * import { subsample2 } from "@normbench/normbench";
 * const y = subsample2(tf.reshape(tf.range(0, 16), [1, 4, 4, 1]) as tf.Tensor4D);
 * console.assert(y.dataSync().join() === "0,2,8,10");
 * ```
 */
export function subsample2(x: tf.Tensor4D): tf.Tensor4D {
  const [b, h, w, c] = x.shape;
  if (h % 2 || w % 2) {
    throw new UsageError(
      `a stride-2 step needs an even height and width, got ${h}×${w}`,
      "choose an image size that halves evenly at every downsampling stage",
    );
  }
  return tf.tidy(() => {
    const grid = tf.reshape(x, [b * (h / 2), 2, w / 2, 2 * c]);
    const rows = tf.slice(grid, [0, 0, 0, 0], [-1, 1, -1, c]);
    return tf.reshape(rows, [b, h / 2, w / 2, c]) as tf.Tensor4D;
  });
}

/**
 * `same` convolution of `x` `[B, H, W, C]` with `kernel` `[k, k, C, O]` (k odd) at stride 1 or
 * 2, on the fast path described in this module's doc.
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs-core";
 * import { conv2dSame } from "@normbench/normbench";
 * const x = tf.randomNormal([2, 8, 8, 3]) as tf.Tensor4D;
 * const w = tf.randomNormal([3, 3, 3, 4]) as tf.Tensor4D;
 * const y = conv2dSame(x, w, 2);
 * console.assert(y.shape.join() === "2,4,4,4");
 * ```
 */
export function conv2dSame(
  x: tf.Tensor4D,
  kernel: tf.Tensor4D,
  stride: 1 | 2 = 1,
  options: { inputGrad?: boolean } = {},
): tf.Tensor4D {
  const k = kernel.shape[0];
  if (k % 2 !== 1 || kernel.shape[1] !== k) {
    throw new UsageError(`a 'same' convolution needs an odd square kernel, got ${kernel.shape}`);
  }
  const [b, h, w, c] = x.shape;
  convs.record([b, h, w, c, k, kernel.shape[3], stride]);
  return tf.tidy(() => {
    const y = k === 1 && stride === 2
      ? convSame(subsample2(x), kernel, options.inputGrad ?? true)
      : convSame(x, kernel, options.inputGrad ?? true);
    return stride === 2 && k !== 1 ? subsample2(y) : y;
  });
}

/** Options of {@linkcode Conv2d}. */
export interface Conv2dOptions {
  /** Stride 1 (default) or 2. */
  stride?: 1 | 2;
  /** Kernel initialiser (default He normal over fan-out, torchvision's ResNet rule). */
  init?: Initializer;
  /** Weight Standardization: convolve with the kernel standardised per output channel. */
  standardize?: boolean;
  /** Whether gradients flow to the input (default true; false for a first layer on data). */
  inputGrad?: boolean;
}

/**
 * A bias-free 2-D convolution with `same` padding (a norm follows it in the zoo's CNN), named
 * variable `kernel` `[k, k, in, out]`.
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs-core";
 * import { Conv2d, Scope } from "@normbench/normbench";
 * const conv = new Conv2d(new Scope({ seed: 0 }).child("conv"), 3, 1, 8, { stride: 2 });
 * console.assert(conv.apply(tf.ones([2, 28, 28, 1]) as tf.Tensor4D).shape.join() === "2,14,14,8");
 * ```
 */
export class Conv2d {
  /** `[k, k, in, out]` */
  readonly kernel: tf.Variable;
  /** Stride. */
  readonly stride: 1 | 2;
  /** Whether the convolution uses its kernel standardised (Weight Standardization). */
  readonly standardize: boolean;
  readonly #inputGrad: boolean;

  /** Creates `kernel` under `scope`. */
  constructor(scope: Scope, k: number, inDim: number, outDim: number, options: Conv2dOptions = {}) {
    this.kernel = scope.param(
      "kernel",
      [k, k, inDim, outDim],
      options.init ?? normal(Math.sqrt(2 / (k * k * outDim))),
    );
    this.stride = options.stride ?? 1;
    this.standardize = options.standardize ?? false;
    this.#inputGrad = options.inputGrad ?? true;
  }

  /** The kernel the convolution uses: raw, or a new tensor standardised per output channel. */
  weight(): tf.Tensor4D {
    return (this.standardize ? standardizeWeight(this.kernel) : this.kernel) as tf.Tensor4D;
  }

  /** `[B, H, W, in]` → `[B, H/stride, W/stride, out]`. */
  apply(x: tf.Tensor4D): tf.Tensor4D {
    return tf.tidy(() => conv2dSame(x, this.weight(), this.stride, { inputGrad: this.#inputGrad }));
  }

  /** Multiply-accumulates on a `[B, H, W, in]` input (FLOPs = 2×). */
  macs(batch: number, height: number, width: number): number {
    const [k, , inDim, outDim] = this.kernel.shape;
    return (batch * height * width * k * k * inDim * outDim) / (this.stride * this.stride);
  }
}
