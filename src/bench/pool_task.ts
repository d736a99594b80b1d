/**
 * The task `bench pool` runs in each worker: a few training updates of an LM preset on a
 * synthetic batch, returning its losses (so that runs on different workers can be compared).
 *
 * @module
 */
import { createModel } from "../models/presets.ts";
import { syntheticBatch } from "../models/synthetic.ts";
import { train } from "../train/train.ts";
import type { TaskContext } from "../results/types.ts";

/** Input of {@linkcode trainSyntheticLm}. */
export interface TrainSyntheticLmInput {
  /** Seed of the weights and the batch. */
  seed: number;
  /** Training updates. */
  steps: number;
  /** LM preset (default `small`). */
  preset?: string;
}

/**
 * Trains an LM preset for `steps` updates on one synthetic batch; returns its losses.
 *
 * @example
 * ```ts
 * import { trainSyntheticLm } from "@normbench/normbench";
 * const out = await trainSyntheticLm({ seed: 0, steps: 2, preset: "tiny" }, { progress() {} });
 * console.assert(out.losses.length === 2);
 * ```
 */
export async function trainSyntheticLm(
  input: TrainSyntheticLmInput,
  context: TaskContext,
): Promise<{ seed: number; losses: number[] }> {
  const preset = input.preset ?? "small";
  const model = createModel({ model: "lm", preset, norm: "ln", seed: input.seed });
  const batch = syntheticBatch(model, {
    batch: 16,
    seq: preset === "tiny" ? 8 : 32,
    seed: input.seed,
  });
  try {
    const result = await train(model, {
      steps: input.steps,
      seed: input.seed,
      optimizer: { kind: "adam", lr: 1e-3 },
      quiet: true,
    }, {
      batch: () => batch as never,
      onProgress: (p) => context.progress(p.step, p.total),
    });
    return { seed: input.seed, losses: result.losses };
  } finally {
    model.dispose();
  }
}
