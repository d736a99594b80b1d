/**
 * Adam/AdamW's update on WebGPU over one packed vector: the parameters and gradients are packed
 * by buffer copies (no compute dispatch, where `tf.concat` records a program per few inputs),
 * the moments and the parameters are one WGSL program each, and the new parameters are copied
 * back out into one tensor per parameter (where `tf.split` records a slice program per
 * parameter). The formulas are those of the composite update in `src/train/optimizer.ts`.
 *
 * @module
 */
import type * as tf from "../tf.ts";
import type { WebGPUBackend } from "@tensorflow/tfjs-backend-webgpu";
import { f32Literal, FlatProgram, touchBindings } from "./webgpu_util.ts";

/** The parts of tfjs-webgpu's backend a buffer copy needs (public in its JavaScript). */
interface CopyingBackend {
  device: GPUDevice;
  commandEncoder: GPUCommandEncoder | null;
  commandQueueOwnedIds: WeakSet<object>;
  tensorMap: { get(dataId: object): { resource: GPUBuffer | null } };
  uploadToGPU(dataId: object): void;
  ensureCommandEncoderReady(): void;
  endComputePassEncoder(): void;
  makeTensorInfo(shape: number[], dtype: tf.DataType): tf.TensorInfo;
}

/** Records a copy of `count` floats from `src` at `from` to `dst` at `to` (float offsets). */
function copyFloats(
  backend: CopyingBackend,
  src: tf.TensorInfo,
  from: number,
  dst: tf.TensorInfo,
  to: number,
  count: number,
): void {
  backend.uploadToGPU(src.dataId);
  backend.uploadToGPU(dst.dataId);
  const s = backend.tensorMap.get(src.dataId).resource!;
  const d = backend.tensorMap.get(dst.dataId).resource!;
  backend.ensureCommandEncoderReady();
  backend.endComputePassEncoder();
  backend.commandEncoder!.copyBufferToBuffer(s, from * 4, d, to * 4, count * 4);
  // the buffers stay out of the pool until the copy is submitted (as tfjs does for its programs)
  backend.commandQueueOwnedIds.add(src.dataId);
  backend.commandQueueOwnedIds.add(dst.dataId);
}

interface KernelArgs {
  inputs: tf.NamedTensorInfoMap;
  backend: unknown;
  attrs?: tf.NamedAttrMap;
}

/** Packs float32 inputs `t0`, `t1`, … (in that order) into one flat vector by buffer copies. */
export function packWebGpu(args: KernelArgs): tf.TensorInfo {
  const backend = args.backend as CopyingBackend;
  const parts = Object.keys(args.inputs).sort((a, b) => Number(a.slice(1)) - Number(b.slice(1)))
    .map((k) => args.inputs[k] as tf.TensorInfo);
  const sizes = parts.map((t) => t.shape.reduce((a, d) => a * d, 1));
  const total = sizes.reduce((a, b) => a + b, 0);
  const out = backend.makeTensorInfo([total], "float32");
  let at = 0;
  parts.forEach((t, i) => {
    copyFloats(backend, t, 0, out, at, sizes[i]);
    at += sizes[i];
  });
  return out;
}

/** Copies a flat vector's consecutive pieces of `sizes` floats out into one tensor each. */
export function unpackWebGpu(args: KernelArgs): tf.TensorInfo[] {
  const backend = args.backend as CopyingBackend;
  const flat = args.inputs.x as tf.TensorInfo;
  const { sizes } = args.attrs as unknown as { sizes: number[] };
  let at = 0;
  return sizes.map((size) => {
    const out = backend.makeTensorInfo([size], "float32");
    copyFloats(backend, flat, at, out, 0, size);
    at += size;
    return out;
  });
}

/** The constant settings of an Adam program (the per-step factors are uniforms). */
export interface AdamProgramSettings {
  /** `adam` (L2 decay added to the gradient) or `adamw` (decoupled). */
  kind: "adam" | "adamw";
  /** β1. */
  beta1: number;
  /** β2. */
  beta2: number;
  /** ε. */
  eps: number;
  /** Weight decay (0: none). */
  weightDecay: number;
  /** Whether a 0/1 decay mask input follows the others. */
  masked: boolean;
}

