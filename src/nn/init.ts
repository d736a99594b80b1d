/**
 * Weight initialisers. Values are drawn in JavaScript from a seeded {@linkcode SeededRng}, so a model's
 * initial weights are the same on every backend.
 *
 * @module
 */
import type { SeededRng } from "../util/random.ts";

/** Fills a new array of `size` values for a tensor of `shape`. */
export type Initializer = (shape: readonly number[], rng: SeededRng) => Float32Array;

function size(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/**
 * Normal(0, std²), truncated at ±2 std (redrawn), as in ViT/BERT (`std` 0.02).
 *
 * @example
 * ```ts
 * import { SeededRng, truncatedNormal } from "@normbench/normbench";
 * const w = truncatedNormal(0.02)([4, 4], new SeededRng(1));
 * console.assert(w.every((v) => Math.abs(v) <= 0.04));
 * ```
 */
export function truncatedNormal(std: number): Initializer {
  return (shape, rng) => {
    const out = new Float32Array(size(shape));
    for (let i = 0; i < out.length; i++) {
      let v = rng.normal();
      while (Math.abs(v) > 2) v = rng.normal();
      out[i] = v * std;
    }
    return out;
  };
}

/**
 * Normal(0, std²).
 *
 * @example
 * ```ts
 * import { normal, SeededRng } from "@normbench/normbench";
 * console.assert(normal(1)([3], new SeededRng(1)).length === 3);
 * ```
 */
export function normal(std: number): Initializer {
  return (shape, rng) => {
    const out = new Float32Array(size(shape));
    for (let i = 0; i < out.length; i++) out[i] = rng.normal() * std;
    return out;
  };
}

/**
 * Glorot/Xavier uniform for a `[fanIn, fanOut]` kernel: U(±sqrt(6/(fanIn+fanOut))), optionally
 * scaled by `gain` (fairseq's default for Transformer linears).
 *
 * @example
 * ```ts
 * import { SeededRng, xavierUniform } from "@normbench/normbench";
 * const w = xavierUniform()([8, 8], new SeededRng(1));
 * console.assert(w.every((v) => Math.abs(v) <= Math.sqrt(6 / 16)));
 * ```
 */
export function xavierUniform(gain = 1): Initializer {
  return (shape, rng) => {
    const fanIn = shape.length > 1 ? size(shape.slice(0, -1)) : shape[0];
    const fanOut = shape[shape.length - 1];
    const limit = gain * Math.sqrt(6 / (fanIn + fanOut));
    const out = new Float32Array(size(shape));
    for (let i = 0; i < out.length; i++) out[i] = (2 * rng.uniform() - 1) * limit;
    return out;
  };
}

/**
 * PyTorch's default for `nn.Linear` and `nn.Conv2d` weights and biases: U(±1/√fanIn) (Kaiming
 * uniform with a = √5), `fanIn` given explicitly (a bias has no fan-in of its own). timm's ViT
 * keeps it for the patch embedding, so its tokens enter block 0 at about unit scale.
 *
 * @example
 * ```ts
 * import { SeededRng, torchDefaultUniform } from "@normbench/normbench";
 * const w = torchDefaultUniform(49)([49, 64], new SeededRng(1));
 * console.assert(w.every((v) => Math.abs(v) <= 1 / 7));
 * ```
 */
export function torchDefaultUniform(fanIn: number): Initializer {
  return (shape, rng) => {
    const limit = 1 / Math.sqrt(fanIn);
    const out = new Float32Array(size(shape));
    for (let i = 0; i < out.length; i++) out[i] = (2 * rng.uniform() - 1) * limit;
    return out;
  };
}

/**
 * A constant.
 *
 * @example
 * ```ts
 * import { constant, SeededRng } from "@normbench/normbench";
 * console.assert(constant(0)([2], new SeededRng(0))[1] === 0);
 * ```
 */
export function constant(value: number): Initializer {
  return (shape) => new Float32Array(size(shape)).fill(value);
}
