/**
 * The standard {@linkcode ForwardRecorder}: reduces what a forward reports to a few numbers per
 * layer on the device as the forward runs, and reads them all back in one transfer afterwards.
 *
 * @module
 */
import * as tf from "../tf.ts";
import { UsageError } from "../util/errors.ts";
import { attentionEntropy, hiddenStats, meanCosine } from "./layer_stats.ts";
import type { ForwardRecorder } from "./recorder.ts";

/** Options of {@linkcode LayerRecorder}. */
export interface LayerRecorderOptions {
  /**
   * Also record the mean cosine similarity of each block's input and output (layer importance;
   * default false).
   */
  cosines?: boolean;
}

/** What one recorded forward measured (plain data). */
export interface ForwardRecord {
  /** Real (non-pad) tokens the statistics ran over. */
  tokens: number;
  /** Hidden-state variance entering block ℓ (index L: after the last block), `[L+1]`. */
  variance: number[];
  /** Hidden-state RMS, indexed as `variance`, `[L+1]`. */
  rms: number[];
  /** Self-attention entropy in nats per block and head, `[L][H]`. */
  entropy: number[][];
  /** Mean cosine of block ℓ's input and output per token, `[L]` (empty without `cosines`). */
  cosine: number[];
}

/**
 * Records one forward: the hidden-state variance and RMS of the residual stream before each
 * block and after the last, the self-attention entropy per block and head (pad queries
 * excluded), and with `cosines` the cosine of each block's input and output. Pass it as
 * `ForwardContext.record`, then `read()` (which also frees it).
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs-core";
 * import { createModel, LayerRecorder } from "@normbench/normbench";
 * const lm = createModel({ model: "lm", preset: "tiny", norm: "ln" });
 * const record = new LayerRecorder();
 * tf.tidy(() => lm.logits({ kind: "lm", tokens: new Int32Array([3, 4, 5, 0]), shape: [1, 4] }, { training: false, record }));
 * const r = await record.read();
 * console.assert(r.tokens === 3 && r.variance.length === 3 && r.entropy[1].length === 2);
 * lm.dispose();
 * ```
 */
export class LayerRecorder implements ForwardRecorder {
  readonly #cosines: boolean;
  #valid: tf.Tensor | null = null;
  readonly #residuals = new Map<number, tf.Tensor>();
  readonly #entropy = new Map<number, tf.Tensor>();
  readonly #cosine = new Map<number, tf.Tensor>();
  #tokens = 0;
  #previous: { index: number; h: tf.Tensor } | null = null;

  /** An empty recorder for one forward. */
  constructor(options: LayerRecorderOptions = {}) {
    this.#cosines = options.cosines ?? false;
  }

  padding(mask: tf.Tensor): void {
    this.#valid?.dispose();
    this.#valid = tf.keep(tf.tidy(() => tf.sub(1, tf.cast(mask, "float32"))));
  }

  residual(index: number, h: tf.Tensor): void {
    if (this.#residuals.has(index)) {
      throw new UsageError(
        `the forward reported the residual stream at block ${index} twice`,
        "record one Transformer stack per forward (a model with several stacks is not supported)",
      );
    }
    if (index === 0) this.#tokens = this.#valid ? 0 : h.size / h.shape[h.rank - 1];
    this.#residuals.set(index, tf.keep(hiddenStats(h, this.#valid)));
    const prev = this.#previous;
    if (this.#cosines && prev && prev.index === index - 1) {
      this.#cosine.set(prev.index, tf.keep(tf.reshape(meanCosine(prev.h, h, this.#valid), [1])));
    }
    this.#previous = { index, h };
  }

  attention(layer: number, probs: tf.Tensor): void {
    this.#entropy.get(layer)?.dispose();
    this.#entropy.set(layer, tf.keep(attentionEntropy(probs, this.#valid)));
  }

  /** Reads every statistic back (one transfer) and frees the recorder's tensors. */
  async read(): Promise<ForwardRecord> {
    this.#previous = null;
    const sorted = (m: Map<number, tf.Tensor>) =>
      [...m.entries()].sort(([a], [b]) => a - b).map(([, t]) => t);
    const parts = [
      ...(this.#valid ? [tf.tidy(() => tf.reshape(tf.sum(this.#valid!), [1]))] : []),
      ...sorted(this.#residuals),
      ...sorted(this.#entropy),
      ...sorted(this.#cosine),
    ];
    if (parts.length === 0) {
      this.dispose();
      return { tokens: 0, variance: [], rms: [], entropy: [], cosine: [] };
    }
    const all = tf.concat(parts);
    const values = await all.data();
    all.dispose();
    if (this.#valid) parts[0].dispose();
    let at = 0;
    const take = (n: number) => Array.from(values.subarray(at, at += n));
    const tokens = this.#valid ? take(1)[0] : this.#tokens;
    const stats = sorted(this.#residuals).map(() => take(2));
    const entropy = sorted(this.#entropy).map((t) => take(t.size));
    const cosine = take(this.#cosine.size);
    this.dispose();
    return {
      tokens,
      variance: stats.map((s) => s[0]),
      rms: stats.map((s) => s[1]),
      entropy,
      cosine,
    };
  }

  /** Frees the recorder's tensors (`read` does this too). */
  dispose(): void {
    this.#previous = null;
    this.#valid?.dispose();
    this.#valid = null;
    for (const m of [this.#residuals, this.#entropy, this.#cosine]) {
      tf.dispose([...m.values()]);
      m.clear();
    }
  }
}
