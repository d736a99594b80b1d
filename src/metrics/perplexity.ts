/**
 * Perplexity per token and per word. A model over subword tokens is compared with a word-level
 * one by its per-word perplexity: the same total negative log-likelihood divided by the number of
 * words (PTB convention: `<eos>` counts as a word) instead of the number of tokens.
 *
 * @module
 */

/** Both perplexities of one evaluation. */
export interface Perplexity {
  /** exp(NLL / tokens). */
  readonly perToken: number;
  /** exp(NLL / words) (equals `perToken` when tokens are words). */
  readonly perWord: number;
  /** Mean NLL per token in nats. */
  readonly nllPerToken: number;
}

/**
 * Perplexities from a summed negative log-likelihood (nats) over `tokens` predicted tokens that
 * spell `words` words (default: `tokens`).
 *
 * @example
 * ```ts
 * import { perplexity } from "@normbench/normbench";
 * const p = perplexity({ nll: 200 * Math.log(100), tokens: 200, words: 100 });
 * console.assert(Math.abs(p.perToken - 100) < 1e-9 && Math.abs(p.perWord - 10000) < 1e-6);
 * ```
 */
export function perplexity(options: { nll: number; tokens: number; words?: number }): Perplexity {
  const { nll, tokens } = options;
  const words = options.words ?? tokens;
  return {
    perToken: Math.exp(nll / tokens),
    perWord: Math.exp(nll / words),
    nllPerToken: nll / tokens,
  };
}

/**
 * The entropy (nats per token) of the unigram distribution of `stream`: the loss of a model that
 * predicts every token by its frequency alone. A language model whose loss stays at this level
 * learned nothing of context.
 *
 * @example
 * ```ts
 * import { unigramEntropy } from "@normbench/normbench";
 * const h = unigramEntropy(new Int32Array([0, 1, 0, 1]), 4);
 * console.assert(Math.abs(h - Math.log(2)) < 1e-12);
 * ```
 */
export function unigramEntropy(stream: ArrayLike<number>, vocabSize: number): number {
  const counts = new Float64Array(vocabSize);
  for (let i = 0; i < stream.length; i++) counts[stream[i]]++;
  let h = 0;
  for (const c of counts) {
    if (c > 0) {
      const p = c / stream.length;
      h -= p * Math.log(p);
    }
  }
  return h;
}
