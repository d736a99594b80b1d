/**
 * `lm`: PowerNorm's language-modelling results (PTB, WikiText-103) → a decoder-only LM on the
 * Brown corpus.
 *
 * @module
 */
import { registerSuite } from "../src/suite/registry.ts";
import type { ProfileName, Suite } from "../src/suite/types.ts";
import { SCALING_RULE } from "../src/experiments/common.ts";
import {
  experiment,
  normSeedGrid,
  type PerProfile,
  pick,
  trainingPlots,
  versus,
} from "./common.ts";
import { completionCheck, unPhaseCheck } from "./checks.ts";

const TASK = experiment("language_model.ts", "trainLanguageModel");
const PPL = { key: "test_ppl", higherIsBetter: false };

const NORMS: PerProfile<string[]> = {
  smoke: ["ln", "pn"],
  quick: ["ln", "bn", "pn", "un"],
  full: ["ln", "bn", "pn", "un", "rms", "dyt"],
};
const SEEDS: PerProfile<number> = { smoke: 1, quick: 3, full: 5 };
const STEPS: PerProfile<number> = { smoke: 10, quick: 200, full: 5000 };
const VOCAB: PerProfile<{ tokenization: "word" | "bpe"; vocabSize: number }> = {
  smoke: { tokenization: "bpe", vocabSize: 2000 },
  quick: { tokenization: "bpe", vocabSize: 2000 },
  full: { tokenization: "word", vocabSize: 10000 },
};

/**
 * The suite.
 *
 * @example
 * ```ts
 * import { lmSuite } from "@normbench/normbench/suites";
 * console.log(lmSuite.name, lmSuite.runs("quick").length, lmSuite.claims.length);
 * ```
 */
export const lmSuite: Suite = {
  name: "lm",
  title: "Language modelling: perplexity per norm",
  setting: {
    paper: "PowerNorm paper, Table 2: Transformer-XL-style LMs on PTB and WikiText-103; PN " +
      "lowers test perplexity by 5.6 (PTB) and 3.0 (WikiText-103) against LN; naive BN is worse " +
      "than LN.",
    ours: "A 4-layer decoder-only Pre-norm LM (d 64, 4 heads, FFN 256, tied embeddings) on the " +
      "Brown corpus split by file (450 / 25 / 25, every genre in valid and test), 16 × 64-token " +
      "windows, AdamW (wd 0.01), cosine schedule with 5% warm-up; perplexity per word on the test " +
      "files (BPE of 2000 in smoke/quick — about 1.9 tokens a word —, the PTB-style 10k-word " +
      "vocabulary in full).",
  },
  datasets: ["brown"],
  runs(profile: ProfileName) {
    const steps = pick(STEPS, profile);
    return normSeedGrid(pick(NORMS, profile), pick(SEEDS, profile), TASK, (norm, seed) => ({
      input: {
        model: { preset: "small" },
        norm,
        normOptions: norm === "un" ? { window: 4, outlierFiltration: false } : {},
        recipe: {
          steps,
          batchSize: 16,
          seqLen: 64,
          lr: 3e-3,
          warmupFraction: 0.05,
          schedule: "cosine",
          weightDecay: 0.01,
        },
        data: pick(VOCAB, profile),
        evalEvery: profile === "smoke" ? 0 : Math.round(steps / 5),
        evalTokens: 8192,
        seed,
      },
      cost: steps,
    }));
  },
  claims: [
    versus("lm", "pn", "ln", PPL, { kind: "better" }, {
      claim: "PowerNorm beats LN in language modelling",
      source: "PowerNorm paper, Table 2 (PTB / WikiText-103)",
      paper: "PN −5.6 / −3.0 test perplexity vs LN",
      paperDelta: -5.6,
    }),
    versus("lm", "bn", "ln", PPL, { kind: "worse" }, {
      claim: "Naive BN is worse than LN in language modelling",
      source: "PowerNorm paper, §3",
      paper: "BN perplexity above LN",
    }),
    versus("lm", "un", "ln", { key: "test_log_ppl", higherIsBetter: false }, {
      kind: "non-inferior",
      margin: 0.05,
    }, {
      claim: "UN keeps LN's perplexity in language modelling",
      source: "UN paper (LN-level quality in NLP Transformers)",
      paper: "UN ≈ LN",
    }),
  ],
  plots: trainingPlots({ key: "test_ppl", title: "Test perplexity per word", axis: "perplexity" }, {
    curve: "valid_ppl",
    title: "Validation perplexity per word",
    axis: "perplexity",
    logY: true,
  }),
  checks: (records) => [...unPhaseCheck(records), completionCheck(records)],
  notes: (profile) => [
    SCALING_RULE,
    `**This profile (${profile}).** ${pick(STEPS, profile)} updates of 16 × 64 tokens, ` +
    `${pick(SEEDS, profile)} seed(s) per norm, ${
      pick(VOCAB, profile).tokenization
    } vocabulary of ` +
    `${
      pick(VOCAB, profile).vocabSize
    }. Per-word perplexity = exp(NLL / words), so with BPE it is ` +
    "the per-token perplexity raised to the tokens-per-word ratio.",
    "**Margin (UN vs LN).** Non-inferiority within 0.05 in log perplexity (about 5% perplexity).",
  ],
  table: {
    groupBy: ["norm"],
    metrics: [
      { key: "test_ppl", title: "test ppl/word", digits: 1 },
      { key: "test_ppl_token", title: "test ppl/token", digits: 1 },
      { key: "train_loss", title: "final train loss", digits: 3 },
    ],
  },
};

registerSuite(lmSuite);
