/**
 * `bert`: BERT-like sentence classification → the UCI sentiment sentences, UN's claim in a
 * Pre-norm encoder and PowerNorm's in its own Post-norm setting, pad masks for every norm.
 *
 * @module
 */
import { registerSuite } from "../src/suite/registry.ts";
import type { ProfileName } from "../src/results/types.ts";
import type { Suite } from "../src/suite/types.ts";
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

const TASK = experiment("sentence_classification.ts", "trainSentenceClassifier");
const ACCURACY = { key: "test_accuracy", higherIsBetter: true };
const VALID = { key: "valid_accuracy", higherIsBetter: true };
/** "Keeps accuracy": within 2 points (6 of the 300 test sentences). */
const MARGIN = 2;
/** The smallest accuracy difference worth resolving in a directional claim. */
const EFFECT = 2;
/** LN's reference: a small encoder trained from scratch on 2400 sentences. */
const REFERENCE = 78;

interface Setting {
  placement: string;
  warmupFraction: number;
  lr: number;
  text: string;
}

const SETTINGS: Record<"pre" | "powernorm", Setting> = {
  pre: {
    placement: "pre",
    warmupFraction: 0.1,
    lr: 2e-3,
    text: "Pre-norm (as UN's Transformers), pad masks passed to every norm (padding is most " +
      "of a batch), LR warm-up 10%",
  },
  powernorm: {
    placement: "post",
    warmupFraction: 0.1,
    lr: 2e-3,
    text: "PowerNorm's: Post-norm, pad masks passed to every norm, PN's warm-up = the LR " +
      "warm-up (10%)",
  },
};

