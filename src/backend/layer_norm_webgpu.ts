/**
 * The fused LayerNorm kernel for WebGPU: one WGSL compute program, one workgroup per row. The
 * workgroup reduces the row's sum, then its centred sum of squares, in shared memory and writes
 * `γ·(x − μ)/sqrt(σ² + ε) + β` — one dispatch where the composite tfjs version records ~9.
 *
 * @module
 */
import type * as tf from "../tf.ts";
import type { WebGPUBackend, WebGPUProgram } from "@tensorflow/tfjs-backend-webgpu";

/** The WGSL program of the fused LayerNorm over the last axis (one workgroup per row). */
export class LayerNormProgram implements WebGPUProgram {
  variableNames: string[] = ["x", "gamma", "beta"];
  outputShape: number[];
  shaderKey: string;
  dispatchLayout: { x: number[] };
  dispatch: [number, number, number];
  workgroupSize: [number, number, number];
  uniforms: string = "eps : f32, cols : i32,";

  /** A program for an input of `shape` (any rank), normalised over its last axis. */
  constructor(shape: number[]) {
    const cols = shape[shape.length - 1];
    this.outputShape = shape;
    this.dispatchLayout = { x: shape.map((_, i) => i) };
    this.dispatch = [shape.reduce((a, b) => a * b, 1) / cols, 1, 1];
    this.workgroupSize = [cols >= 1024 ? 256 : 64, 1, 1];
    this.shaderKey = `normbenchLayerNorm_${this.workgroupSize[0]}`;
  }

  getUserCode(): string {
    const size = this.workgroupSize[0];
    const reduce = `
      workgroupBarrier();
      for (var half = blockSize >> 1; half > 0; half = half >> 1) {
        if (tid < half) {
          buf[tid] = buf[tid] + buf[tid + half];
        }
        workgroupBarrier();
      }`;
    return `
    var<workgroup> buf : array<f32, ${size}>;
    var<workgroup> meanShared : f32;
    var<workgroup> rstdShared : f32;
    const blockSize = ${size};
    fn main(index : i32) {
      let row = index / blockSize;
      let tid = i32(localId.x);
      let cols = uniforms.cols;
      let base = row * cols;
      var s = 0.0;
      for (var c = tid; c < cols; c += blockSize) {
        s += x[base + c];
      }
      buf[tid] = s;
      ${reduce}
      if (tid == 0) {
        meanShared = buf[0] / f32(cols);
      }
      workgroupBarrier();
      let mean = meanShared;
      var ss = 0.0;
      for (var c = tid; c < cols; c += blockSize) {
        let d = x[base + c] - mean;
        ss += d * d;
      }
      buf[tid] = ss;
      ${reduce}
      if (tid == 0) {
        rstdShared = 1.0 / sqrt(buf[0] / f32(cols) + uniforms.eps);
      }
      workgroupBarrier();
      let rstd = rstdShared;
      for (var c = tid; c < cols; c += blockSize) {
        result[base + c] = (x[base + c] - mean) * rstd * gamma[c] + beta[c];
      }
    }
    `;
  }
}

/** The kernel function: inputs `x` `[…, C]`, `gamma`, `beta` `[C]` (float32), attribute `eps`. */
export function layerNormWebGpu(
  args: { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: tf.NamedAttrMap },
): tf.TensorInfo {
  const backend = args.backend as WebGPUBackend;
  const { x, gamma, beta } = args.inputs as Record<string, tf.TensorInfo>;
  const eps = (args.attrs as unknown as { eps: number }).eps;
  const program = new LayerNormProgram(x.shape);
  return backend.runWebGPUProgram(program, [x, gamma, beta], "float32", [
    { type: "float32", data: [eps] },
    { type: "int32", data: [x.shape[x.shape.length - 1]] },
  ]);
}
