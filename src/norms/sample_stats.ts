/**
 * Per-sample statistics for the norms that normalise each sample on its own (GroupNorm,
 * EvoNorm, BCN's group step). An input `[B, …positions, C]` is read as the authors' NCHW image
 * with its spatial axes flattened: positions (an image's H·W, a sequence's tokens) are what the
 * statistics run over, per sample, together with the channels of one group.
 *
 * @module
 */
import * as tf from "../tf.ts";
import { UsageError } from "../util/errors.ts";
import type { OptionSpec } from "./options.ts";

/**
 * What the registry entries of the per-sample norms share: a statistic left at inference, and
 * positions that share statistics (so causal models refuse them).
 */
export const PER_SAMPLE = { folds: "partial", mixesPositions: true } as const;

/**
 * The `normbench norms` note of a per-sample norm: `what` it computes, then how images and token
 * sequences read.
 *
 * @example
 * ```ts
 * import { sampleNote } from "@normbench/normbench";
 * console.assert(sampleNote("Group std").endsWith("causal models refuse it."));
 * ```
 */
export function sampleNote(what: string): string {
  return `${what}, per sample over its positions — H, W of an image [B, H, W, C] as the ` +
    "authors' NCHW code, the tokens of a sequence [B, T, C] (pad mask honoured); causal models " +
    "refuse it.";
}

/**
 * The `groups` option of a per-sample norm: 8 channel groups by default (the papers' 32 needs
 * C ≥ 32; 8 divides every width of the zoo); it must divide C. `of` says what is grouped.
 *
 * @example
 * ```ts
 * import { groupsOption } from "@normbench/normbench";
 * console.assert(groupsOption("the group std").default === 8);
 * ```
 */
export function groupsOption(of: string): OptionSpec {
  return {
    default: 8,
    rule: "int>=1",
    doc: `channel groups of ${of}, must divide C (the papers' 32 needs C ≥ 32)`,
  };
}

/** A tensor grouped for per-sample statistics, with those statistics. */
export interface GroupedMoments {
  /** The input as `[B, S, G, C/G]` (S positions, G groups). */
  grouped: tf.Tensor4D;
  /** Mean per sample and group, `[B, 1, G, 1]`. */
  mean: tf.Tensor4D;
  /** Biased variance (÷n) per sample and group, `[B, 1, G, 1]`. */
  variance: tf.Tensor4D;
}

/**
 * Throws a {@linkcode UsageError} unless `groups` divides `channels`.
 *
 * @example
 * ```ts
 * import { checkGroups } from "@normbench/normbench";
 * checkGroups("gn", 4, 16);
 * try { checkGroups("gn", 3, 16); } catch (err) { console.log((err as Error).message); }
 * ```
 */
export function checkGroups(norm: string, groups: number, channels: number): void {
  if (channels % groups !== 0) {
    throw new UsageError(
      `norm '${norm}': groups (${groups}) must divide the channel count (${channels})`,
      `pass a groups option that divides ${channels}, e.g. ${largestDivisorUpTo(channels, groups)}`,
    );
  }
}

function largestDivisorUpTo(n: number, limit: number): number {
  for (let d = Math.min(n, limit); d > 1; d--) if (n % d === 0) return d;
  return 1;
}

/**
 * The keep indicator of a pad `mask` (1 = padding, shape `[B, …positions]`) as `[B, P, 1, 1]`,
 * against a tensor grouped `[B, P, G, C/G]`: 1 where a position counts in the statistics.
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs-core";
 * import { groupKeep } from "@normbench/normbench";
 * const keep = groupKeep(tf.tensor2d([[0, 1]]), 1, 2); // the second token is padding
 * console.assert(keep.shape.join() === "1,2,1,1" && keep.dataSync().join() === "1,0");
 * ```
 */
export function groupKeep(mask: tf.Tensor, batch: number, positions: number): tf.Tensor4D {
  return tf.sub(1, tf.reshape(tf.cast(mask, "float32"), [batch, positions, 1, 1])) as tf.Tensor4D;
}

/**
 * The element count of each sample's group statistics, `[B, 1, 1, 1]` with a keep indicator
 * (kept positions × the group's `width` channels, at least 1), else the number `P·width`.
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs-core";
 * import { groupCount, groupKeep } from "@normbench/normbench";
 * console.assert(groupCount(undefined, 5, 4) === 20);
 * const n = groupCount(groupKeep(tf.tensor2d([[0, 0, 1]]), 1, 3), 3, 4) as tf.Tensor;
 * console.assert(n.dataSync()[0] === 8); // two kept positions × 4 channels
 * ```
 */
export function groupCount(
  keep: tf.Tensor | undefined,
  positions: number,
  width: number,
): tf.Tensor | number {
  return keep ? tf.maximum(tf.mul(tf.sum(keep, 1, true), width), 1) : positions * width;
}

/**
 * Mean and biased variance of each sample over its positions and the channels of each of
 * `groups` contiguous channel groups (`groups = C`: per channel, the instance statistics).
 * Positions where `mask` (shape `x.shape.slice(0, -1)`, 1 = padding) is set are left out. A
 * rank-2 input `[N, C]` has one position per sample.
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs-core";
 * import { groupMoments } from "@normbench/normbench";
 * const x = tf.tensor3d([[[1, 3], [3, 5]]]); // B=1, two positions, C=2
 * const { mean, variance } = groupMoments(x, 1);
 * console.assert(mean.dataSync()[0] === 3 && variance.dataSync()[0] === 2);
 * ```
 */
export function groupMoments(x: tf.Tensor, groups: number, mask?: tf.Tensor): GroupedMoments {
  return tf.tidy(() => {
    const b = x.shape[0];
    const c = x.shape[x.rank - 1];
    const positions = x.size / (b * c);
    const grouped = tf.reshape(x, [b, positions, groups, c / groups]) as tf.Tensor4D;
    if (!mask) {
      const mean = tf.mean(grouped, [1, 3], true) as tf.Tensor4D;
      const variance = tf.mean(tf.square(tf.sub(grouped, mean)), [1, 3], true) as tf.Tensor4D;
      return { grouped, mean, variance };
    }
    const keep = groupKeep(mask, b, positions);
    const count = groupCount(keep, positions, c / groups);
    const mean = tf.div(tf.sum(tf.mul(grouped, keep), [1, 3], true), count) as tf.Tensor4D;
    const centred = tf.mul(tf.square(tf.sub(grouped, mean)), keep);
    const variance = tf.div(tf.sum(centred, [1, 3], true), count) as tf.Tensor4D;
    return { grouped, mean, variance };
  });
}
