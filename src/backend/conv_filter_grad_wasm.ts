/**
 * The filter gradient of a 2-D convolution on wasm: tfjs-wasm 4.22 ships `Conv2D` and
 * `Conv2DBackpropInput` but no `Conv2DBackpropFilter`, so `tf.conv2d` cannot train there. This
 * kernel computes it with tfjs-wasm's own `Conv3DBackpropFilterV2` on a depth-1 volume.
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

/** `Conv2DBackpropFilter` for wasm (NHWC, `same`/`valid` padding, any strides). */
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
  const { pad, filterShape } = attrs;
  if ((pad !== "same" && pad !== "valid") || (attrs.dataFormat ?? "NHWC") !== "NHWC") {
    throw new Error(
      "Conv2DBackpropFilter on wasm supports NHWC with 'same' or 'valid' padding only; " +
        "use the cpu backend for other convolutions",
    );
  }
  const [sh, sw] = typeof attrs.strides === "number"
    ? [attrs.strides, attrs.strides]
    : attrs.strides;
  const reshape = tf.getKernel("Reshape", "wasm")!.kernelFunc;
  const conv3d = tf.getKernel("Conv3DBackpropFilterV2", "wasm")!.kernelFunc;
  const as5d = (t: TensorInfo) =>
    reshape({
      inputs: { x: t },
      backend,
      attrs: { shape: [t.shape[0], 1, ...t.shape.slice(1)] },
    } as never) as TensorInfo;
  const x5 = as5d(x);
  const dy5 = as5d(dy);
  const dw5 = conv3d({
    inputs: { x: x5, dy: dy5 },
    backend,
    attrs: { strides: [1, sh, sw], pad, filterShape: [1, ...filterShape] },
  } as never) as TensorInfo;
  const dw = reshape({ inputs: { x: dw5 }, backend, attrs: { shape: filterShape } } as never);
  for (const t of [x5, dy5, dw5]) backend.disposeData(t.dataId);
  return dw as TensorInfo;
}
