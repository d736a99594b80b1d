/**
 * `vit`: T2T-ViT-14 on ImageNet (UN paper, Table 4), DeiT-T (SLAB, Table 2) and ViT-B (DyT,
 * Table 1) → a small ViT on Fashion-MNIST.
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

const TASK = experiment("image_classification.ts", "trainImageClassifier");
const ACCURACY = { key: "test_accuracy", higherIsBetter: true };
const VALID = { key: "valid_accuracy", higherIsBetter: true };
/** "Keeps accuracy": within 1 point (the UN paper's own UN − LN gap is −0.6). */
const MARGIN = 1;
/** The smallest accuracy difference worth resolving in a directional claim. */
const EFFECT = 0.5;
/** LN's reference: a converged small ViT on Fashion-MNIST. */
const REFERENCE = 88;

const NORMS: PerProfile<string[]> = {
  smoke: ["ln", "un"],
  quick: ["ln", "bn", "un", "rms", "dyt", "repbn"],
  standard: ["ln", "bn", "un", "rms", "dyt", "repbn"],
};
/** Seconds per training sample and block, measured on the quick profile at 61d1e28 (wasm, 2 cores): Σ run time / Σ units. */
const SECONDS_PER_SAMPLE_LAYER = 5.1e-4;
const SEEDS: PerProfile<number> = { smoke: 1, quick: 2, standard: 5 };
const STEPS: PerProfile<number> = { smoke: 12, quick: 400, standard: 3000 };
const BATCH: PerProfile<number> = { smoke: 32, quick: 64, standard: 256 };
const LAYERS: PerProfile<number> = { smoke: 2, quick: 2, standard: 2 };
/** The base learning rate (for the profile's batch size). */
const LR: PerProfile<number> = { smoke: 3e-3, quick: 3e-3, standard: 6e-3 };
/** Learning-rate factors tried around `LR` (standard only). */
const LR_FACTORS: PerProfile<number[]> = { smoke: [], quick: [], standard: [0.5, 2] };
/** DyT's α₀: the DyT paper's rule for non-LLM models (0.5), and one larger value in standard. */
const DYT_ALPHAS: PerProfile<number[]> = { smoke: [0.5], quick: [0.5], standard: [0.5, 1] };
/** The LR warm-up: T2T-ViT's 10 of 300 epochs. */
const WARMUP_FRACTION = 10 / 300;

/** The UN authors' vision setting: window 4, outlier filtration on. */
export const UN_VISION: Record<string, number | boolean> = { window: 4, outlierFiltration: true };

/** A norm's candidates: the LR grid, and for DyT also α₀ (at the base LR). */
function candidates(norm: string, profile: ProfileName): Candidate[] {
  const lr = pick(LR, profile);
  const lrs = lrGrid(lr, pick(LR_FACTORS, profile));
  if (norm !== "dyt") return lrs;
  const [base, ...alphas] = pick(DYT_ALPHAS, profile);
  return [
    ...lrs.map((c) => ({ id: `${c.id},alpha=${base}`, setting: { ...c.setting, alpha: base } })),
    ...alphas.map((a) => ({ id: `lr=${lr},alpha=${a}`, setting: { lr, alpha: a } })),
  ];
}

