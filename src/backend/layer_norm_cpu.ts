/**
 * The fused LayerNorm kernel for the cpu backend: one JavaScript loop per row (sum, centred sum
 * of squares, output) in double precision, instead of ~9 tfjs kernels that each allocate and
 * sweep a full-size array.
 *
 * @module
 */
import type * as tf from "../tf.ts";

/** The parts of tfjs's cpu backend the kernel needs. */
interface CpuBackend {
  data: { get(dataId: object): { values: unknown } };
  makeTensorInfo(shape: number[], dtype: tf.DataType, values?: Float32Array): tf.TensorInfo;
}

/** The kernel function: inputs `x` `[…, C]`, `gamma`, `beta` `[C]` (float32), attribute `eps`. */
export function layerNormCpu(
  args: { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: tf.NamedAttrMap },
): tf.TensorInfo {
  const backend = args.backend as CpuBackend;
  const { x, gamma, beta } = args.inputs as Record<string, tf.TensorInfo>;
  const eps = (args.attrs as unknown as { eps: number }).eps;
  const xs = backend.data.get(x.dataId).values as Float32Array;
  const g = backend.data.get(gamma.dataId).values as Float32Array;
  const b = backend.data.get(beta.dataId).values as Float32Array;
  const cols = x.shape[x.shape.length - 1];
  const out = new Float32Array(xs.length);
  for (let base = 0; base < xs.length; base += cols) {
    let sum = 0;
    for (let c = 0; c < cols; c++) sum += xs[base + c];
    const mean = sum / cols;
    let ss = 0;
    for (let c = 0; c < cols; c++) {
      const d = xs[base + c] - mean;
      ss += d * d;
    }
    const rstd = 1 / Math.sqrt(ss / cols + eps);
    for (let c = 0; c < cols; c++) out[base + c] = (xs[base + c] - mean) * rstd * g[c] + b[c];
  }
  return backend.makeTensorInfo(x.shape, "float32", out);
}
