/**
 * Replaying the golden vectors of the seed papers' layers: EvoNorm-B0/S0 and Batch-Channel
 * Normalization on NHWC images (training steps with every parameter's gradient, an inference
 * check and the final buffers), and Weight Standardization of a conv kernel. Format:
 * `test/fixtures/golden/seeds/README.md`.
 *
 * @module
 */
import * as tf from "../tf.ts";
import { standardizeWeight } from "./weight_standardization.ts";
import {
  fail,
  GOLDEN_TOLERANCE,
  type GoldenReport,
  numbers,
  positiveInt,
  ReplayErrors,
  type Tolerance,
} from "./golden_compare.ts";
import { createNorm } from "./registry.ts";

/** The image layers with golden vectors. */
export const IMAGE_GOLDEN_NORMS = ["evonorm-b0", "evonorm-s0", "bcn"] as const;

/** One training step of an image-layer golden file (flat NHWC tensors). */
export interface ImageGoldenStep {
  /** Input `[B, H, W, C]`. */
  x: number[];
  /** Upstream gradient; the loss is sum(y·dy). */
  dy: number[];
  /** Expected output. */
  y?: number[];
  /** Expected input gradient. */
  dx?: number[];
  /** Expected gradient of each parameter, by the reference's parameter names. */
  grads?: Record<string, number[]>;
}

/** A parsed image-layer golden file (EvoNorm-B0/S0, BCN). */
export interface ImageGoldenFile {
  /** Case name. */
  name: string;
  /** The layer. */
  norm: (typeof IMAGE_GOLDEN_NORMS)[number];
  /** Always NHWC. */
  layout: "NHWC";
  /** The layer's options, by normbench option name. */
  options: Record<string, number | boolean>;
  /** Batch. */
  B: number;
  /** Height. */
  H: number;
  /** Width. */
  W: number;
  /** Channels. */
  C: number;
  /** Every parameter before step 1, by the reference's names (`weight`, `bn.weight`, …). */
  initial_params: Record<string, number[]>;
  /** Training steps, in order. */
  steps: ImageGoldenStep[];
  /** Inference check after the last step. */
  eval: { x: number[]; y: number[] };
  /** Buffers after the last step, by the reference's names. */
  final_state: Record<string, number[]>;
}

/** A parsed Weight Standardization golden file. */
export interface WsGoldenFile {
  /** Case name. */
  name: string;
  /** Always `ws`. */
  norm: "ws";
  /** `eps` (1e-5) and `variance` (`unbiased`). */
  options: { eps: number; variance: string };
  /** The raw kernel `[k, k, C, out]`, flat. */
  kernel: number[];
  /** The expected standardised kernel. */
  standardized_kernel: number[];
  /** Batch of the conv check. */
  B: number;
  /** Height. */
  H: number;
  /** Width. */
  W: number;
  /** Input channels. */
  C: number;
  /** Output channels. */
  out_channels: number;
  /** Kernel size. */
  k: number;
  /** Input `[B, H, W, C]`. */
  x: number[];
  /** Expected conv2d output (stride 1, same padding) with the standardised kernel. */
  y: number[];
  /** Upstream gradient of the conv output. */
  dy: number[];
  /** Expected gradient of sum(y·dy) with respect to the raw kernel. */
  dkernel: number[];
}

/** Reference names of parameters and buffers → normbench variable names. */
const VARIABLE_NAMES: Record<string, string> = {
  weight: "weight",
  bias: "bias",
  v: "v",
  "bn.weight": "bnWeight",
  "bn.bias": "bnBias",
  running_var: "runningVar",
  "bn.running_mean": "runningMean",
  "bn.running_var": "runningVar",
};

function variableName(source: string, path: string, ref: string): string {
  const name = VARIABLE_NAMES[ref];
  if (!name) fail(source, `unknown parameter or buffer '${ref}' in ${path}`);
  return name;
}

