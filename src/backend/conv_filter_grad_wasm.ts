/**
 * The filter gradient of a 2-D convolution on wasm: tfjs-wasm 4.22 ships `Conv2D` and
 * `Conv2DBackpropInput` but no `Conv2DBackpropFilter`, so `tf.conv2d` cannot train there. This
 * kernel computes it with tfjs-wasm's own `Conv3DBackpropFilterV2` on a depth-1 volume, at stride
 * 1 (that kernel is wrong at larger strides; the zoo's `conv2dSame` needs stride 1 only).
 *
 * @module
 */
import * as tf from "../tf.ts";

interface TensorInfo {
  dataId: object;
  shape: number[];
  dtype: string;
}

interface Backend {
  disposeData(dataId: object): void;
}

/** `Conv2DBackpropFilter` for wasm (NHWC, stride 1; `same`, `valid`, numeric or explicit padding). */
export function conv2dBackpropFilterWasm(args: {
  inputs: { x: TensorInfo; dy: TensorInfo };
  backend: Backend;
  attrs: {
    strides: number | [number, number];
    pad: unknown;
    dataFormat?: string;
    filterShape: [number, number, number, number];
  };
}): TensorInfo {
  const { inputs: { x, dy }, backend, attrs } = args;
  const { filterShape } = attrs;
  if ((attrs.dataFormat ?? "NHWC") !== "NHWC") {
    throw new Error("Conv2DBackpropFilter on wasm supports NHWC only; use the cpu backend");
  }
  // Explicit and numeric padding: pad the input here, then a 'valid' product.
  const explicit = typeof attrs.pad === "number"
    ? [[0, 0], [attrs.pad, attrs.pad], [attrs.pad, attrs.pad], [0, 0]]
    : Array.isArray(attrs.pad)
    ? attrs.pad as number[][]
    : null;
  const pad = explicit ? "valid" : attrs.pad;
  if (pad !== "same" && pad !== "valid") {
    throw new Error(`Conv2DBackpropFilter on wasm: unsupported padding ${JSON.stringify(pad)}`);
  }
  const [sh, sw] = typeof attrs.strides === "number"
    ? [attrs.strides, attrs.strides]
    : attrs.strides;
  if (sh !== 1 || sw !== 1) {
    // tfjs-wasm 4.22's Conv3DBackpropFilterV2 returns wrong values at strides > 1.
    throw new Error(
      "the filter gradient of a strided conv2d is not available on wasm; use normbench's " +
        "conv2dSame (stride 1 then subsampling) or the cpu backend",
    );
  }
  const reshape = tf.getKernel("Reshape", "wasm")!.kernelFunc;
  const conv3d = tf.getKernel("Conv3DBackpropFilterV2", "wasm")!.kernelFunc;
  const as5d = (t: TensorInfo) =>
    reshape({
      inputs: { x: t },
      backend,
      attrs: { shape: [t.shape[0], 1, ...t.shape.slice(1)] },
    } as never) as TensorInfo;
  const padded = explicit
    ? tf.getKernel("PadV2", "wasm")!.kernelFunc({
      inputs: { x },
      backend,
      attrs: { paddings: explicit, constantValue: 0 },
    } as never) as TensorInfo
    : x;
  const x5 = as5d(padded);
  const dy5 = as5d(dy);
  const dw5 = conv3d({
    inputs: { x: x5, dy: dy5 },
    backend,
    attrs: { strides: [1, sh, sw], pad, filterShape: [1, ...filterShape] },
  } as never) as TensorInfo;
  const dw = reshape({ inputs: { x: dw5 }, backend, attrs: { shape: filterShape } } as never);
  for (const t of [x5, dy5, dw5]) backend.disposeData(t.dataId);
  if (padded !== x) backend.disposeData(padded.dataId);
  return dw as TensorInfo;
}
