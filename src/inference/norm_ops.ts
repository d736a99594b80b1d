/**
 * A norm at inference as an operator on activations, executed the way a variant says
 * (see {@linkcode NormTreatment}), and a tracer that attributes profiled kernels to norm ops.
 *
 * @module
 */
import * as tf from "../tf.ts";
import { fusedLayerNorm } from "../backend/fused_layer_norm.ts";
import type { Norm } from "../norms/types.ts";
import type { NormTreatment } from "./variants.ts";
import { UsageError } from "../util/errors.ts";

/** A norm (or what is left of it) as a function of the activations. */
export type NormOp = (x: tf.Tensor) => tf.Tensor;

/**
 * LayerNorm over the last axis written with tfjs ops, as a naïve port of a framework's layer
 * norm would: `mean`, `sub`, `square`, `mean`, `add`, `rsqrt`, `mul`, then γ and β as `mul`,
 * `add` — nine kernels, each a full pass over the activations.
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs-core";
 * import { compositeLayerNorm } from "@normbench/normbench";
 * const y = compositeLayerNorm(tf.tensor2d([[1, 3]]), tf.ones([2]), tf.zeros([2]), 0);
 * console.assert(Math.abs(y.dataSync()[1] - 1) < 1e-6);
 * ```
 */
export function compositeLayerNorm(
  x: tf.Tensor,
  gamma: tf.Tensor,
  beta: tf.Tensor,
  eps: number,
): tf.Tensor {
  return tf.tidy(() => {
    const mean = tf.mean(x, -1, true);
    const centred = tf.sub(x, mean);
    const variance = tf.mean(tf.square(centred), -1, true);
    const normalized = tf.mul(centred, tf.rsqrt(tf.add(variance, eps)));
    return tf.add(tf.mul(normalized, gamma), beta);
  });
}

/** A norm operator and the tensors it owns (to dispose with the model that uses it). */
export interface BuiltNormOp {
  /** The operator. */
  op: NormOp;
  /** Tensors created for it (precomputed scale and shift). */
  owned: tf.Tensor[];
}

/**
 * The operator of `norm` under a treatment that keeps the whole norm (`zoo`, `composite`,
 * `fused`, `affine`, `identity`, `calibrate`); `fold` is built by the inference model, which owns the
 * consumers. `composite` and `fused` are LayerNorm's executions: they need a norm whose
 * inference split is standardisation · γ + β (`ln`).
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs-core";
 * import { createNorm, normOperator } from "@normbench/normbench";
 * const built = normOperator(createNorm("un", 4), "affine");
 * console.assert(built.op(tf.ones([2, 4])).shape.join() === "2,4");
 * ```
 */
export function normOperator(norm: Norm, treatment: NormTreatment): BuiltNormOp {
  switch (treatment) {
    case "identity":
      return { op: (x) => x, owned: [] };
    case "zoo":
      return { op: (x) => norm.apply(x, { training: false }), owned: [] };
    case "calibrate":
      return { op: (x) => norm.apply(x, { training: true }), owned: [] };
    case "fold":
      throw new UsageError("a folded norm is built with its consumers", "use buildInference");
  }
  const split = norm.inferenceSplit();
  if (!split) return { op: (x) => x, owned: [] };
  const { statistic, scale, shift } = split;
  const owned = [scale, shift];
  if (treatment === "affine") {
    return {
      op: (x) => tf.tidy(() => tf.add(tf.mul(statistic ? statistic(x) : x, scale), shift)),
      owned,
    };
  }
  if (norm.name !== "ln") {
    tf.dispose(owned);
    throw new UsageError(
      `the ${treatment} LayerNorm needs norm 'ln', got '${norm.name}'`,
      "pair composite and fused with ln",
    );
  }
  const eps = norm.options.eps as number;
  return treatment === "composite"
    ? { op: (x) => compositeLayerNorm(x, scale, shift, eps), owned }
    : { op: (x) => fusedLayerNorm(x, scale, shift, eps), owned };
}

/** What a {@linkcode NormTracer} recorded while active. */
export interface NormTrace {
  /** Index ranges `[start, end)` of the profiled kernels that ran inside norm ops. */
  ranges: [number, number][];
  /** Largest `tf.memory().numBytesInGPU` seen at a norm boundary (WebGPU), else null. */
  gpuBytes: number | null;
}

interface ProfileState {
  state: { activeProfile: { kernels: unknown[] }; profiling: boolean };
}

function profiledKernels(): number {
  const state = (tf.engine() as unknown as ProfileState).state;
  return state.profiling ? state.activeProfile.kernels.length : 0;
}

function gpuBytes(): number | null {
  const m = tf.memory() as { numBytesInGPU?: number };
  return typeof m.numBytesInGPU === "number" ? m.numBytesInGPU : null;
}

/**
 * Attributes the kernels of a `tf.profile` run to norm ops: wrap every norm operator with
 * {@linkcode NormTracer.wrap}; while the tracer is started it records which profiled kernels ran
 * inside them (and samples WebGPU memory at their boundaries). Inactive, a wrapped op costs one
 * branch.
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs-core";
 * import { NormTracer } from "@normbench/normbench";
 * const tracer = new NormTracer();
 * const op = tracer.wrap((x) => tf.relu(x));
 * tracer.start();
 * await tf.profile(() => op(tf.ones([2])));
 * console.assert(tracer.stop().ranges.length === 1);
 * ```
 */
export class NormTracer {
  #active = false;
  #trace: NormTrace = { ranges: [], gpuBytes: null };

  /** Starts recording (clears the previous trace). */
  start(): void {
    this.#active = true;
    this.#trace = { ranges: [], gpuBytes: gpuBytes() };
  }

  /** Stops recording and returns the trace. */
  stop(): NormTrace {
    this.#active = false;
    return this.#trace;
  }

  /** `op`, recording its kernel range while the tracer is active. */
  wrap(op: NormOp): NormOp {
    return (x) => {
      if (!this.#active) return op(x);
      this.#sample();
      const start = profiledKernels();
      const y = op(x);
      this.#trace.ranges.push([start, profiledKernels()]);
      this.#sample();
      return y;
    };
  }

  #sample(): void {
    const bytes = gpuBytes();
    if (bytes !== null) this.#trace.gpuBytes = Math.max(this.#trace.gpuBytes ?? 0, bytes);
  }
}
