/**
 * `ablation`: UN's own knobs — window W, outlier filtration, warm-up length — on the ViT task.
 *
 * @module
 */
import { registerSuite } from "../src/suite/registry.ts";
import type { ProfileName } from "../src/results/types.ts";
import type { Suite } from "../src/suite/types.ts";
import { SCALING_RULE } from "../src/experiments/common.ts";
import { experiment, type PerProfile, pick, run, seeds } from "./common.ts";
import { completionCheck, normChecks } from "./checks.ts";

const TASK = experiment("image_classification.ts", "trainImageClassifier");

/** A variant: norm and explicit options (`warmupFraction` becomes UN's warm-up). */
interface Variant {
  norm: string;
  options: Record<string, number | boolean>;
  warmupFraction?: number;
}

const VARIANTS: Record<string, Variant> = {
  "ln (reference)": { norm: "ln", options: {} },
  "W=1": { norm: "un", options: { window: 1, outlierFiltration: true } },
  "W=2": { norm: "un", options: { window: 2, outlierFiltration: true } },
  "W=4 (authors)": { norm: "un", options: { window: 4, outlierFiltration: true } },
  "W=8": { norm: "un", options: { window: 8, outlierFiltration: true } },
  "W=4, no filtration": { norm: "un", options: { window: 4, outlierFiltration: false } },
  "warm-up 0%": { norm: "un", options: { window: 4, outlierFiltration: true }, warmupFraction: 0 },
  "warm-up 2%": {
    norm: "un",
    options: { window: 4, outlierFiltration: true },
    warmupFraction: 0.02,
  },
  "warm-up 8%": {
    norm: "un",
    options: { window: 4, outlierFiltration: true },
    warmupFraction: 0.08,
  },
};

const NAMES: PerProfile<string[]> = {
  smoke: ["W=1", "W=4 (authors)"],
  quick: Object.keys(VARIANTS).filter((v) => v !== "warm-up 2%"),
  standard: Object.keys(VARIANTS),
};
/** Seconds of a training step (evaluation included), measured on the quick profile at 61d1e28 (wasm, 2 cores): Σ run time / Σ units. */
const SECONDS_PER_STEP = 0.066;
const SEEDS: PerProfile<number> = { smoke: 1, quick: 2, standard: 5 };
const STEPS: PerProfile<number> = { smoke: 12, quick: 400, standard: 3000 };

/**
 * The suite.
 *
 * @example
 * ```ts
 * import { ablationSuite } from "@normbench/normbench/suites";
 * console.log(ablationSuite.name, ablationSuite.runs("quick").length, ablationSuite.claims.length);
 * ```
 */
export const ablationSuite: Suite = {
  name: "ablation",
  title: "UN ablation: window, outlier filtration, warm-up",
  setting: {
    paper: "UN paper, ablations: window size, outlier filtration and warm-up of UN in a ViT.",
    ours: "The `vit` suite's model and recipe (Fashion-MNIST), UN with one knob changed at a " +
      "time from the authors' vision setting (W = 4, outlier filtration on, warm-up T_w 0.53% " +
      "of the run — the ImageNet recipe's 4000 of 750k updates); LN as the reference. W = 1 " +
      "makes every step an outlier skip: UN degenerates to an exact batch-RMS norm.",
  },
  datasets: ["fashion-mnist"],
  skip: {
    standard: "no claim uses its runs — it shows what each of UN's knobs is worth; the " +
      "stability suite tests the one the paper claims (outlier filtration)",
  },
  runs(profile: ProfileName) {
    const steps = pick(STEPS, profile);
    return pick(NAMES, profile).flatMap((variant) => {
      const v = VARIANTS[variant];
      const options = { ...v.options };
      if (v.warmupFraction !== undefined) options.warmup = Math.round(v.warmupFraction * steps);
      return seeds(pick(SEEDS, profile)).map((seed) =>
        run({ variant, norm: v.norm, seed }, TASK, {
          model: { preset: "small", overrides: { layers: 2 } },
          norm: v.norm,
          normOptions: options,
          horizon: "imagenet",
          recipe: {
            steps,
            batchSize: 64,
            lr: 3e-3,
            weightDecay: 0.05,
            warmupFraction: 10 / 300,
            labelSmoothing: 0.1,
          },
          data: { validSize: 5000, testSize: profile === "smoke" ? 500 : undefined },
          evalEvery: 0,
          evalSize: 500,
          seed,
        }, steps * SECONDS_PER_STEP)
      );
    });
  },
  claims: [],
  plots: [
    {
      kind: "bar",
      id: "accuracy",
      title: "Test accuracy per variant (mean ± std over seeds)",
      metric: "test_accuracy",
      groupBy: "variant",
      yTitle: "test accuracy (%)",
    },
    {
      kind: "curve",
      id: "loss",
      title: "Training loss per variant",
      curve: "train_loss",
      groupBy: "variant",
      yTitle: "training loss",
      logY: true,
    },
  ],
  checks: (records) => [...normChecks(records), completionCheck(records)],
  notes: (profile) => [
    SCALING_RULE,
    `**This profile (${profile}).** ${pick(STEPS, profile)} updates of 64 images per run, ` +
    `${pick(SEEDS, profile)} seed(s) per variant. No paper number is compared here: the table ` +
    "shows what each of UN's mechanisms is worth at this scale.",
  ],
  table: {
    groupBy: ["variant"],
    metrics: [
      { key: "test_accuracy", title: "test acc. (%)" },
      { key: "train_loss", title: "final train loss", digits: 3 },
    ],
  },
};

registerSuite(ablationSuite);