/** Validates an image-layer golden object (already JSON-parsed). */
export function parseImageGolden(o: Record<string, unknown>, source: string): ImageGoldenFile {
  if (o.layout !== "NHWC") fail(source, "'layout' must be \"NHWC\"");
  if (typeof o.options !== "object" || o.options === null) fail(source, "'options' is missing");
  const [B, H, W, C] = ["B", "H", "W", "C"].map((k) => positiveInt(source, k, o[k]));
  const size = B * H * W * C;
  const params = o.initial_params as Record<string, unknown> | undefined;
  if (typeof params !== "object" || params === null) fail(source, "'initial_params' is missing");
  for (const [k, v] of Object.entries(params)) {
    variableName(source, "initial_params", k);
    numbers(source, `initial_params.${k}`, v);
  }
  if (!Array.isArray(o.steps) || o.steps.length === 0) fail(source, "'steps' must be a list");
  o.steps.forEach((s: unknown, i: number) => {
    if (typeof s !== "object" || s === null) fail(source, `'steps[${i}]' must be an object`);
    const step = s as Record<string, unknown>;
    for (const k of ["x", "dy"]) numbers(source, `steps[${i}].${k}`, step[k], size);
    for (const k of ["y", "dx"]) {
      if (step[k] !== undefined) numbers(source, `steps[${i}].${k}`, step[k], size);
    }
    for (const [k, v] of Object.entries((step.grads ?? {}) as Record<string, unknown>)) {
      variableName(source, `steps[${i}].grads`, k);
      numbers(source, `steps[${i}].grads.${k}`, v, (params[k] as number[] | undefined)?.length);
    }
  });
  const ev = o.eval as Record<string, unknown> | undefined;
  if (typeof ev !== "object" || ev === null) fail(source, "'eval' is missing");
  const evalX = numbers(source, "eval.x", ev.x);
  numbers(source, "eval.y", ev.y, evalX.length);
  if (evalX.length % (H * W * C) !== 0) fail(source, "'eval.x' is not a whole number of images");
  const state = (o.final_state ?? {}) as Record<string, unknown>;
  for (const [k, v] of Object.entries(state)) {
    variableName(source, "final_state", k);
    numbers(source, `final_state.${k}`, v);
  }
  return { name: source, ...o, final_state: state } as unknown as ImageGoldenFile;
}

/** Validates a Weight Standardization golden object (already JSON-parsed). */
export function parseWsGolden(o: Record<string, unknown>, source: string): WsGoldenFile {
  const [B, H, W, C, out, k] = ["B", "H", "W", "C", "out_channels", "k"].map((key) =>
    positiveInt(source, key, o[key])
  );
  if (o.padding !== "same") fail(source, "'padding' must be \"same\"");
  const options = o.options as Record<string, unknown> | undefined;
  if (typeof options?.eps !== "number") fail(source, "'options.eps' must be a number");
  if (options.variance !== "unbiased") fail(source, "'options.variance' must be \"unbiased\"");
  const kernelSize = k * k * C * out;
  numbers(source, "kernel", o.kernel, kernelSize);
  numbers(source, "standardized_kernel", o.standardized_kernel, kernelSize);
  numbers(source, "dkernel", o.dkernel, kernelSize);
  numbers(source, "x", o.x, B * H * W * C);
  numbers(source, "y", o.y, B * H * W * out);
  numbers(source, "dy", o.dy, B * H * W * out);
  return { name: source, ...o } as unknown as WsGoldenFile;
}

/**
 * Replays an image-layer golden file on the current backend: sets every parameter, runs each
 * training step (forward, backward of sum(y·dy)), the inference check and compares the final
 * buffers. Does not throw on a mismatch.
 *
 * @example
 * ```ts
 * import { initBackend, readGolden, replayGolden } from "@normbench/normbench";
 * await initBackend("cpu");
 * const report = await replayGolden(await readGolden("test/fixtures/golden/seeds/bcn.json"));
 * console.assert(report.ok && report.fields.some((f) => f.field === "dbn.weight"));
 * ```
 */
