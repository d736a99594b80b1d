/**
 * Replaying golden vectors recorded from the authors' own UN and PowerNorm modules, and (through
 * `golden_seeds.ts`) from references of the seed papers' layers. One entry point reads any of
 * the formats.
 *
 * Token format: `test/fixtures/golden/README.md` (a norm, its options, shapes, initial γ/β, an
 * optional pad mask, one entry per training step with `x`/`dy` and, where recorded, the
 * expected `y`/`dx`/`dweight`/`dbias`, an inference check and the final state). Seed formats:
 * `test/fixtures/golden/seeds/README.md`.
 *
 * @module
 */
import * as tf from "../tf.ts";
import { createNorm } from "./registry.ts";
import { UsageError } from "../util/errors.ts";
import {
  fail,
  GOLDEN_TOLERANCE,
  type GoldenReport,
  numbers,
  positiveInt,
  ReplayErrors,
  type Tolerance,
} from "./golden_compare.ts";
import {
  type CrmsGoldenFile,
  IMAGE_GOLDEN_NORMS,
  type ImageGoldenFile,
  parseCrmsGolden,
  parseImageGolden,
  parseSigmaReparamGolden,
  parseWsGolden,
  replayCrmsGolden,
  replayImageGolden,
  replaySigmaReparamGolden,
  replayWsGolden,
  type SigmaReparamGoldenFile,
  type WsGoldenFile,
} from "./golden_seeds.ts";

/** One training step of a golden file. */
export interface GoldenStep {
  /** Step number t (1-based). */
  t?: number;
  /** Input, flat (B, N, C). */
  x: number[];
  /** Upstream gradient, flat (B, N, C); the loss is sum(y·dy). */
  dy: number[];
  /** Expected output, when recorded. */
  y?: number[];
  /** Expected input gradient, when recorded. */
  dx?: number[];
  /** Expected γ gradient, when recorded. */
  dweight?: number[];
  /** Expected β gradient, when recorded. */
  dbias?: number[];
}

/** A parsed golden file of a token norm (UN, PowerNorm). */
export interface TokenGoldenFile {
  /** Case name. */
  name: string;
  /** `un` or `pn`. */
  norm: "un" | "pn";
  /** The layer's options, by normbench option name. */
  options: Record<string, number | boolean>;
  /** Batch size. */
  B: number;
  /** Tokens per sequence. */
  N: number;
  /** Channels. */
  C: number;
  /** γ before step 1. */
  initial_weight: number[];
  /** β before step 1. */
  initial_bias: number[];
  /** Flat (B, N) pad mask, 1 = padding, or null. */
  pad_mask: number[] | null;
  /** The training steps, in order. */
  steps: GoldenStep[];
  /** Inference check after the last step. */
  eval: { x: number[]; y: number[] };
  /** State after the last step, by the reference module's buffer names. */
  final_state: Record<string, number[]>;
  /** UN: steps skipped by outlier filtration. */
  skip_count?: number;
}

/** A parsed golden file of any format, told apart by its `norm`. */
export type GoldenFile =
  | TokenGoldenFile
  | ImageGoldenFile
  | WsGoldenFile
  | CrmsGoldenFile
  | SigmaReparamGoldenFile;

/** Reference buffer names → normbench variable names. */
const STATE_NAMES: Record<string, string> = {
  running_var: "runningVar",
  running_phi: "runningPhi",
  ema_gz: "emaGz",
  iters: "iters",
  buffer_x2: "bufX2",
  buffer_gz: "bufGz",
  skip_counter: "skipCount",
};

/**
 * Parses and validates the text of a golden file. Malformed JSON, missing fields and lists of
 * the wrong length throw a {@linkcode UsageError} naming the field.
 *
 * @example
 * ```ts
 * import { parseGolden } from "@normbench/normbench";
 * try {
 *   parseGolden('{"norm": "un"', "broken.json");
 * } catch (err) {
 *   console.assert((err as Error).message.startsWith("golden file broken.json"));
 * }
 * ```
 */
