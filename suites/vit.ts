/**
 * `vit`: T2T-ViT-14 on ImageNet (UN paper, Table 4) → a small ViT on Fashion-MNIST.
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

const TASK = experiment("image_classification.ts", "trainImageClassifier");
const ACCURACY = { key: "test_accuracy", higherIsBetter: true };
const MARGIN = 1.5;

const NORMS: PerProfile<string[]> = {
  smoke: ["ln", "un"],
  quick: ["ln", "bn", "un", "rms", "dyt", "repbn"],
  full: ["ln", "bn", "un", "rms", "dyt", "repbn"],
};
const SEEDS: PerProfile<number> = { smoke: 1, quick: 3, full: 5 };
const STEPS: PerProfile<number> = { smoke: 12, quick: 350, full: 4000 };
const BATCH: PerProfile<number> = { smoke: 32, quick: 64, full: 128 };

/** The UN authors' vision setting: window 4, outlier filtration on. */
export const UN_VISION: Record<string, number | boolean> = { window: 4, outlierFiltration: true };

/**
 * The suite.
 *
 * @example
 * ```ts
 * import { vitSuite } from "@normbench/normbench/suites";
 * console.log(vitSuite.name, vitSuite.runs("quick").length, vitSuite.claims.length);
 * ```
 */
export const vitSuite: Suite = {
  name: "vit",
  title: "Vision Transformer: image classification accuracy per norm",
  setting: {
    paper: "T2T-ViT-14 on ImageNet, every norm replaced; AdamW lr 5e-4, wd 0.05, cosine, 300 " +
      "epochs, batch 512; UN with W = 4, T_w = 4000, outlier filtration on. Top-1: LN 81.5, " +
      "BN 79.8, UN 80.9.",
    ours: "A 4-layer ViT (d = 64, 4 heads, MLP 256, patch 7, class token) on Fashion-MNIST " +
      "(55k train / 5k validation / 10k official test), Pre-norm, AdamW (wd 0.05), cosine " +
      "schedule with 5% warm-up, label smoothing 0.1; test accuracy on the official test set.",
  },
  datasets: ["fashion-mnist"],
  runs(profile: ProfileName) {
    const steps = pick(STEPS, profile);
    const batchSize = pick(BATCH, profile);
    return normSeedGrid(pick(NORMS, profile), pick(SEEDS, profile), TASK, (norm, seed) => ({
      input: {
        model: { preset: "small" },
        norm,
        normOptions: norm === "un" ? UN_VISION : {},
        recipe: {
          steps,
          batchSize,
          lr: 2e-3,
          weightDecay: 0.05,
          warmupFraction: 0.05,
          labelSmoothing: 0.1,
        },
        data: { validSize: 5000, testSize: profile === "smoke" ? 500 : undefined },
        evalEvery: profile === "smoke" ? 0 : Math.round(steps / 5),
        evalSize: profile === "smoke" ? 200 : 1000,
        seed,
      },
      cost: steps * batchSize,
    }));
  },
  claims: [
    versus("vit", "un", "ln", ACCURACY, { kind: "non-inferior", margin: MARGIN }, {
      claim: "UN keeps LN's accuracy in a ViT",
      source: "UN paper, Table 4 (T2T-ViT-14, ImageNet)",
      paper: "UN 80.9 vs LN 81.5 top-1 (Δ −0.6)",
      paperDelta: -0.6,
    }),
    versus("vit", "bn", "ln", ACCURACY, { kind: "worse" }, {
      claim: "BN is worse than LN in a ViT",
      source: "UN paper, Table 4 (T2T-ViT-14, ImageNet)",
      paper: "BN 79.8 vs LN 81.5 top-1 (Δ −1.7)",
      paperDelta: -1.7,
    }),
    versus("vit", "dyt", "ln", ACCURACY, { kind: "non-inferior", margin: MARGIN }, {
      claim: "DyT matches or beats LN in a ViT",
      source: "DyT paper, Table 1 (ViT-B, ImageNet)",
      paper: "DyT 82.5 vs LN 82.3 top-1 (Δ +0.2)",
      paperDelta: 0.2,
    }),
    versus("vit", "repbn", "ln", ACCURACY, { kind: "better" }, {
      claim: "PRepBN beats LN in a ViT",
      source: "SLAB paper, Table 2 (DeiT-T, ImageNet)",
      paper: "PRepBN 73.6 vs LN 72.2 top-1 (Δ +1.4)",
      paperDelta: 1.4,
    }),
    versus("vit", "rms", "ln", ACCURACY, { kind: "non-inferior", margin: MARGIN }, {
      claim: "RMSNorm keeps LN's quality",
      source: "RMSNorm paper (comparable quality across its models)",
      paper: "comparable quality",
    }),
  ],
  plots: trainingPlots(
    { key: "test_accuracy", title: "Test accuracy", axis: "test accuracy (%)" },
    {
      curve: "valid_accuracy",
      title: "Validation accuracy during training",
      axis: "validation accuracy (%)",
    },
  ),
  checks: (records) => [...unPhaseCheck(records), completionCheck(records)],
  notes: (profile) => [
    SCALING_RULE,
    `**This profile (${profile}).** ${pick(STEPS, profile)} updates of batch ${
      pick(BATCH, profile)
    } ` +
    `(${((pick(STEPS, profile) * pick(BATCH, profile)) / 55000).toFixed(1)} epochs), ` +
    `${pick(SEEDS, profile)} seed(s) per norm; the paper trains 300 epochs of ImageNet.`,
    `**Margin.** "Keeps accuracy" is tested as non-inferiority: not worse than LN by more than ` +
    `${MARGIN} points, about the paper's own UN–LN gap (0.6) plus the seed-to-seed spread of a ` +
    "small model trained for minutes.",
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

registerSuite(vitSuite);
