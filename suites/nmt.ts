/**
 * `nmt`: IWSLT14 De→En BLEU (UN paper, Table 2; PowerNorm paper, Table 1) → Spanish→English
 * Bible translation with a Pre-norm encoder–decoder.
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

const TASK = experiment("translation.ts", "trainTranslator");
const BLEU = { key: "bleu", higherIsBetter: true };

const NORMS: PerProfile<string[]> = {
  smoke: ["ln", "un"],
  quick: ["ln", "bn", "pn", "un"],
  full: ["ln", "bn", "pn", "un", "rms", "dyt"],
};
const SEEDS: PerProfile<number> = { smoke: 1, quick: 3, full: 5 };
const STEPS: PerProfile<number> = { smoke: 10, quick: 350, full: 6000 };
const TEST_SENTENCES: PerProfile<number> = { smoke: 20, quick: 120, full: 1000 };
const BEAM: PerProfile<number> = { smoke: 2, quick: 4, full: 5 };

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
      "heads), Pre-norm, shared embeddings, Adam (0.9, 0.98), lr 7e-4, inverse-sqrt with 6000 " +
      "warm-up updates, dropout 0.3, label smoothing 0.1, 100k updates, beam 5. BLEU: LN 35.3, " +
      "BN 31.1, UN 35.4; PowerNorm: PN +0.4 over LN.",
    ours: "Reina-Valera 1909 → King James verses (≤ 20 words a side; 10.4k train / 300 valid / " +
      "1000 test pairs), joint BPE of 2000, a 3+3-layer Pre-norm translator (d 64, FFN 128, 4 " +
      "heads, tied embeddings, dropout 0.1), Adam (0.9, 0.98) with decoupled weight decay 1e-4, " +
      "lr 4e-3, inverse-sqrt schedule with 6% warm-up, label smoothing 0.1, 1024-token batches; " +
      "corpus BLEU (sacreBLEU defaults) of beam search (length penalty 1) on held-out verses.",
  },
  datasets: ["bible"],
  runs(profile: ProfileName) {
    const steps = pick(STEPS, profile);
    const sentences = pick(TEST_SENTENCES, profile);
    return normSeedGrid(pick(NORMS, profile), pick(SEEDS, profile), TASK, (norm, seed) => ({
      input: {
        model: { preset: "small", overrides: { maxLen: 128 } },
        norm,
        normOptions: norm === "un" ? { window: 4, outlierFiltration: false } : {},
        recipe: {
          steps,
          maxTokens: 1024,
          lr: 4e-3,
          warmupFraction: 0.06,
          labelSmoothing: 0.1,
          weightDecay: 1e-4,
        },
        data: { vocabSize: 2000, maxWords: 20, validSize: 300, testSize: 1000 },
        decode: { beam: pick(BEAM, profile), lengthPenalty: 1, sentences },
        evalEvery: profile === "smoke" ? 0 : Math.round(steps / 5),
        seed,
      },
      cost: steps + sentences / 5,
    }));
  },
  claims: [
    versus("nmt", "un", "ln", BLEU, { kind: "non-inferior", margin: 1 }, {
      claim: "UN keeps LN's BLEU in translation",
      source: "UN paper, Table 2 (IWSLT14 De→En)",
      paper: "UN 35.4 vs LN 35.3 BLEU (Δ +0.1)",
      paperDelta: 0.1,
    }),
    versus("nmt", "bn", "ln", BLEU, { kind: "worse" }, {
      claim: "BN is worse than LN in translation",
      source: "UN paper, Table 2; PowerNorm paper, Table 1",
      paper: "BN 31.1 vs LN 35.3 BLEU (Δ −4.2)",
      paperDelta: -4.2,
    }),
    versus("nmt", "pn", "ln", BLEU, { kind: "better" }, {
      claim: "PowerNorm beats LN in translation",
      source: "PowerNorm paper, Table 1 (IWSLT14 De→En)",
      paper: "PN +0.4 BLEU over LN",
      paperDelta: 0.4,
    }),
  ],
  plots: trainingPlots(
    { key: "bleu", title: "Test BLEU", axis: "BLEU" },
    { curve: "valid_loss", title: "Validation loss", axis: "validation loss" },
  ),
  checks: (records) => [...unPhaseCheck(records), completionCheck(records)],
  notes: (profile) => [
    SCALING_RULE,
    `**This profile (${profile}).** ${pick(STEPS, profile)} updates, ${pick(SEEDS, profile)} ` +
    `seed(s) per norm, BLEU on ${pick(TEST_SENTENCES, profile)} test verses with beam ` +
    `${pick(BEAM, profile)}; the paper trains 100k updates and averages its last 10 checkpoints ` +
    "(we score the final weights).",
    "**UN setting.** As the authors' translation model: window 4, no outlier filtration, and no " +
    "pad mask — padded positions enter UN's and BN's statistics, as in their fairseq code.",
    '**Margin.** "Keeps BLEU" is tested as non-inferiority within 1 BLEU.',
  ],
  table: {
    groupBy: ["norm"],
    metrics: [
      { key: "bleu", title: "BLEU" },
      { key: "valid_loss", title: "valid loss", digits: 3 },
      { key: "train_loss", title: "final train loss", digits: 3 },
    ],
  },
};

registerSuite(nmtSuite);
