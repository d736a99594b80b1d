/**
 * Layer importance after training: how much each block matters on held-out batches — the change
 * in loss when the block is skipped (its output replaced by its input), and the angular distance
 * between the block's input and output.
 *
 * @module
 */
import * as tf from "../tf.ts";
import type { Batch, Model } from "../models/types.ts";
import { type ForwardRecord, LayerRecorder } from "../nn/layer_recorder.ts";
import { UsageError } from "../util/errors.ts";

/** Options of {@linkcode layerImportance}. */
export interface LayerImportanceOptions<B extends Batch> {
  /** Held-out batches (e.g. validation), each scored in inference mode. */
  batches: readonly B[];
  /** Each batch's weight in the mean loss (default 1: e.g. its target count for equal tokens). */
  weight?: (batch: B) => number;
}

/** What {@linkcode layerImportance} measured (plain data). */
export interface LayerImportance {
  /** The mean loss with every block. */
  baseLoss: number;
  /** `skippedLoss[ℓ]`: the mean loss with block ℓ skipped. */
  skippedLoss: number[];
  /** `lossDelta[ℓ]` = `skippedLoss[ℓ]` − `baseLoss`. */
  lossDelta: number[];
  /**
   * `angularDistance[ℓ]` = arccos(c̄ℓ)/π, c̄ℓ the cosine similarity of block ℓ's input and
   * output averaged over the real tokens of every batch (0: the block changes no direction).
   */
  angularDistance: number[];
}

/** The weighted mean loss of `model` over `batches`, with `record` on every forward. */
async function meanLoss<B extends Batch>(
  model: Model<unknown, B>,
  options: LayerImportanceOptions<B>,
  skip: ReadonlySet<number> | undefined,
  onRecord?: (r: ForwardRecord) => void,
): Promise<number> {
  let sum = 0;
  let weights = 0;
  for (const batch of options.batches) {
    const record = onRecord ? new LayerRecorder({ cosines: true }) : undefined;
    const loss = tf.tidy(() => model.loss(batch, { training: false, skipLayers: skip, record }));
    const value = (await loss.data())[0];
    loss.dispose();
    if (record) onRecord!(await record.read());
    const w = options.weight ? options.weight(batch) : 1;
    sum += value * w;
    weights += w;
  }
  return sum / weights;
}

/**
 * Scores `model` on `options.batches` with every block and with each block skipped in turn
 * (inference mode), and measures each block's angular distance on the full passes. Needs a model
 * with one Transformer stack; the model is left as it was.
 *
 * @example
 * ```ts
 * import { createModel, layerImportance, syntheticBatch } from "@normbench/normbench";
 * const lm = createModel({ model: "lm", preset: "tiny", norm: "ln" });
 * const batches = [syntheticBatch(lm, { batch: 2, seq: 6 })] as never[];
 * const imp = await layerImportance(lm, { batches });
 * console.assert(imp.lossDelta.length === 2 && imp.angularDistance.every((a) => a >= 0 && a <= 1));
 * lm.dispose();
 * ```
 */
export async function layerImportance<B extends Batch>(
  model: Model<unknown, B>,
  options: LayerImportanceOptions<B>,
): Promise<LayerImportance> {
  if (options.batches.length === 0) {
    throw new UsageError("layer importance needs at least one batch", "pass validation batches");
  }
  let cosSum: number[] = [];
  let tokens = 0;
  const baseLoss = await meanLoss(model, options, undefined, (r) => {
    if (cosSum.length === 0) cosSum = r.cosine.map(() => 0);
    r.cosine.forEach((c, l) => (cosSum[l] += c * r.tokens));
    tokens += r.tokens;
  });
  const layers = cosSum.length;
  if (layers === 0) {
    throw new UsageError(
      "layer importance found no Transformer blocks in the model's forward",
      "use a model with a Transformer stack (lm, encoder, vit)",
    );
  }
  const skippedLoss: number[] = [];
  for (let l = 0; l < layers; l++) skippedLoss.push(await meanLoss(model, options, new Set([l])));
  return {
    baseLoss,
    skippedLoss,
    lossDelta: skippedLoss.map((s) => s - baseLoss),
    angularDistance: cosSum.map((c) => Math.acos(Math.min(1, Math.max(-1, c / tokens))) / Math.PI),
  };
}
