/**
 * Replaying the golden vectors of the seed papers' layers: EvoNorm-B0/S0 and Batch-Channel
 * Normalization on NHWC images (training steps with every parameter's gradient, an inference
 * check and the final buffers), Weight Standardization of a conv kernel, CRMSNorm on tokens and
 * σReparam's `SNLinear` over training steps with SGD between them. Format:
 * `test/fixtures/golden/seeds/README.md`.
 *
 * @module
 */
import * as tf from "../tf.ts";
import { standardizeWeight } from "./weight_standardization.ts";
import { SigmaReparam } from "./sigma_reparam.ts";
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

/** A parsed CRMSNorm golden file: one training-mode forward and backward of `[B, N, C]` tokens. */
export interface CrmsGoldenFile {
  /** Case name. */
  name: string;
  /** Always `crms`. */
  norm: "crms";
  /** `eps`; `full_dim` (C+1) and `definition` are checked or ignored, not options. */
  options: { eps: number; full_dim?: number };
  /** Batch. */
  B: number;
  /** Tokens per sequence. */
  N: number;
  /** Stored channels (the zero-mean vector has C+1). */
  C: number;
  /** Input `[B, N, C]`. */
  x: number[];
  /** γ `[C]`. */
  weight: number[];
  /** β `[C]`. */
  bias: number[];
  /** Upstream gradient; the loss is sum(y·dy). */
  dy: number[];
  /** Expected output. */
  y: number[];
  /** Expected input gradient. */
  dx: number[];
  /** Expected γ gradient. */
  dweight: number[];
  /** Expected β gradient. */
  dbias: number[];
}

/** One training step of a σReparam golden file. */
export interface SigmaReparamGoldenStep {
  /** Input `[N, in]`. */
  x: number[];
  /** Upstream gradient `[N, out]`; the loss is sum(y·dy). */
  dy: number[];
  /** Expected output `[N, out]`. */
  y: number[];
  /** Expected σ of the step (after its power iteration). */
  sigma: number;
  /** Expected gradients: `weight_out_in` `[out, in]`, `gamma` `[1]`, `bias` `[out]`. */
  grads: Record<string, number[]>;
  /** Expected u after the step's power iteration `[in]`. */
  u_after: number[];
}

/** A parsed σReparam (`SNLinear`) golden file. */
export interface SigmaReparamGoldenFile {
  /** Case name. */
  name: string;
  /** Always `sigma-reparam`. */
  norm: "sigma-reparam";
  /**
   * The recorder's settings: `sgd_between_steps`, the learning rates applied between steps
   * (default {@linkcode SIGMA_REPARAM_GOLDEN_SGD}), and `u_init`, how u was initialised.
   */
  options: { sgd_between_steps?: { weight_lr: number; gamma_lr: number }; u_init?: string };
  /** Input width. */
  in: number;
  /** Output width. */
  out: number;
  /** Rows of each step's input. */
  N: number;
  /** W `[out, in]` (`weight_out_in`), u `[in]`, γ `[1]` and bias `[out]` before step 1. */
  initial: { weight_out_in: number[]; u: number[]; gamma: number[]; bias?: number[] | null };
  /** Training steps, in order. */
  steps: SigmaReparamGoldenStep[];
}

/**
 * The SGD the σReparam recorder applies between steps when a file does not say (the seeds
 * README's): W −= 0.5·dW, γ −= 0.01·dγ, the bias untouched.
 */
export const SIGMA_REPARAM_GOLDEN_SGD: { weight_lr: number; gamma_lr: number } = {
  weight_lr: 0.5,
  gamma_lr: 0.01,
};

/** The `u_init` of a file whose u starts at W₀'s top right singular vector (the default). */
const TOP_SINGULAR_INIT = "top right singular vector";

/** The recorded gradients of a σReparam step, by the reference's names. */
const SIGMA_REPARAM_GRADS = ["weight_out_in", "gamma", "bias"] as const;

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

/** Validates a CRMSNorm golden object (already JSON-parsed). */
export function parseCrmsGolden(o: Record<string, unknown>, source: string): CrmsGoldenFile {
  const [B, N, C] = ["B", "N", "C"].map((k) => positiveInt(source, k, o[k]));
  const options = o.options as Record<string, unknown> | undefined;
  if (typeof options?.eps !== "number") fail(source, "'options.eps' must be a number");
  if (options.full_dim !== undefined && options.full_dim !== C + 1) {
    fail(
      source,
      `'options.full_dim' must be C+1 = ${C + 1}, got ${JSON.stringify(options.full_dim)}`,
    );
  }
  for (const k of ["x", "dy", "y", "dx"]) numbers(source, k, o[k], B * N * C);
  for (const k of ["weight", "bias", "dweight", "dbias"]) numbers(source, k, o[k], C);
  return { name: source, ...o } as unknown as CrmsGoldenFile;
}

