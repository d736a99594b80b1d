/**
 * `statistics`: the papers' motivation figures — per-layer batch statistics over training, how
 * far they stray from their running average, and how often UN's outlier rule fires on them.
 *
 * @module
 */
import { registerSuite } from "../src/suite/registry.ts";
import type { ProfileName } from "../src/results/types.ts";
import type { RunSpec, Suite } from "../src/suite/types.ts";
import { experiment, type PerProfile, pick, run, seeds } from "./common.ts";
import { completionCheck } from "./checks.ts";

const TASK = experiment("statistics.ts", "traceStatistics");

const NORMS: PerProfile<string[]> = {
  smoke: ["bn"],
  quick: ["ln", "bn", "pn", "un"],
  standard: ["bn"],
};
/** Seeds for BN (the claim's norm) and for the others. */
/** Seconds of an image step (a translation step counts 2), measured on the quick profile at 61d1e28 (wasm, 2 cores): Σ run time / Σ units. */
const SECONDS_PER_UNIT = 0.083;
const SEEDS: PerProfile<{ bn: number; other: number }> = {
  smoke: { bn: 1, other: 1 },
  quick: { bn: 3, other: 1 },
  standard: { bn: 5, other: 0 },
};
const STEPS: PerProfile<number> = { smoke: 12, quick: 150, standard: 1000 };

function input(model: string, norm: string, seed: number, steps: number): unknown {
  if (model === "translation") {
    // PowerNorm's setting of its Fig. 2: a Post-norm translator, the pad mask passed to the norm.
    return {
      model: { preset: "small", overrides: { maxLen: 128, encoderLayers: 2, decoderLayers: 2 } },
      norm,
      placement: "post",
      maskNorms: true,
      seed,
      evalEvery: 0,
      recipe: {
        steps,
        maxTokens: 1024,
        lr: 2e-3,
        warmupFraction: 0.08,
        labelSmoothing: 0.1,
        weightDecay: 1e-4,
      },
      data: { vocabSize: 2000, maxWords: 20, validSize: 300, testSize: 1000 },
      decode: { beam: 1, lengthPenalty: 1, sentences: 20 },
    };
  }
  return {
    model: { preset: "small", overrides: { layers: 2 } },
    norm,
    horizon: "imagenet",
    seed,
    evalEvery: 0,
    evalSize: 500,
    recipe: {
      steps,
      batchSize: 64,
      lr: 2e-3,
      weightDecay: 0.05,
      warmupFraction: 0.05,
      labelSmoothing: 0.1,
    },
    data: { validSize: 5000, testSize: 1000 },
  };
}

/**
 * The suite.
 *
 * @example
 * ```ts
 * import { statisticsSuite } from "@normbench/normbench/suites";
 * console.log(statisticsSuite.name, statisticsSuite.runs("quick").length, statisticsSuite.claims.length);
 * ```
 */
export const statisticsSuite: Suite = {
  name: "statistics",
  title: "Batch statistics during training: fluctuation and outliers",
  setting: {
    paper: "PowerNorm paper, Fig. 2: batch statistics stray much further from their running " +
      "average in NLP (Transformer, IWSLT14) than in vision (ResNet, CIFAR-10), which is why BN " +
      "fails in NLP. UN paper: the statistics fluctuate and contain outliers, hence its window " +
      "and outlier filtration.",
    ours: "At every training step and every norm layer we record the per-channel quadratic " +
      "mean of the layer's input over the batch (the statistic BN, PN and UN estimate) while " +
      "training the `nmt` translator (NLP) and the `vit` ViT (vision) with each norm. Fluctuation " +
      "= mean over steps (after the first 10%) and layers of ‖q_t − EMA_{t−1}‖ / ‖EMA_{t−1}‖ " +
      "(EMA momentum 0.9); outlier rate = share of steps at which UN's rule (W = 4) fires.",
  },
  datasets: ["bible", "fashion-mnist"],
  runs(profile: ProfileName) {
    const steps = pick(STEPS, profile);
    const out: RunSpec[] = [];
    for (const model of ["translation", "image"]) {
      for (const norm of pick(NORMS, profile)) {
        const n = norm === "bn" ? pick(SEEDS, profile).bn : pick(SEEDS, profile).other;
        for (const seed of seeds(n)) {
          out.push(run({ model, norm, seed }, TASK, {
            experiment: model,
            input: input(model, norm, seed, steps),
            window: 4,
          }, steps * (model === "translation" ? 2 : 1) * SECONDS_PER_UNIT));
        }
      }
    }
    return out;
  },
  claims: [
    {
      id: "statistics.nlp-vs-cv",
      claim: "Batch statistics fluctuate more in NLP than in vision (with BN)",
      source: "PowerNorm paper, Fig. 2",
      paper: "NLP batch statistics stray far more from the running average than CV's",
      metric: "stat_distance",
      higherIsBetter: true,
      a: { model: "translation", norm: "bn" },
      b: { model: "image", norm: "bn" },
      test: { kind: "better", effect: 0.02 },
      setting: "PowerNorm's Fig. 2: BN, the translator Post-norm with pad masks, the ViT Pre-norm",
    },
  ],
  plots: [
    {
      kind: "bar",
      id: "distance",
      title: "Distance of batch statistics from their running average",
      metric: "stat_distance",
      groupBy: "norm",
      facetBy: "model",
      yTitle: "relative distance",
    },
    {
      kind: "bar",
      id: "outliers",
      title: "Share of steps UN's outlier rule fires on",
      metric: "outlier_rate",
      groupBy: "norm",
      facetBy: "model",
      yTitle: "outlier rate",
    },
    {
      kind: "curve",
      id: "first",
      title: "Statistic of the first norm layer over training (÷ median)",
      curve: "stat_first",
      groupBy: "norm",
      facetBy: "model",
      yTitle: "q / median q",
      logY: true,
    },
    {
      kind: "curve",
      id: "last",
      title: "Statistic of the last norm layer over training (÷ median)",
      curve: "stat_last",
      groupBy: "norm",
      facetBy: "model",
      yTitle: "q / median q",
      logY: true,
    },
  ],
  checks: (records) => [completionCheck(records)],
  notes: (profile) => [
    `**This profile (${profile}).** ${pick(STEPS, profile)} updates per run; BN has ` +
    `${pick(SEEDS, profile).bn} seed(s) per model (it carries the claim), the other norms ` +
    `${pick(SEEDS, profile).other}. The statistic is of each layer's *input*, so it depends on ` +
    "the model trained with that norm.",
    "**\"Better\" here means larger**: the claim is that NLP's distance exceeds vision's.",
  ],
  table: {
    groupBy: ["model", "norm"],
    metrics: [
      { key: "stat_distance", title: "distance from running avg.", digits: 3 },
      { key: "outlier_rate", title: "UN outlier rate", digits: 3 },
    ],
  },
};

registerSuite(statisticsSuite);
