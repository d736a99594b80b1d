/**
 * Activations: ReLU and GELU (tanh approximation) with a hand-written backward.
 *
 * @module
 */
import * as tf from "../tf.ts";

/** Activation names the feed-forward layers accept. */
export type ActivationName = "relu" | "gelu";

/**
 * Every activation name, for error messages.
 *
 * @example
 * ```ts
 * import { ACTIVATIONS } from "@normbench/normbench";
 * console.assert(ACTIVATIONS.includes("gelu"));
 * ```
 */
export const ACTIVATIONS: readonly ActivationName[] = ["relu", "gelu"];

type GradInputs = (tf.Tensor | ((t: tf.Tensor[]) => void))[];

/** √(2/π)·2: the tanh approximation written with a sigmoid, tanh(u) = 2σ(2u) − 1. */
const GELU_SCALE = 2 * Math.sqrt(2 / Math.PI);
const GELU_CUBIC = 0.044715;

/**
 * GELU in its tanh approximation (BERT's and GPT-2's `gelu`):
 * `½x(1 + tanh(√(2/π)(x + 0.044715x³))) = x·σ(2√(2/π)(x + 0.044715x³))`, computed through the
 * sigmoid (vectorised on wasm, ~10× cheaper there than `erf` or `tanh`), with a hand-written
 * backward. It differs from the erf form by less than 1e-3.
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs-core";
 * import { gelu } from "@normbench/normbench";
 * const y = await gelu(tf.tensor1d([0, 1])).data();
 * console.assert(y[0] === 0 && Math.abs(y[1] - 0.8412) < 1e-3);
 * ```
 */
export function gelu(x: tf.Tensor): tf.Tensor {
  const fn = tf.customGrad((...args: GradInputs) => {
    const input = args[0] as tf.Tensor;
    const save = args[1] as (t: tf.Tensor[]) => void;
    const sq = tf.square(input);
    const u = tf.mul(tf.mul(input, tf.add(tf.mul(sq, GELU_CUBIC), 1)), GELU_SCALE);
    const s = tf.sigmoid(u);
    save([input, s, sq]);
    return {
      value: tf.mul(input, s),
      gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
        const [sx, ss, ssq] = saved;
        // d/dx x·σ(u) = σ + x·σ(1−σ)·u',  u' = c(1 + 3·0.044715·x²)
        const du = tf.mul(tf.add(tf.mul(ssq, 3 * GELU_CUBIC), 1), GELU_SCALE);
        const inner = tf.mul(tf.mul(sx, tf.sub(1, ss)), du);
        return [tf.mul(dy as tf.Tensor, tf.mul(ss, tf.add(inner, 1)))];
      },
    };
  });
  return fn(x);
}

/**
 * Applies the named activation.
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs-core";
 * import { activate } from "@normbench/normbench";
 * console.assert((await activate(tf.tensor1d([-1]), "relu").data())[0] === 0);
 * ```
 */
export function activate(x: tf.Tensor, name: ActivationName): tf.Tensor {
  return name === "relu" ? tf.relu(x) : gelu(x);
}
