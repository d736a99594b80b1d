/**
 * `Σ_rows x` for a 2-D `x` `[R, C]` on WebGPU in one dispatch: each workgroup owns 16 columns and
 * 16 row lanes, each thread sums every 16th row of its column, and the lanes meet in shared
 * memory. tfjs-backend-webgpu reduces axis 0 by transposing first (two dispatches and a full
 * copy); the column sums of every bias and norm gradient go through here (`columnSum`).
 *
 * @module
 */
import type * as tf from "../tf.ts";
import type { WebGPUBackend, WebGPUProgram } from "@tensorflow/tfjs-backend-webgpu";
import { flatView, touchBindings } from "./webgpu_util.ts";

/** The column sums of a `[rows, cols]` input (rows from the input's shape uniform). */
export class ColumnSumProgram implements WebGPUProgram {
  variableNames: string[] = ["x"];
  outputShape: number[];
  shaderKey: string;
  dispatchLayout: { x: number[] } = { x: [0] };
  dispatch: [number, number, number];
  workgroupSize: [number, number, number] = [16, 16, 1];
  #cols: number;

  /** For `cols` columns. */
  constructor(cols: number) {
    this.outputShape = [cols];
    this.dispatch = [Math.ceil(cols / 16), 1, 1];
    this.shaderKey = `normbenchColumnSum_${cols}`;
    this.#cols = cols;
  }

  getUserCode(): string {
    return `
    var<workgroup> part : array<f32, 256>;
    const C = ${this.#cols};
    fn main(index : i32) {
      ${touchBindings(this.variableNames)}
      let lx = i32(localId.x);
      let ly = i32(localId.y);
      let col = i32(workgroupId.x) * 16 + lx;
      let rows = uniforms.xShape / C;
      var acc = 0.0;
      if (col < C) {
        for (var row = ly; row < rows; row += 16) {
          acc += x[row * C + col];
        }
      }
      part[ly * 16 + lx] = acc;
      workgroupBarrier();
      for (var half = 8; half > 0; half = half >> 1u) {
        if (ly < half) {
          part[ly * 16 + lx] = part[ly * 16 + lx] + part[(ly + half) * 16 + lx];
        }
        workgroupBarrier();
      }
      if (ly == 0 && col < C) {
        result[col] = part[lx];
      }
    }
    `;
  }
}

/** The kernel function: input `x` `[R, C]` (float32) → `[C]`. */
export function columnSumWebGpu(
  args: { inputs: tf.NamedTensorInfoMap; backend: unknown },
): tf.TensorInfo {
  const backend = args.backend as WebGPUBackend;
  const { x } = args.inputs as Record<string, tf.TensorInfo>;
  const cols = x.shape[x.shape.length - 1];
  return backend.runWebGPUProgram(new ColumnSumProgram(cols), [flatView(x)], "float32");
}