/**
 * One part of the update per element: `m` → `β1·m + (1−β1)·g'`, `v` → `β2·v + (1−β2)·g'²`
 * (`g' = g + wd·mask·p` for adam), `p` → `p − lr·wd·mask·p` (adamw) `− lrc·m'/(√v'·vc + ε)` from
 * the new moments. Uniforms: `lrc = lr/(1−β1ᵗ)`, `vc = 1/√(1−β2ᵗ)`, `lrwd = lr·wd`.
 */
export class AdamProgram extends FlatProgram {
  variableNames: string[];
  override size = true;
  uniforms = "lrc : f32, vc : f32, lrwd : f32,";
  #part: "m" | "v" | "p";
  #s: AdamProgramSettings;

  /** For `size` parameters. */
  constructor(size: number, part: "m" | "v" | "p", s: AdamProgramSettings) {
    super(
      size,
      Math.ceil(size / 256),
      [256, 1],
      `normbenchAdam_${part}_${s.kind}_${s.beta1}_${s.beta2}_${s.eps}_${s.weightDecay}_${s.masked}`,
    );
    const base = part === "p" ? ["p", "m", "v"] : ["p", "g", part];
    this.variableNames = s.masked ? [...base, "mask"] : base;
    this.#part = part;
    this.#s = s;
  }

  getUserCode(): string {
    const s = this.#s;
    const decay = s.weightDecay > 0 ? (s.masked ? "mask[index]" : "1.0") : "0.0";
    const grad = s.kind === "adam" && s.weightDecay > 0
      ? `g[index] + ${f32Literal(s.weightDecay)} * ${decay} * p[index]`
      : "g[index]";
    const b1 = f32Literal(s.beta1);
    const b2 = f32Literal(s.beta2);
    const body = this.#part === "m"
      ? `let gg = ${grad};
        result[index] = ${b1} * m[index] + ${f32Literal(1 - s.beta1)} * gg;`
      : this.#part === "v"
      ? `let gg = ${grad};
        result[index] = ${b2} * v[index] + ${f32Literal(1 - s.beta2)} * (gg * gg);`
      : `var w = p[index];
        ${s.kind === "adamw" ? `w = w - ${decay} * w * uniforms.lrwd;` : ""}
        let denom = sqrt(v[index]) * uniforms.vc + ${f32Literal(s.eps)};
        result[index] = w - (m[index] / denom) * uniforms.lrc;`;
    return `
    fn main(index : i32) {
      ${touchBindings(this.variableNames)}
      if (index < uniforms.size) {
        ${body}
      }
    }
    `;
  }
}

/**
 * One update on WebGPU: inputs p, g, m, v (flat) and mask (optional); attrs the settings and the
 * step's `lrc`, `vc`, `lrwd`; outputs the new p, m, v.
 */
export function adamStepWebGpu(args: KernelArgs): tf.TensorInfo[] {
  const backend = args.backend as WebGPUBackend;
  const { p, g, m, v, mask } = args.inputs as Record<string, tf.TensorInfo | undefined>;
  const a = args.attrs as unknown as AdamProgramSettings & {
    lrc: number;
    vc: number;
    lrwd: number;
  };
  const settings: AdamProgramSettings = {
    kind: a.kind,
    beta1: a.beta1,
    beta2: a.beta2,
    eps: a.eps,
    weightDecay: a.weightDecay,
    masked: mask !== undefined,
  };
  const size = p!.shape[0];
  // one entry per scalar: tfjs aligns a 3-value entry as a vec3 (16 bytes), the struct has f32s
  const uniforms = [a.lrc, a.vc, a.lrwd].map((x) => ({ type: "float32", data: [x] }));
  const extra = mask ? [mask] : [];
  const run = (part: "m" | "v" | "p", inputs: tf.TensorInfo[]) =>
    backend.runWebGPUProgram(
      new AdamProgram(size, part, settings),
      [...inputs, ...extra],
      "float32",
      uniforms,
    );
  const m2 = run("m", [p!, g!, m!]);
  const v2 = run("v", [p!, g!, v!]);
  const p2 = run("p", [p!, m2, v2]);
  return [p2, m2, v2];
}
