/**
 * Random batches of the right shape for any model, for benchmarks and smoke tests.
 *
 * @module
 */
import { SeededRng } from "../util/random.ts";
import type { AnyModel } from "./presets.ts";
import type { Batch } from "./types.ts";

/** Options of {@linkcode syntheticBatch}. */
export interface SyntheticBatchOptions {
  /** Sequences or images per batch. */
  batch: number;
  /** Tokens per sequence for text models (default: the model's `maxLen`, at most 64). */
  seq?: number;
  /** Seed of the random content (default 0). */
  seed?: number;
  /** Encoder only: `classify` (default) or `mlm` (15% of positions predicted). */
  task?: "classify" | "mlm";
}

/**
 * A batch of random content for `model`: uniform pixels and labels, or token ids drawn from the
 * vocabulary without special ids (no padding).
 *
 * @example
 * ```ts
 * import { createModel, syntheticBatch } from "@normbench/normbench";
 * const model = createModel({ model: "translator", preset: "tiny", norm: "ln" });
 * const b = syntheticBatch(model, { batch: 2, seq: 5 });
 * console.assert(b.kind === "translate" && b.srcShape.join() === "2,5");
 * ```
 */
export function syntheticBatch(model: AnyModel, options: SyntheticBatchOptions): Batch {
  const rng = new SeededRng(options.seed ?? 0);
  const b = options.batch;
  const c = model.config;
  const tokens = (n: number, vocab: number) =>
    Int32Array.from({ length: n }, () => 3 + rng.int(Math.max(1, vocab - 3)));
  switch (c.kind) {
    case "vit":
    case "cnn": {
      const images = Float32Array.from(
        { length: b * c.imageSize ** 2 * c.channels },
        () => rng.uniform(),
      );
      const labels = Int32Array.from({ length: b }, () => rng.int(c.classes));
      return { kind: "image", images, shape: [b, c.imageSize, c.imageSize, c.channels], labels };
    }
    case "encoder": {
      const n = options.seq ?? Math.min(c.maxLen, 64);
      const ids = tokens(b * n, c.vocab);
      if (options.task === "mlm") {
        const targets = new Int32Array(b * n).fill(-1);
        for (let i = 0; i < ids.length; i++) {
          if (rng.uniform() < 0.15 || i === 0) targets[i] = ids[i];
        }
        return { kind: "mlm", tokens: ids, shape: [b, n], targets };
      }
      const labels = Int32Array.from({ length: b }, () => rng.int(c.classes));
      return { kind: "classify", tokens: ids, shape: [b, n], labels };
    }
    case "translator": {
      const n = options.seq ?? Math.min(c.maxLen, 32);
      return {
        kind: "translate",
        src: tokens(b * n, c.vocab),
        srcShape: [b, n],
        tgtIn: tokens(b * n, c.vocab),
        tgtOut: tokens(b * n, c.vocab),
        tgtShape: [b, n],
      };
    }
    case "lm": {
      const n = options.seq ?? Math.min(c.maxLen, 64);
      return { kind: "lm", tokens: tokens(b * (n + 1), c.vocab), shape: [b, n + 1] };
    }
  }
}
