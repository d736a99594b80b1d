/**
 * `lm`: PowerNorm's language-modelling results (PTB, WikiText-103) → a decoder-only LM on the
 * Brown corpus, in PowerNorm's setting, decided on log perplexity.
 *
 * @module
 */
import { registerSuite } from "../src/suite/registry.ts";
import type { ProfileName } from "../src/results/types.ts";
import type { RunSpec, Suite } from "../src/suite/types.ts";
import { SCALING_RULE } from "../src/experiments/common.ts";
import {
  type Candidate,
  experiment,
  lrGrid,
  type PerProfile,
  pick,
  trainingPlots,
  tunedGrid,
  versus,
} from "./common.ts";
import { completionCheck, normChecks } from "./checks.ts";

const TASK = experiment("language_model.ts", "trainLanguageModel");
/** Claims are decided on log perplexity per token (nats): linear perplexity is too skewed. */
const LOG_PPL = { key: "test_log_ppl_token", higherIsBetter: false };
const VALID = { key: "valid_log_ppl_token", higherIsBetter: false };
/** The smallest log-perplexity difference worth resolving (≈ 2% perplexity). */
const EFFECT = 0.02;
/** LN's reference: below an interpolated bigram model's per-token perplexity on these data. */
const REFERENCE = 98;

interface Setting {
  placement: string;
  lr: number;
  warmupFraction: number;
  text: string;
}

const SETTINGS: Record<"powernorm", Setting> = {
  powernorm: {
    placement: "post",
    lr: 3e-3,
    warmupFraction: 0.08,
    text: "PowerNorm's: Post-norm (its Transformer-XL-style LMs), LR warm-up 8% (also PN's " +
      "warm-up); no padding in LM windows",
  },
};