export async function replayImageGolden(
  golden: ImageGoldenFile,
  tolerance: Tolerance = GOLDEN_TOLERANCE,
): Promise<GoldenReport> {
  const { B, H, W, C } = golden;
  const norm = createNorm(golden.norm, C, golden.options);
  const vars = norm.variables();
  const errors = new ReplayErrors(tolerance);
  const field = (name: string) => errors.field(name);
  try {
    for (const [ref, values] of Object.entries(golden.initial_params)) {
      const v = vars[VARIABLE_NAMES[ref]];
      if (!v || v.size !== values.length) {
        const why = v ? `the layer's ${ref} has ${v.size} values` : `the layer has no ${ref}`;
        field(`param ${ref}`).add([], values, why);
      } else v.assign(tf.tensor(values, v.shape));
    }
    const trainable = Object.entries(vars).filter(([, v]) => v.trainable);
    for (const [i, step] of golden.steps.entries()) {
      const where = `step ${i + 1}`;
      const x = tf.variable(tf.tensor4d(step.x, [B, H, W, C]), true);
      const dy = tf.tensor4d(step.dy, [B, H, W, C]);
      let y: tf.Tensor | undefined;
      const { grads, value } = tf.variableGrads(() => {
        const out = norm.apply(x, { training: true });
        y = tf.keep(out);
        return tf.sum(tf.mul(out, dy));
      }, [x, ...trainable.map(([, v]) => v)]);
      if (step.y) field("y").add(await y!.data(), step.y, where);
      if (step.dx) field("dx").add(await grads[x.name].data(), step.dx, where);
      for (const [ref, want] of Object.entries(step.grads ?? {})) {
        const v = vars[VARIABLE_NAMES[ref]];
        const got = v ? grads[v.name] : undefined;
        field(`d${ref}`).add(got ? await got.data() : [], want, where);
      }
      tf.dispose([x, dy, value, y, ...Object.values(grads)]);
    }
    const n = golden.eval.x.length / (H * W * C);
    const ex = tf.tensor4d(golden.eval.x, [n, H, W, C]);
    const ey = norm.apply(ex);
    field("eval.y").add(await ey.data(), golden.eval.y, "eval");
    tf.dispose([ex, ey]);
    for (const [ref, want] of Object.entries(golden.final_state)) {
      const v = vars[VARIABLE_NAMES[ref]];
      field(`state.${ref}`).add(v ? await v.data() : [], want, "final");
    }
  } finally {
    norm.dispose();
  }
  return errors.report({ name: golden.name, norm: golden.norm, steps: golden.steps.length });
}

/**
 * Replays a Weight Standardization golden file: the standardised kernel, the conv2d output
 * with it (stride 1, same padding) and the gradient with respect to the raw kernel.
 *
 * @example
 * ```ts
 * import { initBackend, readGolden, replayGolden } from "@normbench/normbench";
 * await initBackend("cpu");
 * const report = await replayGolden(await readGolden("test/fixtures/golden/seeds/ws.json"));
 * console.assert(report.ok && report.fields.map((f) => f.field).includes("dkernel"));
 * ```
 */
export async function replayWsGolden(
  golden: WsGoldenFile,
  tolerance: Tolerance = GOLDEN_TOLERANCE,
): Promise<GoldenReport> {
  const { B, H, W, C, k, out_channels: out } = golden;
  const errors = new ReplayErrors(tolerance);
  const field = (name: string) => errors.field(name);
  const kernel = tf.variable(tf.tensor4d(golden.kernel, [k, k, C, out]));
  const x = tf.tensor4d(golden.x, [B, H, W, C]);
  const dy = tf.tensor4d(golden.dy, [B, H, W, out]);
  try {
    const standardized = standardizeWeight(kernel, golden.options.eps);
    field("standardized_kernel").add(await standardized.data(), golden.standardized_kernel, "ws");
    standardized.dispose();
    let y: tf.Tensor | undefined;
    const { grads, value } = tf.variableGrads(() => {
      const conv = tf.conv2d(
        x,
        standardizeWeight(kernel, golden.options.eps) as tf.Tensor4D,
        1,
        "same",
      );
      y = tf.keep(conv);
      return tf.sum(tf.mul(conv, dy));
    }, [kernel]);
    field("y").add(await y!.data(), golden.y, "conv");
    field("dkernel").add(await grads[kernel.name].data(), golden.dkernel, "conv");
    tf.dispose([y, value, ...Object.values(grads)]);
  } finally {
    tf.dispose([kernel, x, dy]);
  }
  return errors.report({ name: golden.name, norm: "ws", steps: 1 });
}
