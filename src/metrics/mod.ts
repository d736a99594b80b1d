/**
 * Metrics that belong to data: corpus BLEU compatible with sacreBLEU, accuracy, perplexity per
 * word and per token, and summary statistics (mean, std, t and Wilson intervals).
 *
 * @example
 * ```ts
 * import { corpusBleu, formatBleu, meanInterval } from "@normbench/normbench";
 * console.log(formatBleu(corpusBleu(["the cat sat"], [["the cat sat"]])));
 * console.log(meanInterval([35.1, 35.4, 35.3]));
 * ```
 *
 * @module
 */
export * from "./tokenize_13a.ts";
export * from "./format.ts";
export * from "./bleu.ts";
export * from "./accuracy.ts";
export * from "./perplexity.ts";
export * from "./stats.ts";