const ARMS: PerProfile<{ setting: keyof typeof SETTINGS; norm: string }[]> = {
  smoke: [{ setting: "powernorm", norm: "ln" }, { setting: "powernorm", norm: "pn" }],
  quick: [
    { setting: "powernorm", norm: "ln" },
    { setting: "powernorm", norm: "pn" },
    { setting: "powernorm", norm: "bn" },
  ],
  standard: [
    { setting: "powernorm", norm: "ln" },
    { setting: "powernorm", norm: "pn" },
    { setting: "powernorm", norm: "bn" },
  ],
};
/** Seconds of a training step (evaluation included), measured on the quick profile at 61d1e28 (wasm, 2 cores): Σ run time / Σ units. */
const SECONDS_PER_STEP = 0.14;
const SEEDS: PerProfile<number> = { smoke: 1, quick: 2, standard: 5 };
const STEPS: PerProfile<number> = { smoke: 10, quick: 250, standard: 2000 };
const LR_FACTORS: PerProfile<number[]> = { smoke: [], quick: [], standard: [0.5, 2] };

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
    ours: "A 2-layer decoder-only LM (d 64, 4 heads, FFN 256, tied fairseq-style embeddings) on " +
      "the Brown corpus split by file (450 / 25 / 25, every genre in valid and test), BPE of " +
      "2000, 16 × 64-token windows, AdamW (wd 0.01), cosine schedule; claims on the test set's " +
      "log perplexity per token (the per-word perplexity is reported beside it).",
  },
  datasets: ["brown"],
  runs(profile: ProfileName): RunSpec[] {
    const steps = pick(STEPS, profile);
    return tunedGrid({
      task: TASK,
      seeds: pick(SEEDS, profile),
      metric: VALID,
      arms: pick(ARMS, profile).map(({ setting, norm }) => {
        const s = SETTINGS[setting];
        return {
          labels: { setting, norm },
          candidates: lrGrid(s.lr, pick(LR_FACTORS, profile)),
          build: (c: Candidate, seed: number) => ({
            input: {
              model: { preset: "small", overrides: { layers: 2 } },
              norm,
              placement: s.placement,
              horizon: "iwslt",
              recipe: {
                steps,
                batchSize: 16,
                seqLen: 64,
                lr: c.setting.lr as number,
                warmupFraction: s.warmupFraction,
                schedule: "cosine",
                weightDecay: 0.01,
              },
              data: { tokenization: "bpe", vocabSize: 2000 },
              evalEvery: profile === "smoke" ? steps : Math.round(steps / 6),
              evalTokens: 8192,
              seed,
            },
            cost: steps * SECONDS_PER_STEP,
          }),
        };
      }),
    });
  },
  claims: [
    versus(
      "lm",
      { setting: "powernorm", norm: "pn" },
      { setting: "powernorm", norm: "ln" },
      LOG_PPL,
      {
        kind: "better",
        effect: EFFECT,
      },
      {
        claim: "PowerNorm beats LN in language modelling",
        source: "PowerNorm paper, Table 2 (PTB / WikiText-103)",
        paper: "PN −5.6 / −3.0 test perplexity vs LN",
        setting: SETTINGS.powernorm.text,
      },
    ),
    versus(
      "lm",
      { setting: "powernorm", norm: "bn" },
      { setting: "powernorm", norm: "ln" },
      LOG_PPL,
      {
        kind: "worse",
        effect: EFFECT,
      },
      {
        claim: "Naive BN is worse than LN in language modelling",
        source: "PowerNorm paper, §3",
        paper: "BN perplexity above LN",
        setting: SETTINGS.powernorm.text,
      },
    ),
  ],
  references: [
    {
      arm: { setting: "powernorm", norm: "ln" },
      metric: "test_ppl_token",
      higherIsBetter: false,
      level: REFERENCE,
      why: "below an untuned interpolated bigram model (98 per token); a unigram model has 608",
    },
  ],
  plots: trainingPlots(
    {
      key: "test_ppl_token",
      title: "Test perplexity per token",
      axis: "perplexity per token",
      reference: { value: REFERENCE, label: `LN reference ${REFERENCE}` },
    },
    {
      curve: "valid_ppl",
      title: "Validation perplexity per word",
      axis: "perplexity per word",
      logY: true,
    },
  ).map((p) => ({ ...p, facetBy: "setting" })),
  checks: (records) => [...normChecks(records), completionCheck(records)],
  notes: (profile) => [
    SCALING_RULE,
    `**This profile (${profile}).** ${pick(STEPS, profile)} updates of 16 × 64 tokens, ` +
    `${pick(SEEDS, profile)} seed(s) per arm, BPE of 2000. ` +
    (pick(LR_FACTORS, profile).length
      ? "Each arm's learning rate is chosen on the validation log perplexity from ½, 1 and 2 × " +
        `${SETTINGS.powernorm.lr}.`
      : `Learning rate ${SETTINGS.powernorm.lr}, untuned in this profile.`),
    "**Scope.** UN's LN-level quality is tested where the UN paper tests it in NLP — translation " +
    "(`nmt`) — and in the BERT-like encoder (`bert`); this suite holds PowerNorm's claims.",
    "**Metric.** Claims compare log perplexity per token (mean NLL in nats): a difference of " +
    "0.05 is a 5% change of perplexity, and one bad seed cannot swamp the others as it does in " +
    "linear perplexity. Per-word perplexity = exp(NLL / words) is tabled beside it.",
    `**Effect.** Directional claims are resolved to ${EFFECT} nats (≈ 2% perplexity).`,
  ],
  table: {
    groupBy: ["setting", "norm"],
    metrics: [
      { key: "test_log_ppl_token", title: "test log ppl/token", digits: 3 },
      { key: "test_ppl_token", title: "test ppl/token", digits: 1 },
      { key: "test_ppl", title: "test ppl/word", digits: 1 },
      { key: "train_loss", title: "final train loss", digits: 3 },
    ],
  },
};

registerSuite(lmSuite);
