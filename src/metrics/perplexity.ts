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
