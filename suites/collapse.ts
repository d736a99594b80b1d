/**
 * `collapse`: how often training collapses, per norm, under the standard recipe and under
 * stress (the UN paper's "stabilizing" claim; BN-based Transformers crash).
 *
 * @module
 */
import { registerSuite } from "../src/suite/registry.ts";
import type { ProfileName, Suite } from "../src/suite/types.ts";
import { SCALING_RULE } from "../src/experiments/common.ts";
import { experiment, type PerProfile, pick, run, seeds } from "./common.ts";
import { completionCheck } from "./checks.ts";

const TASK = experiment("language_model.ts", "trainLanguageModel");

/** A training setting: recipe changes against the standard one. */
interface Setting {
  lr: number;
  warmupFraction: number;
  placement: string;
  layers: number;
}

const SETTINGS: Record<string, Setting> = {
  standard: { lr: 3e-3, warmupFraction: 0.05, placement: "pre", layers: 2 },
  "stress-lr": { lr: 0.3, warmupFraction: 0, placement: "pre", layers: 2 },
  "stress-post": { lr: 3e-2, warmupFraction: 0, placement: "post", layers: 6 },
  "stress-deep": { lr: 1e-2, warmupFraction: 0, placement: "post", layers: 12 },
};

const SETTING_NAMES: PerProfile<string[]> = {
  smoke: ["standard", "stress-lr"],
  quick: ["standard", "stress-lr", "stress-post"],
  full: ["standard", "stress-lr", "stress-post", "stress-deep"],
};
const NORMS: PerProfile<string[]> = {
  smoke: ["ln", "bn"],
  quick: ["ln", "bn", "pn", "un"],
  full: ["ln", "bn", "pn", "un", "rms", "dyt"],
};
const SEEDS: PerProfile<number> = { smoke: 1, quick: 4, full: 10 };
const STEPS: PerProfile<number> = { smoke: 8, quick: 100, full: 1000 };

/**
 * The suite.
 *
 * @example
 * ```ts
 * import { collapseSuite } from "@normbench/normbench/suites";
 * console.log(collapseSuite.name, collapseSuite.runs("quick").length, collapseSuite.claims.length);
 * ```
 */
export const collapseSuite: Suite = {
  name: "collapse",
  title: "Training collapse: how often each norm's training breaks down",
  setting: {
    paper: "UN paper: BN-based Transformers train unstably and can collapse, UN stabilises " +
      "them; PowerNorm paper: naive BN in NLP suffers from fluctuating statistics.",
    ours: "The Brown-corpus LM (2 layers, d 64, BPE 2000, batches of 8 × 32 tokens) trained for " +
      "a short run per seed under the " +
      "standard recipe and under stress (100× learning rate without warm-up; a 6-layer Post-norm " +
      "model at 10× learning rate without warm-up; a 12-layer one in full). A run collapses when " +
      "its loss or gradient becomes non-finite, or its mean loss over the last sixth of the run " +
      "stays above 1.5× its start (the mean of its first 10 losses); " +
      "the run ends there and records why and when. Rates with Wilson 95% intervals.",
  },
  datasets: ["brown"],
  runs(profile: ProfileName) {
    const steps = pick(STEPS, profile);
    return pick(SETTING_NAMES, profile).flatMap((setting) => {
      const s = SETTINGS[setting];
      return pick(NORMS, profile).flatMap((norm) =>
        seeds(pick(SEEDS, profile)).map((seed) =>
          run({ setting, norm, seed }, TASK, {
            model: { preset: "small", overrides: { layers: s.layers } },
            norm,
            placement: s.placement,
            normOptions: norm === "un" ? { window: 4, outlierFiltration: false } : {},
            recipe: {
              steps,
              batchSize: 8,
              seqLen: 32,
              lr: s.lr,
              warmupFraction: s.warmupFraction,
              schedule: "cosine",
              weightDecay: 0.01,
            },
            data: { tokenization: "bpe", vocabSize: 2000 },
            evalEvery: 0,
            evalTokens: 0,
            stuckFactor: 1.5,
            skipTest: true,
            seed,
          }, steps * s.layers)
        )
      );
    });
  },
  claims: [
    {
      id: "collapse.bn-vs-ln",
      claim: "BN collapses more often than LN under stress",
      source: "UN paper, §1 and Fig. 1 (BN-based Transformers crash)",
      paper: "BN training crashes where LN's does not",
      metric: "train_loss",
      higherIsBetter: false,
      a: { norm: "bn", setting: "stress-lr" },
      b: { norm: "ln", setting: "stress-lr" },
      test: { kind: "collapses-more" },
    },
    {
      id: "collapse.bn-vs-un",
      claim: "UN stabilises batch-statistic normalisation (BN collapses more often than UN)",
      source: 'UN paper, title claim ("accelerating and stabilizing")',
      paper: "UN trains stably where BN crashes",
      metric: "train_loss",
      higherIsBetter: false,
      a: { norm: "bn", setting: "stress-lr" },
      b: { norm: "un", setting: "stress-lr" },
      test: { kind: "collapses-more" },
    },
    {
      id: "collapse.bn-vs-pn",
      claim: "PowerNorm stabilises batch-statistic normalisation (BN collapses more often than PN)",
      source: "PowerNorm paper, §4",
      paper: "PN trains stably where BN degrades",
      metric: "train_loss",
      higherIsBetter: false,
      a: { norm: "bn", setting: "stress-lr" },
      b: { norm: "pn", setting: "stress-lr" },
      test: { kind: "collapses-more" },
    },
  ],
  plots: [
    {
      kind: "rate",
      id: "rates",
      title: "Collapse rate per norm and setting (Wilson 95%)",
      groupBy: "norm",
      facetBy: "setting",
    },
    {
      kind: "curve",
      id: "loss",
      title: "Training loss per setting (band: ±1 std over seeds)",
      curve: "train_loss",
      groupBy: "norm",
      facetBy: "setting",
      yTitle: "training loss",
      logY: true,
    },
  ],
  checks: (records) => [completionCheck(records)],
  notes: (profile) => [
    SCALING_RULE,
    `**This profile (${profile}).** ${pick(STEPS, profile)} updates per run, ` +
    `${pick(SEEDS, profile)} seeds per norm and setting; settings: ${
      pick(SETTING_NAMES, profile).join(", ")
    }.`,
    "**When.** Each collapsed run is listed below the results table with the step and the reason.",
  ],
  table: {
    groupBy: ["setting", "norm"],
    metrics: [{ key: "train_loss", title: "final train loss (finished runs)", digits: 3 }],
  },
};

registerSuite(collapseSuite);
