/**
 * Corpus BLEU compatible with sacreBLEU's defaults (BLEU-4, brevity penalty, `13a` tokenizer,
 * `exp` smoothing, mixed case) on detokenized text: the same sufficient statistics (clipped
 * n-gram matches against the max count over references, closest reference length with ties to
 * the shorter) and the same smoothing methods (`exp`, `floor`, `add-k`, `none`).
 *
 * @module
 */
import { UsageError } from "../util/errors.ts";
import { formatFixed } from "./format.ts";
import { splitWhitespace, tokenize13a } from "./tokenize_13a.ts";

/** How lines are tokenized before counting n-grams. */
export type BleuTokenizer = "13a" | "none";
/** Smoothing of zero n-gram matches (Chen & Cherry 2014). */
export type BleuSmoothing = "exp" | "floor" | "add-k" | "none";

/** Options, defaulting to sacreBLEU's. */
export interface BleuOptions {
  /** Tokenizer (default `13a`). */
  tokenize?: BleuTokenizer;
  /** Lower-case before tokenizing (default false). */
  lowercase?: boolean;
  /** Smoothing method (default `exp`). */
  smoothMethod?: BleuSmoothing;
  /** Value for `floor` (default 0.1) and `add-k` (default 1). */
  smoothValue?: number;
  /** Ignore n-gram orders the hypothesis is too short for (default false; sentence BLEU: true). */
  effectiveOrder?: boolean;
  /** Largest n-gram order (default 4). */
  maxOrder?: number;
}

/** A BLEU result with its statistics. */
export interface BleuScore {
  /** BLEU on the 0–100 scale. */
  readonly score: number;
  /** Clipped n-gram matches per order. */
  readonly counts: readonly number[];
  /** Hypothesis n-grams per order. */
  readonly totals: readonly number[];
  /** n-gram precisions (0–100) after smoothing. */
  readonly precisions: readonly number[];
  /** Brevity penalty. */
  readonly bp: number;
  /** Hypothesis length in tokens. */
  readonly sysLen: number;
  /** Effective reference length in tokens. */
  readonly refLen: number;
  /** `sysLen / refLen`. */
  readonly ratio: number;
  /** sacreBLEU-style signature, e.g. `nrefs:1|case:mixed|eff:no|tok:13a|smooth:exp|version:normbench`. */
  readonly signature: string;
}

const SMOOTH_DEFAULTS: Record<BleuSmoothing, number | undefined> = {
  exp: undefined,
  none: undefined,
  floor: 0.1,
  "add-k": 1,
};

function myLog(x: number): number {
  return x === 0 ? -9999999999 : Math.log(x);
}

function ngrams(tokens: readonly string[], maxOrder: number): Map<string, number> {
  const out = new Map<string, number>();
  for (let n = 1; n <= maxOrder; n++) {
    for (let i = 0; i + n <= tokens.length; i++) {
      const key = `${n}\u0000${tokens.slice(i, i + n).join("\u0001")}`;
      out.set(key, (out.get(key) ?? 0) + 1);
    }
  }
  return out;
}

function preprocess(line: string, opts: Required<Pick<BleuOptions, "tokenize" | "lowercase">>) {
  let s = line.trimEnd();
  if (opts.lowercase) s = s.toLowerCase();
  return opts.tokenize === "13a" ? tokenize13a(s) : s;
}

/**
 * BLEU from sufficient statistics, as sacreBLEU's `compute_bleu`.
 *
 * @example
 * ```ts
 * import { bleuFromStatistics } from "@normbench/normbench";
 * // sacreBLEU test_bleu.py, test_case_scoring: counts 9/7/5/3 of 10/8/6/4, lengths 11/11 → 0.8375922397
 * const s = bleuFromStatistics([9, 7, 5, 3], [10, 8, 6, 4], 11, 11, { smoothMethod: "none" });
 * console.assert(Math.abs(s.score / 100 - 0.8375922397) < 1e-8);
 * ```
 */