const ARMS: PerProfile<{ setting: keyof typeof SETTINGS; norm: string }[]> = {
  smoke: [{ setting: "pre", norm: "ln" }, { setting: "pre", norm: "un" }],
  quick: [
    { setting: "pre", norm: "ln" },
    { setting: "pre", norm: "un" },
    { setting: "powernorm", norm: "ln" },
    { setting: "powernorm", norm: "pn" },
    { setting: "powernorm", norm: "bn" },
  ],
  standard: [
    { setting: "pre", norm: "ln" },
    { setting: "pre", norm: "un" },
    { setting: "powernorm", norm: "ln" },
    { setting: "powernorm", norm: "pn" },
    { setting: "powernorm", norm: "bn" },
  ],
};
/** Seconds of a training step (evaluation included), measured on the quick profile at 61d1e28 (wasm, 2 cores): Σ run time / Σ units. */
const SECONDS_PER_STEP = 0.12;
const SEEDS: PerProfile<number> = { smoke: 1, quick: 2, standard: 5 };
const STEPS: PerProfile<number> = { smoke: 10, quick: 150, standard: 600 };
const LR_FACTORS: PerProfile<number[]> = { smoke: [], quick: [], standard: [0.5, 2] };

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
    paper: "BERT-style encoders fine-tuned on sentence classification; the PowerNorm paper finds " +
      "naive BN clearly worse than LN in NLP and PN at least as good (its Transformers are " +
      "Post-norm with the pad mask passed to every norm); the UN paper keeps LN's quality.",
    ours: "A 2-layer encoder (d 64, 4 heads, FFN 256, mean pooling, dropout 0.1, fairseq-style " +
      "√d-scaled embeddings) trained from scratch on the UCI Sentiment Labelled Sentences " +
      "(Amazon, IMDb, Yelp; 2400 / 300 / 300, stratified), BPE of 2000, AdamW (wd 0.1), cosine " +
      "schedule with 10% warm-up, batches of 32; test accuracy. The pad mask reaches every norm: " +
      "batch statistics count only real tokens.",
  },
  datasets: ["sentiment"],
  runs(profile: ProfileName) {
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
              model: {
                preset: "small",
                overrides: { layers: 2, dropout: 0.1, attentionDropout: 0.1 },
              },
              norm,
              normOptions: norm === "un" ? { window: 4, outlierFiltration: false } : {},
              placement: s.placement,
              maskNorms: true,
              horizon: "iwslt",
              recipe: {
                steps,
                batchSize: 32,
                lr: c.setting.lr as number,
                warmupFraction: s.warmupFraction,
                weightDecay: 0.1,
                maxLen: 64,
              },
              pretrain: { steps: 0, batchSize: 32, seqLen: 64, lr: 1e-3 },
              data: { vocabSize: 2000 },
              evalEvery: profile === "smoke" ? 0 : Math.round(steps / 6),
              seed,
            },
            cost: steps * SECONDS_PER_STEP,
          }),
        };
      }),
    });
  },
  claims: [
    versus("bert", { setting: "pre", norm: "un" }, { setting: "pre", norm: "ln" }, ACCURACY, {
      kind: "non-inferior",
      margin: MARGIN,
    }, {
      claim: "UN keeps LN's accuracy in a BERT-like encoder",
      source: "UN paper (LN-level quality in NLP Transformers)",
      paper: "UN ≈ LN",
      setting: SETTINGS.pre.text + "; UN W = 4, no outlier filtration",
    }),
    versus(
      "bert",
      { setting: "powernorm", norm: "bn" },
      { setting: "powernorm", norm: "ln" },
      ACCURACY,
      { kind: "worse", effect: EFFECT },
      {
        claim: "Naive BN is worse than LN in NLP",
        source: "PowerNorm paper, §3 and Table 1",
        paper: "BN clearly below LN in NLP tasks",
        setting: SETTINGS.powernorm.text,
      },
    ),
    versus(
      "bert",
      { setting: "powernorm", norm: "pn" },
      { setting: "powernorm", norm: "ln" },
      ACCURACY,
      { kind: "non-inferior", margin: MARGIN },
      {
        claim: "PowerNorm matches or beats LN in NLP",
        source: "PowerNorm paper, Tables 1–2",
        paper: "PN ≥ LN",
        setting: SETTINGS.powernorm.text,
      },
    ),
  ],
  references: [
    {
      arm: { setting: "pre", norm: "ln" },
      metric: "test_accuracy",
      higherIsBetter: true,
      level: REFERENCE,
      why: "a small Pre-LN encoder trained from scratch on the 2400 training sentences",
    },
    {
      arm: { setting: "powernorm", norm: "ln" },
      metric: "test_accuracy",
      higherIsBetter: true,
      level: REFERENCE,
      why: "the same for the Post-LN encoder of PowerNorm's setting",
    },
  ],
  plots: trainingPlots(
    {
      key: "test_accuracy",
      title: "Test accuracy",
      axis: "test accuracy (%)",
      reference: { value: REFERENCE, label: `LN reference ${REFERENCE}%` },
    },
    {
      curve: "valid_accuracy",
      title: "Validation accuracy during training",
      axis: "validation accuracy (%)",
      reference: { value: REFERENCE, label: `LN reference ${REFERENCE}%` },
    },
  ).map((p) => ({ ...p, facetBy: "setting" })),
  checks: (records) => [...normChecks(records), completionCheck(records)],
  notes: (profile) => [
    SCALING_RULE,
    `**This profile (${profile}).** ${pick(STEPS, profile)} updates of 32 sentences (` +
    `${(pick(STEPS, profile) * 32 / 2400).toFixed(1)} epochs), ${pick(SEEDS, profile)} ` +
    "seed(s) per arm, no pre-training. " +
    (pick(LR_FACTORS, profile).length
      ? `Each arm's learning rate is chosen on the validation accuracy from ${
        lrGrid(SETTINGS.pre.lr, pick(LR_FACTORS, profile)).map((c) => c.setting.lr).join(", ")
      }.`
      : `Every arm trains at lr ${SETTINGS.pre.lr} (no tuning in this profile).`) +
    " The test set has 300 sentences: one sentence is 0.33 points.",
    "**Pad masks.** Padding is most of a batch (sentences are padded to the longest of 32); " +
    "with the mask, BN, PN and UN take their statistics over real tokens only, as the " +
    "PowerNorm authors' masked norms do. LayerNorm is per token and unaffected.",
    `**Margin.** "Keeps accuracy" is tested as non-inferiority within ${MARGIN} points; ` +
    `directional claims are resolved to ${EFFECT} points.`,
  ],
  table: {
    groupBy: ["setting", "norm"],
    metrics: [
      { key: "test_accuracy", title: "test acc. (%)" },
      { key: "valid_accuracy", title: "valid acc. (%)" },
      { key: "train_loss", title: "final train loss", digits: 3 },
    ],
  },
};

registerSuite(bertSuite);
