/**
 * `Σ_rows x` for a 2-D `x` `[R, C]` on WebGPU in one dispatch: each workgroup owns 16 columns and
 * 16 row lanes, each thread sums every 16th row of its column, and the lanes meet in shared
 * memory (`columnReductionWgsl`). tfjs-backend-webgpu reduces axis 0 by transposing first (two
 * dispatches and a full copy); the column sums of every bias and norm gradient go through here
 * (`columnSum`).
 *
 * @module
 */
import type * as tf from "../tf.ts";
import type { WebGPUBackend } from "@tensorflow/tfjs-backend-webgpu";
import { ColumnReductionProgram, flatView } from "./webgpu_util.ts";

/** The kernel function: input `x` `[R, C]` (float32) → `[C]`. */
export function columnSumWebGpu(
  args: { inputs: tf.NamedTensorInfoMap; backend: unknown },
): tf.TensorInfo {
  const backend = args.backend as WebGPUBackend;
  const { x } = args.inputs as Record<string, tf.TensorInfo>;
  const cols = x.shape[x.shape.length - 1];
  const program = new ColumnReductionProgram("sum", {
    cols,
    variables: ["x"],
    rows: "uniforms.xShape / C",
    term: "x[i]",
  });
  return backend.runWebGPUProgram(program, [flatView(x)], "float32");
}
