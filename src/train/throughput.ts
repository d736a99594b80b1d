/**
 * How fast the backend multiplies matrices, measured in this process: the yardstick of a model's
 * effective FLOP/s (the "MFU" of a CPU backend).
 *
 * @module
 */
import * as tf from "../tf.ts";
import type { MatMulShape } from "../nn/linear.ts";
import type { ConvShape } from "../nn/conv.ts";
import { median } from "../metrics/stats.ts";

/** The result of {@linkcode measureMatMul}. */
export interface MatMulSpeed {
  /** FLOP/s over all shapes: Σ 2mkn / Σ time, in GFLOP/s. */
  gflops: number;
  /** Per distinct shape: its share of the work and its own GFLOP/s. */
  shapes: { shape: MatMulShape; count: number; gflops: number }[];
}

/**
 * Times plain 2-D products `[m, k]·[k, n]` (the right operand reused, as a weight matrix is, so
 * the backend's fastest path) for each distinct shape in `shapes`, weighting shapes by how often
 * they occur. Each shape is repeated until `minMs` have passed and its median is taken.
 *
 * @example
 * ```ts
 * import { measureMatMul } from "@normbench/normbench";
 * const speed = await measureMatMul([[256, 64, 64]], { minMs: 20 });
 * console.assert(speed.gflops > 0);
 * ```
 */
export async function measureMatMul(
  shapes: MatMulShape[],
  options: { minMs?: number } = {},
): Promise<MatMulSpeed> {
  const minMs = options.minMs ?? 150;
  const counts = countShapes(shapes);
  let flops = 0;
  let seconds = 0;
  const out: MatMulSpeed["shapes"] = [];
  for (const { shape, count } of counts.values()) {
    const [m, k, n] = shape;
    const a = tf.randomUniform([m, k], -1, 1, "float32", 1) as tf.Tensor2D;
    const b = tf.randomUniform([k, n], -1, 1, "float32", 2) as tf.Tensor2D;
    // Time runs of `reps` products and read only the last result back, so that the readback
    // (which a training step does not do per product) costs next to nothing.
    const run = async (reps: number) => {
      const t0 = performance.now();
      let c: tf.Tensor | null = null;
      for (let r = 0; r < reps; r++) {
        c?.dispose();
        c = tf.matMul(a, b);
      }
      await c!.data();
      c!.dispose();
      return (performance.now() - t0) / reps;
    };
    const first = await run(2);
    const reps = Math.max(1, Math.min(200, Math.round(10 / Math.max(first, 1e-3))));
    await run(reps);
    const times: number[] = [];
    const start = performance.now();
    while (times.length < 5 || performance.now() - start < minMs) times.push(await run(reps));
    const ms = median(times);
    tf.dispose([a, b]);
    const f = 2 * m * k * n;
    out.push({ shape, count, gflops: f / ms / 1e6 });
    flops += f * count;
    seconds += (ms / 1000) * count;
  }
  return { gflops: flops / seconds / 1e9, shapes: out };
}

/** One kind of operation timed by a reference: its operands, how often and its FLOPs. */
interface TimedOp {
  run: () => tf.Tensor;
  operands: tf.Tensor[];
  count: number;
  flops: number;
}

/** What the references share: one timed pass over every operation, and disposal. */
abstract class ReferencePass {
  protected readonly items: TimedOp[] = [];

  /** One pass over all shapes; GFLOP/s. */
  async sample(): Promise<number> {
    let flops = 0;
    const t0 = performance.now();
    let last: tf.Tensor | null = null;
    for (const item of this.items) {
      for (let i = 0; i < item.count; i++) {
        last?.dispose();
        last = item.run();
      }
      flops += item.flops;
    }
    if (last) {
      await last.data();
      last.dispose();
    }
    return flops / (performance.now() - t0) / 1e6;
  }

  /** Frees the operands. */
  dispose(): void {
    for (const item of this.items) tf.dispose(item.operands);
  }
}

/**
 * A plain-matmul yardstick to sample between timed training updates, so that both see the same
 * machine load: each `sample()` runs every distinct shape (right operands reused) as often as it
 * occurs and returns the GFLOP/s of that pass.
 *
 * @example
 * ```ts
 * import { MatMulReference } from "@normbench/normbench";
 * const ref = new MatMulReference([[128, 64, 64], [128, 64, 64]]);
 * console.assert((await ref.sample()) > 0);
 * ref.dispose();
 * ```
 */
export class MatMulReference extends ReferencePass {
  /** Prepares operands for every distinct shape of `shapes`. */
  constructor(shapes: MatMulShape[]) {
    super();
    let seed = 1;
    for (const { shape: [m, k, n], count } of countShapes(shapes).values()) {
      const a = tf.randomUniform([m, k], -1, 1, "float32", seed++) as tf.Tensor2D;
      const b = tf.randomUniform([k, n], -1, 1, "float32", seed++) as tf.Tensor2D;
      this.items.push({
        run: () => tf.matMul(a, b),
        operands: [a, b],
        count,
        flops: 2 * m * k * n * count,
      });
    }
  }
}

/**
 * A convolution yardstick for a CNN, sampled like {@linkcode MatMulReference}: each `sample()`
 * runs the backend's own `conv2d` forward (torch-style symmetric padding, the model's strides)
 * at every distinct shape as often as it occurs and returns the GFLOP/s of that pass.
 *
 * @example
 * ```ts
 * import { ConvReference } from "@normbench/normbench";
 * const ref = new ConvReference([[8, 14, 14, 16, 3, 16, 1]]);
 * console.assert((await ref.sample()) > 0);
 * ref.dispose();
 * ```
 */
export class ConvReference extends ReferencePass {
  /** Prepares operands for every distinct shape of `shapes`. */
  constructor(shapes: ConvShape[]) {
    super();
    let seed = 1;
    for (const { shape, count } of countShapes(shapes).values()) {
      const [b, h, w, c, k, o, stride] = shape;
      const x = tf.randomUniform([b, h, w, c], -1, 1, "float32", seed++) as tf.Tensor4D;
      const f = tf.randomUniform([k, k, c, o], -1, 1, "float32", seed++) as tf.Tensor4D;
      const p = (k - 1) / 2;
      this.items.push({
        run: () => tf.conv2d(x, f, stride, [[0, 0], [p, p], [p, p], [0, 0]]),
        operands: [x, f],
        count,
        flops: (2 * b * h * w * k * k * c * o * count) / (stride * stride),
      });
    }
  }
}

/** The distinct shapes of `shapes`, each with how often it occurs, in first-seen order. */
function countShapes<S extends readonly number[]>(
  shapes: S[],
): Map<string, { shape: S; count: number }> {
  const counts = new Map<string, { shape: S; count: number }>();
  for (const s of shapes) {
    const key = s.join("x");
    const e = counts.get(key) ?? { shape: s, count: 0 };
    e.count += 1;
    counts.set(key, e);
  }
  return counts;
}