const SETTING_UN = "UN's: Pre-norm, W = 4, outlier filtration on, T_w 0.53% of the run";

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
      "epochs (10 of LR warm-up), batch 512; UN with W = 4, T_w = 4000, outlier filtration on. " +
      "Top-1: LN 81.5, BN 79.8, UN 80.9. DyT (ViT-B) and PRepBN (DeiT-T) replace every LN.",
    ours: "A 2-layer Pre-norm ViT (d 64, 4 heads, MLP 256, patch 7, class token, T2T-ViT's " +
      "sinusoidal positions, PyTorch's default patch-embedding init as in timm — tokens enter " +
      "block 0 at about unit scale) on Fashion-MNIST (55k train / 5k validation / 10k official " +
      "test), AdamW (wd 0.05), cosine schedule with 3.3% warm-up (the source's 10 of 300 " +
      "epochs), label smoothing 0.1; every norm slot replaced; test accuracy on the official " +
      "test set.",
  },
  datasets: ["fashion-mnist"],
  runs(profile: ProfileName) {
    const steps = pick(STEPS, profile);
    const batchSize = pick(BATCH, profile);
    return tunedGrid({
      task: TASK,
      seeds: pick(SEEDS, profile),
      metric: VALID,
      arms: pick(NORMS, profile).map((norm) => ({
        labels: { norm },
        candidates: candidates(norm, profile),
        build: (c: Candidate, seed: number) => ({
          input: {
            model: { preset: "small", overrides: { layers: pick(LAYERS, profile) } },
            norm,
            normOptions: norm === "un"
              ? UN_VISION
              : norm === "dyt"
              ? { alphaInit: c.setting.alpha as number }
              : {},
            horizon: "imagenet",
            recipe: {
              steps,
              batchSize,
              lr: c.setting.lr as number,
              weightDecay: 0.05,
              warmupFraction: WARMUP_FRACTION,
              labelSmoothing: 0.1,
            },
            data: { validSize: 5000, testSize: profile === "smoke" ? 500 : undefined },
            evalEvery: profile === "smoke" ? 0 : Math.round(steps / 6),
            evalSize: profile === "smoke" ? 200 : 1000,
            seed,
          },
          cost: steps * batchSize * pick(LAYERS, profile) * SECONDS_PER_SAMPLE_LAYER,
        }),
      })),
    });
  },
  claims: [
    versus("vit", "un", "ln", ACCURACY, { kind: "non-inferior", margin: MARGIN }, {
      claim: "UN keeps LN's accuracy in a ViT",
      source: "UN paper, Table 4 (T2T-ViT-14, ImageNet)",
      paper: "UN 80.9 vs LN 81.5 top-1 (Δ −0.6)",
      paperDelta: -0.6,
      setting: SETTING_UN,
    }),
    versus("vit", "bn", "ln", ACCURACY, { kind: "worse", effect: EFFECT }, {
      claim: "BN is worse than LN in a ViT",
      source: "UN paper, Table 4 (T2T-ViT-14, ImageNet)",
      paper: "BN 79.8 vs LN 81.5 top-1 (Δ −1.7)",
      paperDelta: -1.7,
      setting: "UN's: Pre-norm, every norm replaced",
    }),
    versus("vit", "dyt", "ln", ACCURACY, { kind: "non-inferior", margin: MARGIN }, {
      claim: "DyT matches or beats LN in a ViT",
      source: "DyT paper, Table 1 (ViT-B, ImageNet)",
      paper: "DyT 82.5 vs LN 82.3 top-1 (Δ +0.2)",
      paperDelta: 0.2,
      setting: "DyT's: every LN replaced, unit-scale tokens into block 0, α₀ by the paper's " +
        "rule (0.5) or the validation grid",
    }),
    versus("vit", "repbn", "ln", ACCURACY, { kind: "better", effect: EFFECT }, {
      claim: "PRepBN beats LN in a ViT",
      source: "SLAB paper, Table 2 (DeiT-T, ImageNet)",
      paper: "PRepBN 73.6 vs LN 72.2 top-1 (Δ +1.4)",
      paperDelta: 1.4,
      setting: "SLAB's: every LN replaced, λ decaying from 1 to 0 over the whole run",
    }),
    versus("vit", "rms", "ln", ACCURACY, { kind: "non-inferior", margin: MARGIN }, {
      claim: "RMSNorm keeps LN's quality",
      source: "RMSNorm paper (comparable quality across its models)",
      paper: "comparable quality",
      setting: "every LN replaced",
    }),
  ],
  references: [{
    arm: { norm: "ln" },
    metric: "test_accuracy",
    higherIsBetter: true,
    level: REFERENCE,
    why: "a converged small ViT on Fashion-MNIST",
  }],
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
  ),
  checks: (records) => [...normChecks(records), completionCheck(records)],
  notes: (profile) => [
    SCALING_RULE,
    `**This profile (${profile}).** ${pick(STEPS, profile)} updates of batch ${
      pick(BATCH, profile)
    } (${((pick(STEPS, profile) * pick(BATCH, profile)) / 55000).toFixed(1)} epochs), ` +
    `${pick(SEEDS, profile)} seed(s) per norm; the paper trains 300 epochs of ImageNet. ` +
    (pick(LR_FACTORS, profile).length
      ? `Each norm's learning rate (and DyT's α₀) is chosen on the validation split from ${
        lrGrid(pick(LR, profile), pick(LR_FACTORS, profile)).map((c) => c.setting.lr).join(", ")
      }${pick(DYT_ALPHAS, profile).length > 1 ? " (α₀ 0.5 or 1 for DyT)" : ""}.`
      : `Every norm trains at lr ${pick(LR, profile)} (no tuning in this profile).`),
    `**Margin.** "Keeps accuracy" is tested as non-inferiority: not worse than LN by more than ` +
    `${MARGIN} point (the paper's own UN − LN gap is −0.6); directional claims are resolved to ` +
    `${EFFECT} point.`,
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