export function bleuFromStatistics(
  correct: readonly number[],
  total: readonly number[],
  sysLen: number,
  refLen: number,
  options: BleuOptions = {},
  signature = "",
): BleuScore {
  const method = options.smoothMethod ?? "exp";
  const value = options.smoothValue ?? SMOOTH_DEFAULTS[method] ?? 0;
  if (!(value >= 0) || !Number.isFinite(value)) {
    throw new RangeError(`smoothValue must be a finite number ≥ 0, got ${value}`);
  }
  const maxOrder = options.maxOrder ?? 4;
  const counts = [...correct];
  const totals = [...total];
  const bp = sysLen < refLen ? (sysLen > 0 ? Math.exp(1 - refLen / sysLen) : 0) : 1;
  const precisions = new Array<number>(maxOrder).fill(0);
  const result = (score: number): BleuScore => ({
    score,
    counts: correct,
    totals: total,
    precisions,
    bp,
    sysLen,
    refLen,
    ratio: refLen ? sysLen / refLen : 0,
    signature,
  });
  if (!counts.some((c) => c > 0)) return result(0);
  let smoothMteval = 1;
  let effOrder = maxOrder;
  for (let n = 1; n <= maxOrder; n++) {
    if (method === "add-k" && n > 1) {
      counts[n - 1] += value;
      totals[n - 1] += value;
    }
    if (totals[n - 1] === 0) break;
    if (options.effectiveOrder) effOrder = n;
    if (counts[n - 1] === 0) {
      if (method === "exp") {
        smoothMteval *= 2;
        precisions[n - 1] = 100 / (smoothMteval * totals[n - 1]);
      } else if (method === "floor") {
        precisions[n - 1] = (100 * value) / totals[n - 1];
      }
    } else {
      precisions[n - 1] = (100 * counts[n - 1]) / totals[n - 1];
    }
  }
  let logSum = 0;
  for (let n = 0; n < effOrder; n++) logSum += myLog(precisions[n]);
  return result(bp * Math.exp(logSum / effOrder));
}

function signatureOf(nrefs: number | string, o: Required<BleuOptions>): string {
  const smooth = SMOOTH_DEFAULTS[o.smoothMethod] === undefined
    ? o.smoothMethod
    : `${o.smoothMethod}[${formatFixed(o.smoothValue, 2)}]`;
  return `nrefs:${nrefs}|case:${o.lowercase ? "lc" : "mixed"}|eff:${
    o.effectiveOrder ? "yes" : "no"
  }|tok:${o.tokenize}|smooth:${smooth}|version:normbench`;
}

/**
 * Corpus BLEU of detokenized hypotheses against one or more reference streams, like sacreBLEU's
 * `corpus_bleu(hyps, refs)`: `references[k][i]` is the k-th reference of hypothesis i. An empty
 * reference is skipped (variable number of references); a segment with none is an error.
 *
 * @example
 * ```ts
 * import { corpusBleu } from "@normbench/normbench";
 * // sacreBLEU's README example: BLEU = 48.53 82.4/50.0/45.5/37.5 (BP = 0.943 …)
 * const hyps = ["The dog bit the man.", "It wasn't surprising.", "The man had just bitten him."];
 * const refs = [
 *   ["The dog bit the man.", "It was not unexpected.", "The man bit him first."],
 *   ["The dog had bit the man.", "No one was surprised.", "The man had bitten the dog."],
 * ];
 * console.assert(Math.abs(corpusBleu(hyps, refs).score - 48.530827) < 1e-6);
 * ```
 */
