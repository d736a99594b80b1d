/**
 * `nmt`: IWSLT14 De→En BLEU (UN paper, Table 2; PowerNorm paper, Table 1) → Spanish→English
 * Bible translation, each paper's claims in its own setting.
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

const TASK = experiment("translation.ts", "trainTranslator");
const BLEU = { key: "bleu", higherIsBetter: true };
const VALID = { key: "valid_loss", higherIsBetter: false };
/** "Keeps BLEU": within 1 BLEU. */
const MARGIN = 1;
/** The smallest BLEU difference worth resolving in a directional claim. */
const EFFECT = 0.5;
/** LN's reference: a small translator that has learned to translate the Bible. */
const REFERENCE = 15;

/**
 * The two source settings. UN's (its fairseq scripts): Pre-norm everywhere, no pad masks, LR
 * warm-up 6000 of 100k updates. PowerNorm's (its scripts): Post-norm, pad masks passed to every
 * norm, the norm under test in the encoder and LN in the decoder, LR warm-up 8000 updates —
 * which PowerNorm also takes as its own warm-up.
 */
interface Setting {
  placement: string;
  maskNorms: boolean;
  decoderNorm?: string;
  warmupFraction: number;
  lr: number;
  text: string;
}

const SETTINGS: Record<"un" | "powernorm", Setting> = {
  un: {
    placement: "pre",
    maskNorms: false,
    warmupFraction: 0.06,
    lr: 6e-3,
    text: "UN's: Pre-norm, no pad masks, every norm replaced, LR warm-up 6%",
  },
  powernorm: {
    placement: "post",
    maskNorms: true,
    decoderNorm: "ln",
    warmupFraction: 0.08,
    lr: 5e-3,
    text: "PowerNorm's: Post-norm, pad masks, the norm in the encoder and LN in the decoder, " +
      "LR warm-up 8% (also PN's warm-up)",
  },
};

const ARMS: PerProfile<{ setting: keyof typeof SETTINGS; norm: string }[]> = {
  smoke: [{ setting: "un", norm: "ln" }, { setting: "un", norm: "un" }],
  quick: [
    { setting: "un", norm: "ln" },
    { setting: "un", norm: "un" },
    { setting: "un", norm: "bn" },
    { setting: "powernorm", norm: "ln" },
    { setting: "powernorm", norm: "pn" },
  ],
  standard: [
    { setting: "un", norm: "ln" },
    { setting: "un", norm: "un" },
    { setting: "un", norm: "bn" },
    { setting: "powernorm", norm: "ln" },
    { setting: "powernorm", norm: "pn" },
  ],
};
/** Seconds of a step (or of two decoded test sentences), measured on the quick profile at 61d1e28 (wasm, 2 cores): Σ run time / Σ units. */
const SECONDS_PER_UNIT = 0.16;
const SEEDS: PerProfile<number> = { smoke: 1, quick: 2, standard: 5 };
const STEPS: PerProfile<number> = { smoke: 10, quick: 300, standard: 3000 };
const TEST_SENTENCES: PerProfile<number> = { smoke: 20, quick: 150, standard: 1000 };
const BEAM: PerProfile<number> = { smoke: 2, quick: 5, standard: 5 };
const LR_FACTORS: PerProfile<number[]> = { smoke: [], quick: [], standard: [0.5, 2] };

/**
 * The suite.
 *
 * @example
 * ```ts
 * import { nmtSuite } from "@normbench/normbench/suites";
 * console.log(nmtSuite.name, nmtSuite.runs("quick").length, nmtSuite.claims.length);
 * ```
 */
