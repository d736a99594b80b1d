/**
 * `bert`: BERT-like sentence classification → the UCI sentiment sentences (with MLM
 * pre-training on the Brown corpus in the full profile).
 *
 * @module
 */
import { registerSuite } from "../src/suite/registry.ts";
import type { ProfileName, Suite } from "../src/suite/types.ts";
import { SCALING_RULE } from "../src/experiments/common.ts";
import { experiment, type PerProfile, pick, run, seeds } from "./common.ts";
import { completionCheck, unPhaseCheck } from "./checks.ts";

const TASK = experiment("sentence_classification.ts", "trainSentenceClassifier");

const NORMS: PerProfile<string[]> = {
  smoke: ["ln", "un"],
  quick: ["ln", "bn", "pn", "un", "rms", "dyt"],
  full: ["ln", "bn", "pn", "un", "rms", "dyt"],
};
const SEEDS: PerProfile<number> = { smoke: 1, quick: 3, full: 5 };
const STEPS: PerProfile<number> = { smoke: 10, quick: 120, full: 600 };
const PRETRAIN: PerProfile<number> = { smoke: 0, quick: 0, full: 3000 };

/** The suite. */
export const bertSuite: Suite = {
  name: "bert",
  title: "BERT-like encoder: sentence classification accuracy per norm",
  setting: {
    paper: "BERT-style encoders fine-tuned on GLUE-style sentence classification; the PowerNorm " +
      "paper finds naive BN clearly worse than LN in NLP, the UN paper keeps LN's quality.",
    ours: "A 4-layer Pre-norm encoder (d 64, 4 heads, FFN 256, mean pooling) on the UCI " +
      "Sentiment Labelled Sentences (Amazon, IMDb, Yelp; 2400 / 300 / 300, stratified), BPE of " +
      "2000, AdamW (wd 0.01), cosine schedule with 10% warm-up, batches of 32; test accuracy. " +
      "The full profile first pre-trains the encoder as a masked LM on the Brown corpus.",
  },
  datasets: ["sentiment", "brown"],
  runs(profile: ProfileName) {
    const steps = pick(STEPS, profile);
    const pre = pick(PRETRAIN, profile);
    return pick(NORMS, profile).flatMap((norm) =>
      seeds(pick(SEEDS, profile)).map((seed) =>
        run({ norm, seed }, TASK, {
          model: { preset: "small" },
          norm,
          normOptions: norm === "un" ? { window: 4, outlierFiltration: false } : {},
          recipe: {
            steps,
            batchSize: 32,
            lr: 1e-3,
            warmupFraction: 0.1,
            weightDecay: 0.01,
            maxLen: 64,
          },
          pretrain: { steps: pre, batchSize: 32, seqLen: 64, lr: 1e-3 },
          data: { vocabSize: 2000 },
          evalEvery: profile === "smoke" ? 0 : Math.round(steps / 4),
          seed,
        } as never, steps + pre)
      )
    );
  },
  claims: [
    {
      id: "bert.un-vs-ln",
      claim: "UN matches LN in a BERT-like encoder",
      source: "UN paper (LN-level quality in NLP Transformers)",
      paper: "UN ≈ LN",
      metric: "test_accuracy",
      higherIsBetter: true,
      a: { norm: "un" },
      b: { norm: "ln" },
      test: { kind: "parity", margin: 2 },
    },
    {
      id: "bert.bn-vs-ln",
      claim: "Naive BN is worse than LN in NLP",
      source: "PowerNorm paper, §3 and Table 1",
      paper: "BN clearly below LN in NLP tasks",
      metric: "test_accuracy",
      higherIsBetter: true,
      a: { norm: "bn" },
      b: { norm: "ln" },
      test: { kind: "worse" },
    },
    {
      id: "bert.pn-vs-ln",
      claim: "PowerNorm matches or beats LN in NLP",
      source: "PowerNorm paper",
      paper: "PN ≥ LN",
      metric: "test_accuracy",
      higherIsBetter: true,
      a: { norm: "pn" },
      b: { norm: "ln" },
      test: { kind: "parity", margin: 2 },
    },
  ],
  plots: [
    {
      kind: "bar",
      id: "accuracy",
      title: "Test accuracy (mean ± std over seeds)",
      metric: "test_accuracy",
      groupBy: "norm",
      yTitle: "test accuracy (%)",
    },
    {
      kind: "curve",
      id: "loss",
      title: "Fine-tuning loss (band: ±1 std over seeds)",
      curve: "train_loss",
      groupBy: "norm",
      yTitle: "training loss",
    },
  ],
  checks: (records) => [...unPhaseCheck(records), completionCheck(records)],
  notes: (profile) => [
    SCALING_RULE,
    `**This profile (${profile}).** ${pick(STEPS, profile)} fine-tuning updates` +
    (pick(PRETRAIN, profile)
      ? ` after ${pick(PRETRAIN, profile)} MLM pre-training updates on Brown`
      : " (no pre-training)") +
    `, ${
      pick(SEEDS, profile)
    } seed(s) per norm. The test set has 300 sentences: one sentence is 0.33 points.`,
    "**Parity margin.** ±2 accuracy points.",
  ],
  table: {
    groupBy: ["norm"],
    metrics: [
      { key: "test_accuracy", title: "test acc. (%)" },
      { key: "valid_accuracy", title: "valid acc. (%)" },
      { key: "train_loss", title: "final train loss", digits: 3 },
    ],
  },
};

registerSuite(bertSuite);