export function corpusBleu(
  hypotheses: readonly string[],
  references: readonly (readonly string[])[],
  options: BleuOptions = {},
): BleuScore {
  const o: Required<BleuOptions> = {
    tokenize: options.tokenize ?? "13a",
    lowercase: options.lowercase ?? false,
    smoothMethod: options.smoothMethod ?? "exp",
    smoothValue: options.smoothValue ?? SMOOTH_DEFAULTS[options.smoothMethod ?? "exp"] ?? 0,
    effectiveOrder: options.effectiveOrder ?? false,
    maxOrder: options.maxOrder ?? 4,
  };
  if (!references.length) throw new UsageError("BLEU needs at least one reference stream");
  for (const [k, stream] of references.entries()) {
    if (stream.length !== hypotheses.length) {
      throw new UsageError(
        `reference stream ${
          k + 1
        } has ${stream.length} lines but there are ${hypotheses.length} hypotheses`,
        "hypotheses and references must be line-aligned",
      );
    }
  }
  const correct = new Array<number>(o.maxOrder).fill(0);
  const total = new Array<number>(o.maxOrder).fill(0);
  let sysLen = 0;
  let refLen = 0;
  const nrefs = new Set<number>();
  for (const [i, hyp] of hypotheses.entries()) {
    const refs = references.map((s) => s[i]).filter((r) =>
      r !== undefined && r !== null && r !== ""
    );
    if (!refs.length) {
      throw new UsageError(
        `segment ${i + 1} has no reference`,
        "every line needs a non-empty reference",
      );
    }
    nrefs.add(refs.length);
    const refNgrams = new Map<string, number>();
    const refLens: number[] = [];
    for (const ref of refs) {
      const tokens = splitWhitespace(preprocess(ref, o));
      refLens.push(tokens.length);
      for (const [g, c] of ngrams(tokens, o.maxOrder)) {
        refNgrams.set(g, Math.max(refNgrams.get(g) ?? 0, c));
      }
    }
    const hypTokens = splitWhitespace(preprocess(hyp, o));
    const hypLen = hypTokens.length;
    let closest = -1;
    let closestDiff = -1;
    for (const len of refLens) {
      const diff = Math.abs(hypLen - len);
      if (closestDiff === -1 || diff < closestDiff || (diff === closestDiff && len < closest)) {
        closestDiff = diff;
        closest = len;
      }
    }
    sysLen += hypLen;
    refLen += closest;
    for (const [g, c] of ngrams(hypTokens, o.maxOrder)) {
      const n = Number(g.slice(0, g.indexOf("\u0000")));
      correct[n - 1] += Math.min(c, refNgrams.get(g) ?? 0);
    }
    for (let n = 1; n <= o.maxOrder; n++) total[n - 1] += Math.max(0, hypLen - n + 1);
  }
  const signature = signatureOf(nrefs.size === 1 ? [...nrefs][0] : "var", o);
  return bleuFromStatistics(correct, total, sysLen, refLen, o, signature);
}

/**
 * Sentence BLEU of one hypothesis (sacreBLEU's `sentence_bleu`: effective order on by default).
 *
 * @example
 * ```ts
 * import { sentenceBleu } from "@normbench/normbench";
 * // sacreBLEU test_sentence_bleu.py (issue #98): 13a + exp → 8.493
 * const s = sentenceBleu(
 *   "Producția de zahăr primă va fi exprimată în ceea ce privește zahărul alb;",
 *   ["producţia de zahăr brut se exprimă în zahăr alb;"],
 * );
 * console.assert(Math.abs(s.score - 8.493) < 1e-3);
 * ```
 */
export function sentenceBleu(
  hypothesis: string,
  references: readonly string[],
  options: BleuOptions = {},
): BleuScore {
  return corpusBleu([hypothesis], references.map((r) => [r]), {
    effectiveOrder: true,
    ...options,
  });
}

/**
 * The sacreBLEU text line: `BLEU|<signature> = 48.5 82.4/50.0/45.5/37.5 (BP = 0.943 ratio =
 * 0.944 hyp_len = 17 ref_len = 18)`.
 *
 * @example
 * ```ts
 * import { corpusBleu, formatBleu } from "@normbench/normbench";
 * const line = formatBleu(corpusBleu(["a b c d"], [["a b c d"]]), { width: 2 });
 * console.assert(line.includes("= 100.00 100.0/100.0/100.0/100.0 (BP = 1.000"));
 * ```
 */
export function formatBleu(
  score: BleuScore,
  options: { width?: number; signature?: boolean } = {},
): string {
  const width = options.width ?? 1;
  const name = options.signature ?? true ? `BLEU|${score.signature}` : "BLEU";
  return `${name} = ${formatFixed(score.score, width)} ${verboseBleu(score)}`;
}

/**
 * The verbose part of the line: precisions, BP, ratio and lengths.
 *
 * @example
 * ```ts
 * import { corpusBleu, verboseBleu } from "@normbench/normbench";
 * console.assert(verboseBleu(corpusBleu(["a"], [["a"]])).includes("hyp_len = 1"));
 * ```
 */
export function verboseBleu(score: BleuScore): string {
  const prec = score.precisions.map((p) => formatFixed(p, 1)).join("/");
  return `${prec} (BP = ${formatFixed(score.bp, 3)} ratio = ${
    formatFixed(score.ratio, 3)
  } hyp_len = ${score.sysLen} ref_len = ${score.refLen})`;
}
