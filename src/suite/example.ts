/**
 * A complete suite small enough to read at once and to run in a second: a two-layer MLP with a
 * norm of the zoo between its layers learns y = sin(3x) on 256 points. It is the template for a
 * suite of your own (grid of runs, a claim, a plot, a table) and what the examples of the runner,
 * the results files and the report run on. It is not registered: pass it where a suite is asked
 * for.
 *
 * @module
 */
import * as tf from "../tf.ts";
import { createNorm } from "../norms/registry.ts";
import type { Json, ProfileName, RunOutput, TaskContext } from "../results/types.ts";
import type { RunSpec, Suite } from "./types.ts";

/** Input of {@linkcode fitCurve}. */
interface FitInput {
  norm: string;
  seed: number;
  steps: number;
  lr: number;
}

/**
 * The example suite's task: trains the MLP with the input's norm for `steps` Adam updates and
 * returns its final loss and the loss curve.
 *
 * @example
 * ```ts
 * import { fitCurve } from "@normbench/normbench";
 * const out = await fitCurve({ norm: "ln", seed: 0, steps: 50, lr: 0.01 }, { progress() {} });
 * console.assert(out.metrics.loss! < out.curves!.train_loss[0].y);
 * ```
 */
export async function fitCurve(input: Json, context: TaskContext): Promise<RunOutput> {
  const { norm: name, seed, steps, lr } = input as unknown as FitInput;
  const x = tf.reshape(tf.linspace(-1, 1, 256), [256, 1]);
  const y = tf.sin(tf.mul(x, 3));
  const w1 = tf.variable(tf.randomNormal([1, 32], 0, 1, "float32", seed));
  const w2 = tf.variable(tf.randomNormal([32, 1], 0, 0.2, "float32", seed + 1));
  const norm = createNorm(name, 32);
  const optimizer = tf.train.adam(lr);
  const curve: { x: number; y: number }[] = [];
  for (let step = 1; step <= steps; step++) {
    const loss = optimizer.minimize(() => {
      const h = norm.apply(tf.matMul(x, w1), { training: true });
      return tf.mean(tf.square(tf.sub(tf.matMul(tf.tanh(h), w2), y)));
    }, true)!;
    curve.push({ x: step, y: (await loss.data())[0] });
    loss.dispose();
    context.progress(step, steps);
  }
  tf.dispose([x, y, w1, w2]);
  norm.dispose();
  optimizer.dispose();
  const last = curve.at(-1)!.y;
  return {
    metrics: { loss: Number.isFinite(last) ? last : null },
    curves: { train_loss: curve },
    collapse: Number.isFinite(last) ? null : { step: steps, reason: "non-finite loss" },
  };
}

/** The example grid: LN and RMSNorm × seeds (2 in smoke, 3 otherwise). */
function exampleRuns(profile: ProfileName): RunSpec[] {
  const seeds = profile === "smoke" ? 2 : 3;
  return ["ln", "rms"].flatMap((norm) =>
    Array.from({ length: seeds }, (_, seed) => ({
      id: `${norm}/seed${seed}`,
      labels: { norm, seed },
      task: { module: import.meta.resolve("./example.ts"), export: "fitCurve" },
      input: { norm, seed, steps: 60, lr: 0.01 },
      cost: 60,
    }))
  );
}

/**
 * The example suite, `curve`: does RMSNorm fit a curve as well as LayerNorm?
 *
 * @example
 * ```ts
 * import { exampleSuite, reproduce } from "@normbench/normbench";
 * const dir = await Deno.makeTempDir();
 * const result = await reproduce({
 *   suites: [exampleSuite], profile: "smoke", backend: "cpu", outDir: dir,
 *   cacheDir: `${dir}/cache`, jobs: 1, progress: false, log: () => {},
 * });
 * console.assert(result.written.includes(`${dir}/smoke/curve.json`));
 * ```
 */
export const exampleSuite: Suite = {
  name: "curve",
  title: "Example: fitting sin(3x) with a normalised MLP",
  setting: { paper: "—", ours: "a 1→32→1 MLP, Adam 1e-2, 60 updates on 256 points" },
  datasets: [],
  runs: exampleRuns,
  claims: [{
    id: "curve.rms-vs-ln",
    claim: "RMSNorm fits as well as LayerNorm",
    source: "example",
    paper: "—",
    metric: "loss",
    higherIsBetter: false,
    a: { norm: "rms" },
    b: { norm: "ln" },
    test: { kind: "parity", margin: 0.05 },
  }],
  plots: [{
    kind: "curve",
    id: "loss",
    title: "Training loss",
    curve: "train_loss",
    groupBy: "norm",
  }],
  notes: () => ["An example suite: no paper table behind it."],
  table: { groupBy: ["norm"], metrics: [{ key: "loss", title: "final loss", digits: 4 }] },
};