/** Validates a σReparam golden object (already JSON-parsed). */
export function parseSigmaReparamGolden(
  o: Record<string, unknown>,
  source: string,
): SigmaReparamGoldenFile {
  const [inDim, outDim, N] = ["in", "out", "N"].map((k) => positiveInt(source, k, o[k]));
  const options = (o.options ?? {}) as Record<string, unknown>;
  if (typeof options !== "object" || options === null) fail(source, "'options' must be an object");
  const sgd = options.sgd_between_steps as Record<string, unknown> | undefined;
  for (const k of sgd === undefined ? [] : ["weight_lr", "gamma_lr"]) {
    if (typeof sgd?.[k] !== "number" || !Number.isFinite(sgd[k])) {
      fail(source, `'options.sgd_between_steps.${k}' must be a number`);
    }
  }
  if (options.u_init !== undefined && typeof options.u_init !== "string") {
    fail(source, "'options.u_init' must be a string");
  }
  const initial = o.initial as Record<string, unknown> | undefined;
  if (typeof initial !== "object" || initial === null) fail(source, "'initial' is missing");
  numbers(source, "initial.weight_out_in", initial.weight_out_in, outDim * inDim);
  numbers(source, "initial.u", initial.u, inDim);
  numbers(source, "initial.gamma", initial.gamma, 1);
  if (initial.bias !== undefined && initial.bias !== null) {
    numbers(source, "initial.bias", initial.bias, outDim);
  }
  const sizes = { weight_out_in: outDim * inDim, gamma: 1, bias: outDim };
  if (!Array.isArray(o.steps) || o.steps.length === 0) fail(source, "'steps' must be a list");
  o.steps.forEach((s: unknown, i: number) => {
    if (typeof s !== "object" || s === null) fail(source, `'steps[${i}]' must be an object`);
    const step = s as Record<string, unknown>;
    numbers(source, `steps[${i}].x`, step.x, N * inDim);
    numbers(source, `steps[${i}].dy`, step.dy, N * outDim);
    numbers(source, `steps[${i}].y`, step.y, N * outDim);
    if (typeof step.sigma !== "number" || !Number.isFinite(step.sigma)) {
      fail(source, `'steps[${i}].sigma' must be a finite number`);
    }
    numbers(source, `steps[${i}].u_after`, step.u_after, inDim);
    const grads = step.grads as Record<string, unknown> | undefined;
    if (typeof grads !== "object" || grads === null) fail(source, `'steps[${i}].grads' is missing`);
    for (const [k, v] of Object.entries(grads)) {
      if (!(SIGMA_REPARAM_GRADS as readonly string[]).includes(k)) {
        fail(source, `unknown gradient '${k}' in steps[${i}].grads`);
      }
      numbers(source, `steps[${i}].grads.${k}`, v, sizes[k as keyof typeof sizes]);
    }
  });
  return { name: source, ...o, options } as unknown as SigmaReparamGoldenFile;
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

/**
 * Replays a CRMSNorm golden file: γ and β set from the file, one training-mode forward of
 * `x` `[B, N, C]` and the backward of sum(y·dy) (`y`, `dx`, `dweight`, `dbias`).
 *
 * @example
 * ```ts
 * import { initBackend, readGolden, replayGolden } from "@normbench/normbench";
 * await initBackend("cpu");
 * const report = await replayGolden(await readGolden("test/fixtures/golden/seeds/crms.json"));
 * console.assert(report.ok && report.fields.map((f) => f.field).includes("dx"));
 * ```
 */
export async function replayCrmsGolden(
  golden: CrmsGoldenFile,
  tolerance: Tolerance = GOLDEN_TOLERANCE,
): Promise<GoldenReport> {
  const { B, N, C } = golden;
  const norm = createNorm("crms", C, { eps: golden.options.eps });
  const vars = norm.variables();
  const errors = new ReplayErrors(tolerance);
  const x = tf.variable(tf.tensor3d(golden.x, [B, N, C]), true);
  const dy = tf.tensor3d(golden.dy, [B, N, C]);
  try {
    vars.weight.assign(tf.tensor1d(golden.weight));
    vars.bias.assign(tf.tensor1d(golden.bias));
    let y: tf.Tensor | undefined;
    const { grads, value } = tf.variableGrads(() => {
      const out = norm.apply(x, { training: true });
      y = tf.keep(out);
      return tf.sum(tf.mul(out, dy));
    }, [x, vars.weight, vars.bias]);
    const pairs: [string, tf.Tensor, number[]][] = [
      ["y", y!, golden.y],
      ["dx", grads[x.name], golden.dx],
      ["dweight", grads[vars.weight.name], golden.dweight],
      ["dbias", grads[vars.bias.name], golden.dbias],
    ];
    for (const [name, got, want] of pairs) errors.field(name).add(await got.data(), want, "step 1");
    tf.dispose([value, y, ...Object.values(grads)]);
  } finally {
    tf.dispose([x, dy]);
    norm.dispose();
  }
  return errors.report({ name: golden.name, norm: "crms", steps: 1 });
}

/**
 * Replays a σReparam (`SNLinear`) golden file: W (stored `[out, in]`, used as the tfjs kernel
 * Wᵀ `[in, out]`), u, γ and the bias set from the file; each step a training forward
 * y = x·(γ·Wᵀ/σ) + b (one power iteration), the backward of sum(y·dy), and then the recorder's
 * SGD (W −= weight_lr·dW, γ −= gamma_lr·dγ, bias untouched). Compares `y`, σ, every recorded
 * gradient and u after each step. When the file's u starts at W₀'s top right singular vector (its
 * `u_init`, the default), step 1's σ is σ(W₀): the σ that {@linkcode SigmaReparam} computes from
 * W₀ on its own is compared with it too (`init.sigma`).
 *
 * @example
 * ```ts
 * import { initBackend, readGolden, replayGolden } from "@normbench/normbench";
 * await initBackend("cpu");
 * const path = "test/fixtures/golden/seeds/sigma_reparam.json";
 * const report = await replayGolden(await readGolden(path));
 * console.assert(report.ok && report.fields.map((f) => f.field).includes("u_after"));
 * ```
 */
export async function replaySigmaReparamGolden(
  golden: SigmaReparamGoldenFile,
  tolerance: Tolerance = GOLDEN_TOLERANCE,
): Promise<GoldenReport> {
  const { in: inDim, out: outDim, N, initial } = golden;
  const { weight_lr: weightLr, gamma_lr: gammaLr } = golden.options.sgd_between_steps ??
    SIGMA_REPARAM_GOLDEN_SGD;
  const errors = new ReplayErrors(tolerance);
  const field = (name: string) => errors.field(name);
  // the reference's W [out, in] is the transpose of a tfjs kernel [in, out]
  const kernel = tf.variable(
    tf.tidy(() => tf.transpose(tf.tensor2d(initial.weight_out_in, [outDim, inDim]))),
  );
  const bias = initial.bias ? tf.variable(tf.tensor1d(initial.bias)) : null;
  const sr = new SigmaReparam(kernel as tf.Tensor2D);
  try {
    if ((golden.options.u_init ?? TOP_SINGULAR_INIT) === TOP_SINGULAR_INIT) {
      field("init.sigma").add(await sr.sigma.data(), [golden.steps[0].sigma], "init");
    }
    sr.u.assign(tf.tensor1d(initial.u));
    sr.gamma.assign(tf.tensor1d(initial.gamma));
    for (const [i, step] of golden.steps.entries()) {
      const where = `step ${i + 1}`;
      const x = tf.tensor2d(step.x, [N, inDim]);
      const dy = tf.tensor2d(step.dy, [N, outDim]);
      let y: tf.Tensor | undefined;
      const params = bias ? [kernel, sr.gamma, bias] : [kernel, sr.gamma];
      const { grads, value } = tf.variableGrads(() => {
        const w = sr.weight(kernel as tf.Tensor2D, { training: true });
        const product = tf.matMul(x, w);
        const out = bias ? tf.add(product, bias) : product;
        y = tf.keep(out);
        return tf.sum(tf.mul(out, dy));
      }, params);
      field("y").add(await y!.data(), step.y, where);
      field("sigma").add(await sr.sigma.data(), [step.sigma], where);
      const got: Record<string, tf.Tensor | undefined> = {
        weight_out_in: tf.transpose(grads[kernel.name]),
        gamma: grads[sr.gamma.name],
        bias: bias ? grads[bias.name] : undefined,
      };
      for (const [ref, want] of Object.entries(step.grads)) {
        const g = got[ref];
        field(`d${ref}`).add(g ? await g.data() : [], want, where);
      }
      field("u_after").add(await sr.u.data(), step.u_after, where);
      tf.tidy(() => {
        kernel.assign(tf.sub(kernel, tf.mul(grads[kernel.name], weightLr)));
        sr.gamma.assign(tf.sub(sr.gamma, tf.mul(grads[sr.gamma.name], gammaLr)));
      });
      tf.dispose([x, dy, value, y, got.weight_out_in, ...Object.values(grads)]);
    }
  } finally {
    tf.dispose([kernel, ...(bias ? [bias] : [])]);
    sr.dispose();
  }
  return errors.report({ name: golden.name, norm: "sigma-reparam", steps: golden.steps.length });
}