export const nmtSuite: Suite = {
  name: "nmt",
  title: "Machine translation: BLEU per norm",
  setting: {
    paper: "IWSLT14 De→En, fairseq transformer_iwslt_de_en (6+6 layers, d 512, FFN 1024, 4 " +
      "heads), shared embeddings, Adam (0.9, 0.98), inverse-sqrt schedule, dropout 0.3, label " +
      "smoothing 0.1, beam 5. UN's runs: Pre-norm, no pad masks, lr 7e-4, 6000 warm-up of 100k " +
      "updates — BLEU LN 35.3, BN 31.1, UN 35.4. PowerNorm's runs: Post-norm, pad masks, PN in " +
      "the encoder, lr 1.5e-3, 8000 warm-up updates — PN +0.4 over LN.",
    ours: "Reina-Valera 1909 → King James verses (≤ 20 words a side; 10.4k train / 300 valid / " +
      "1000 test pairs), joint BPE of 2000, a 2+2-layer translator (d 64, FFN 128, 4 heads, " +
      "tied embeddings, dropout 0.1), Adam (0.9, 0.98) with decoupled weight decay 1e-4, " +
      "inverse-sqrt schedule, label smoothing 0.1, 1024-token batches; corpus BLEU (sacreBLEU " +
      "defaults) of beam search (beam 5, length penalty 1) on the held-out verses. Each paper's " +
      "claims run in that paper's setting (placement, masks, warm-up, decoder norm).",
  },
  datasets: ["bible"],
  runs(profile: ProfileName) {
    const steps = pick(STEPS, profile);
    const sentences = pick(TEST_SENTENCES, profile);
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
                overrides: { maxLen: 128, encoderLayers: 2, decoderLayers: 2 },
              },
              norm,
              normOptions: norm === "un" ? { window: 4, outlierFiltration: false } : {},
              placement: s.placement,
              maskNorms: s.maskNorms,
              ...(s.decoderNorm ? { decoderNorm: s.decoderNorm } : {}),
              horizon: "iwslt",
              recipe: {
                steps,
                maxTokens: 1024,
                lr: c.setting.lr as number,
                warmupFraction: s.warmupFraction,
                labelSmoothing: 0.1,
                weightDecay: 1e-4,
              },
              data: { vocabSize: 2000, maxWords: 20, validSize: 300, testSize: 1000 },
              decode: { beam: pick(BEAM, profile), lengthPenalty: 1, sentences },
              evalEvery: profile === "smoke" ? 0 : Math.round(steps / 5),
              seed,
            },
            cost: (steps + sentences / 2) * SECONDS_PER_UNIT,
          }),
        };
      }),
    });
  },
  claims: [
    versus("nmt", { setting: "un", norm: "un" }, { setting: "un", norm: "ln" }, BLEU, {
      kind: "non-inferior",
      margin: MARGIN,
    }, {
      claim: "UN keeps LN's BLEU in translation",
      source: "UN paper, Table 2 (IWSLT14 De→En)",
      paper: "UN 35.4 vs LN 35.3 BLEU (Δ +0.1)",
      paperDelta: 0.1,
      setting: SETTINGS.un.text + "; UN W = 4, no outlier filtration",
    }),
    versus("nmt", { setting: "un", norm: "bn" }, { setting: "un", norm: "ln" }, BLEU, {
      kind: "worse",
      effect: EFFECT,
    }, {
      claim: "BN is worse than LN in translation",
      source: "UN paper, Table 2 (IWSLT14 De→En)",
      paper: "BN 31.1 vs LN 35.3 BLEU (Δ −4.2)",
      paperDelta: -4.2,
      setting: SETTINGS.un.text,
    }),
    versus(
      "nmt",
      { setting: "powernorm", norm: "pn" },
      { setting: "powernorm", norm: "ln" },
      BLEU,
      { kind: "better", effect: EFFECT },
      {
        claim: "PowerNorm beats LN in translation",
        source: "PowerNorm paper, Table 1 (IWSLT14 De→En)",
        paper: "PN +0.4 BLEU over LN",
        paperDelta: 0.4,
        setting: SETTINGS.powernorm.text,
      },
    ),
  ],
  references: [
    {
      arm: { setting: "un", norm: "ln" },
      metric: "bleu",
      higherIsBetter: true,
      level: REFERENCE,
      why: "a small Pre-LN translator that translates the held-out verses (all 1000, beam 5)",
    },
    {
      arm: { setting: "powernorm", norm: "ln" },
      metric: "bleu",
      higherIsBetter: true,
      level: REFERENCE,
      why: "the same for the Post-LN translator of PowerNorm's setting",
    },
  ],
  plots: trainingPlots(
    {
      key: "bleu",
      title: "Test BLEU",
      axis: "BLEU",
      reference: { value: REFERENCE, label: `LN reference ${REFERENCE} BLEU` },
    },
    { curve: "valid_loss", title: "Validation loss", axis: "validation loss" },
  ).map((p) => ({ ...p, groupBy: "norm", facetBy: "setting" })),
  checks: (records) => [...normChecks(records), completionCheck(records)],
  notes: (profile) => [
    SCALING_RULE,
    `**This profile (${profile}).** ${pick(STEPS, profile)} updates, ${pick(SEEDS, profile)} ` +
    `seed(s) per arm, BLEU on ${pick(TEST_SENTENCES, profile)} test verses with beam ` +
    `${pick(BEAM, profile)}; the papers train 100k updates and average their last checkpoints ` +
    "(we score the final weights). " +
    (pick(LR_FACTORS, profile).length
      ? "Each arm's learning rate is chosen on the validation loss from ½, 1 and 2 × its " +
        `setting's base (${SETTINGS.un.lr} Pre-norm, ${SETTINGS.powernorm.lr} Post-norm).`
      : `Learning rates: ${SETTINGS.un.lr} (Pre-norm), ${SETTINGS.powernorm.lr} (Post-norm), ` +
        "untuned in this profile."),
    "**UN setting.** As the authors' translation model: window 4, no outlier filtration, and no " +
    "pad mask — padded positions enter UN's and BN's statistics, as in their fairseq code.",
    "**PowerNorm setting.** As the PowerNorm authors' IWSLT14 script and README example " +
    "(`train-iwslt14.sh power power layer layer`): Post-norm, the pad mask passed to every norm, " +
    "PN in the encoder's two norm slots and LN in the decoder's.",
    `**Margin.** "Keeps BLEU" is tested as non-inferiority within ${MARGIN} BLEU; directional ` +
    `claims are resolved to ${EFFECT} BLEU.`,
  ],
  table: {
    groupBy: ["setting", "norm"],
    metrics: [
      { key: "bleu", title: "BLEU" },
      { key: "valid_loss", title: "valid loss", digits: 3 },
      { key: "train_loss", title: "final train loss", digits: 3 },
    ],
  },
};

registerSuite(nmtSuite);