export function parseGolden(text: string, source = "<text>"): GoldenFile {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    fail(source, `not valid JSON (${(err as Error).message})`);
  }
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
    fail(source, "the top level must be an object");
  }
  const o = raw as Record<string, unknown>;
  if ((IMAGE_GOLDEN_NORMS as readonly unknown[]).includes(o.norm)) {
    return parseImageGolden(o, source);
  }
  if (o.norm === "ws") return parseWsGolden(o, source);
  if (o.norm === "crms") return parseCrmsGolden(o, source);
  if (o.norm === "sigma-reparam") return parseSigmaReparamGolden(o, source);
  if (o.norm !== "un" && o.norm !== "pn") {
    fail(
      source,
      `'norm' must be one of: un, pn, ${IMAGE_GOLDEN_NORMS.join(", ")}, ws, crms, sigma-reparam`,
    );
  }
  if (typeof o.options !== "object" || o.options === null) fail(source, "'options' is missing");
  const B = positiveInt(source, "B", o.B);
  const N = positiveInt(source, "N", o.N);
  const C = positiveInt(source, "C", o.C);
  const size = B * N * C;
  numbers(source, "initial_weight", o.initial_weight, C);
  numbers(source, "initial_bias", o.initial_bias, C);
  if (o.pad_mask !== null && o.pad_mask !== undefined) {
    numbers(source, "pad_mask", o.pad_mask, B * N);
  }
  if (!Array.isArray(o.steps) || o.steps.length === 0) fail(source, "'steps' must be a list");
  o.steps.forEach((s: unknown, i: number) => {
    if (typeof s !== "object" || s === null) fail(source, `'steps[${i}]' must be an object`);
    const step = s as Record<string, unknown>;
    numbers(source, `steps[${i}].x`, step.x, size);
    numbers(source, `steps[${i}].dy`, step.dy, size);
    if (step.y !== undefined) numbers(source, `steps[${i}].y`, step.y, size);
    if (step.dx !== undefined) numbers(source, `steps[${i}].dx`, step.dx, size);
    if (step.dweight !== undefined) numbers(source, `steps[${i}].dweight`, step.dweight, C);
    if (step.dbias !== undefined) numbers(source, `steps[${i}].dbias`, step.dbias, C);
  });
  const ev = o.eval as Record<string, unknown> | undefined;
  if (typeof ev !== "object" || ev === null) fail(source, "'eval' is missing");
  const evalX = numbers(source, "eval.x", ev.x);
  numbers(source, "eval.y", ev.y, evalX.length);
  if (evalX.length % C !== 0) fail(source, `'eval.x' length is not a multiple of C=${C}`);
  if (typeof o.final_state !== "object" || o.final_state === null) {
    fail(source, "'final_state' is missing");
  }
  for (const [k, v] of Object.entries(o.final_state as Record<string, unknown>)) {
    if (!STATE_NAMES[k]) fail(source, `unknown state '${k}' in final_state`);
    numbers(source, `final_state.${k}`, v);
  }
  if (o.skip_count !== undefined && typeof o.skip_count !== "number") {
    fail(source, "'skip_count' must be a number");
  }
  return { name: typeof o.name === "string" ? o.name : source, ...o } as TokenGoldenFile;
}

/**
 * Reads and parses a golden file; a missing file is a {@linkcode UsageError}.
 *
 * @example
 * ```ts
 * import { readGolden } from "@normbench/normbench";
 * const golden = await readGolden("test/fixtures/golden/un_padded_tokens.json");
 * console.assert(golden.norm === "un" && golden.pad_mask !== null);
 * ```
 */
export async function readGolden(path: string): Promise<GoldenFile> {
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (err) {
    throw new UsageError(
      `cannot read golden file ${path}: ${(err as Error).message}`,
      "pass the path of a *.json file in the golden format",
    );
  }
  return parseGolden(text, path);
}

