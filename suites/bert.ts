/**
 * `bert`: BERT-like sentence classification → the UCI sentiment sentences (with MLM
 * pre-training on the Brown corpus in the full profile).
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

const TASK = experiment("sentence_classification.ts", "trainSentenceClassifier");
const ACCURACY = { key: "test_accuracy", higherIsBetter: true };
const MARGIN = 2;

const NORMS: PerProfile<string[]> = {
  smoke: ["ln", "un"],
  quick: ["ln", "bn", "pn", "un", "rms", "dyt"],
  full: ["ln", "bn", "pn", "un", "rms", "dyt"],
};
const SEEDS: PerProfile<number> = { smoke: 1, quick: 3, full: 5 };
const STEPS: PerProfile<number> = { smoke: 10, quick: 100, full: 600 };
const PRETRAIN: PerProfile<number> = { smoke: 0, quick: 0, full: 3000 };

/**
 * The suite.
 *
 * @example
 * ```ts
 * import { bertSuite } from "@normbench/normbench/suites";
 * console.log(bertSuite.name, bertSuite.runs("quick").length, bertSuite.claims.length);
 * ```
 */
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
    return normSeedGrid(pick(NORMS, profile), pick(SEEDS, profile), TASK, (norm, seed) => ({
      input: {
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
      },
      cost: steps + pre,
    }));
  },
  claims: [
    versus("bert", "un", "ln", ACCURACY, { kind: "non-inferior", margin: MARGIN }, {
      claim: "UN keeps LN's accuracy in a BERT-like encoder",
      source: "UN paper (LN-level quality in NLP Transformers)",
      paper: "UN ≈ LN",
    }),
    versus("bert", "bn", "ln", ACCURACY, { kind: "worse" }, {
      claim: "Naive BN is worse than LN in NLP",
      source: "PowerNorm paper, §3 and Table 1",
      paper: "BN clearly below LN in NLP tasks",
    }),
    versus("bert", "pn", "ln", ACCURACY, { kind: "non-inferior", margin: MARGIN }, {
      claim: "PowerNorm matches or beats LN in NLP",
      source: "PowerNorm paper, Tables 1–2",
      paper: "PN ≥ LN",
    }),
  ],
  plots: trainingPlots(
    { key: "test_accuracy", title: "Test accuracy", axis: "test accuracy (%)" },
    {
      curve: "valid_accuracy",
      title: "Validation accuracy during fine-tuning",
      axis: "validation accuracy (%)",
    },
  ),
  checks: (records) => [...unPhaseCheck(records), completionCheck(records)],
  notes: (profile) => [
    SCALING_RULE,
    `**This profile (${profile}).** ${pick(STEPS, profile)} fine-tuning updates` +
    (pick(PRETRAIN, profile)
      ? ` after ${pick(PRETRAIN, profile)} MLM pre-training updates on Brown`
      : " (no pre-training)") +
    `, ${pick(SEEDS, profile)} seed(s) per norm. The test set has 300 sentences: one sentence ` +
    "is 0.33 points.",
    `**Margin.** "Keeps accuracy" is tested as non-inferiority within ${MARGIN} points.`,
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