/**
 * Replays a golden file of any format on the current tfjs backend (see
 * {@linkcode replayImageGolden}, {@linkcode replayWsGolden}, {@linkcode replayCrmsGolden} and
 * {@linkcode replaySigmaReparamGolden} for the seed formats). A token
 * file: runs every step (forward in training mode, backward of sum(y·dy)), then the inference
 * check, then compares the final state. Returns the error of every recorded field; does not
 * throw on a mismatch.
 *
 * @example
 * ```ts
 * import { initBackend, readGolden, replayGolden } from "@normbench/normbench";
 * await initBackend("cpu");
 * const report = await replayGolden(await readGolden("test/fixtures/golden/un_warmup_window4.json"));
 * console.assert(report.ok);
 * ```
 */
export function replayGolden(
  golden: GoldenFile,
  tolerance: Tolerance = GOLDEN_TOLERANCE,
): Promise<GoldenReport> {
  if (golden.norm === "ws") return replayWsGolden(golden, tolerance);
  if (golden.norm === "crms") return replayCrmsGolden(golden, tolerance);
  if (golden.norm === "sigma-reparam") return replaySigmaReparamGolden(golden, tolerance);
  if (golden.norm === "un" || golden.norm === "pn") return replayTokenGolden(golden, tolerance);
  return replayImageGolden(golden as ImageGoldenFile, tolerance);
}

async function replayTokenGolden(
  golden: TokenGoldenFile,
  tolerance: Tolerance,
): Promise<GoldenReport> {
  const { B, N, C } = golden;
  const norm = createNorm(golden.norm, C, golden.options);
  const vars = norm.variables();
  vars.weight.assign(tf.tensor1d(golden.initial_weight));
  vars.bias.assign(tf.tensor1d(golden.initial_bias));
  const mask = golden.pad_mask ? tf.tensor2d(golden.pad_mask, [B, N]) : undefined;
  const errors = new ReplayErrors(tolerance);
  const field = (name: string) => errors.field(name);
  try {
    for (const [i, step] of golden.steps.entries()) {
      const t = step.t ?? i + 1;
      const recorded = step.y || step.dx || step.dweight || step.dbias;
      const x = tf.variable(tf.tensor3d(step.x, [B, N, C]), true);
      const dy = tf.tensor3d(step.dy, [B, N, C]);
      let y: tf.Tensor | undefined;
      const { grads, value } = tf.variableGrads(() => {
        const out = norm.apply(x, { training: true, mask });
        if (recorded) y = tf.keep(out);
        return tf.sum(tf.mul(out, dy));
      }, [x, vars.weight, vars.bias]);
      if (recorded) {
        const where = `step ${t}`;
        const pairs: [string, tf.Tensor | undefined, number[] | undefined][] = [
          ["y", y, step.y],
          ["dx", grads[x.name], step.dx],
          ["dweight", grads[vars.weight.name], step.dweight],
          ["dbias", grads[vars.bias.name], step.dbias],
        ];
        for (const [name, got, want] of pairs) {
          if (got && want) field(name).add(await got.data(), want, where);
        }
      } else {
        // keep the replay asynchronous-friendly on WebGPU: wait for this step's work.
        await value.data();
      }
      tf.dispose([x, dy, value, y, ...Object.values(grads)]);
    }
    const ex = tf.tensor2d(golden.eval.x, [golden.eval.x.length / C, C]);
    const ey = norm.apply(ex);
    field("eval.y").add(await ey.data(), golden.eval.y, "eval");
    tf.dispose([ex, ey]);
    for (const [ref, want] of Object.entries(golden.final_state)) {
      const v = vars[STATE_NAMES[ref]];
      const f = field(`state.${STATE_NAMES[ref]}`);
      if (!v) f.add([], want, `state ${ref} (the layer has no such state)`);
      else f.add(await v.data(), want, "final");
    }
    if (golden.skip_count !== undefined && vars.skipCount) {
      field("skip_count").add(await vars.skipCount.data(), [golden.skip_count], "final");
    }
  } finally {
    mask?.dispose();
    norm.dispose();
  }
  return errors.report({ name: golden.name, norm: golden.norm, steps: golden.steps.length });
}
