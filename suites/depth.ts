/**
 * `depth`: the papers about norms in *deep* Transformers — Peri-LN, Mix-LN, LayerNorm Scaling
 * ("The Curse of Depth"), Pre-RMSNorm/Pre-CRMSNorm and σReparam — on a narrow, deep decoder LM
 * on the Brown corpus, with per-layer diagnostics (hidden-state variance, attention entropy,
 * layer importance) recorded during training.
 *
 * @module
 */
import { registerSuite } from "../src/suite/registry.ts";
import type { ProfileName } from "../src/results/types.ts";
import type { RunSpec, Suite } from "../src/suite/types.ts";
import { SCALING_RULE } from "../src/experiments/common.ts";
import { experiment, LM_COLLAPSE, type PerProfile, pick, run, seeds, versus } from "./common.ts";
import { completionCheck, normChecks } from "./checks.ts";

const TASK = experiment("language_model.ts", "trainLanguageModel");
const LOG_PPL = { key: "test_log_ppl_token", higherIsBetter: false };
/** The smallest log-perplexity difference worth resolving (≈ 2% perplexity). */
const EFFECT = 0.02;
/** "The same up to float error" in log perplexity (0.5% perplexity). */
const SAME = 0.005;
/** Pre-LN's reference: below an interpolated bigram model's per-token perplexity (see `lm`). */
const REFERENCE = 98;
/** The base learning rate (AdamW, cosine, 10% warm-up), and the high one without warm-up. */
const LR = 3e-3;
const HIGH_LR = 1e-2;

/** One arm: placement, norm, model overrides, conversion and recipe changes. */
interface Arm {
  placement: "pre" | "post" | "peri" | "mix";
  norm: string;
  overrides?: Record<string, boolean | number>;
  /** Convert the Pre-LN model at initialisation (training equivalence of the RMS papers). */
  convert?: "rms" | "crms";
  warmup: boolean;
  lr: number;
  text: string;
}

const ARMS = {
  "pre": { placement: "pre", norm: "ln", warmup: true, lr: LR, text: "Pre-LN" },
  "post": { placement: "post", norm: "ln", warmup: true, lr: LR, text: "Post-LN" },
  "peri": { placement: "peri", norm: "ln", warmup: true, lr: LR, text: "Peri-LN" },
  "mix": {
    placement: "mix",
    norm: "ln",
    warmup: true,
    lr: LR,
    text: "Mix-LN (Post-LN in the first 25% of blocks, Pre-LN after)",
  },
  "pre+lns": {
    placement: "pre",
    norm: "ln",
    overrides: { lnScaling: true },
    warmup: true,
    lr: LR,
    text: "Pre-LN with LayerNorm Scaling (norm outputs of block ℓ × 1/√ℓ)",
  },
  "pre-rms": {
    placement: "pre",
    norm: "ln",
    convert: "rms",
    warmup: true,
    lr: LR,
    text: "Pre-LN converted to Pre-RMSNorm at initialisation",
  },
  "pre-crms": {
    placement: "pre",
    norm: "ln",
    convert: "crms",
    warmup: true,
    lr: LR,
    text: "Pre-LN converted to Pre-CRMSNorm at initialisation (residual in d − 1 coordinates)",
  },
  "sigma": {
    placement: "pre",
    norm: "none",
    overrides: { sigmaReparam: true },
    warmup: true,
    lr: LR,
    text: "no norm, σReparam on every block linear, with warm-up",
  },
  "sigma-nowarm-hi": {
    placement: "pre",
    norm: "none",
    overrides: { sigmaReparam: true },
    warmup: false,
    lr: HIGH_LR,
    text: `no norm, σReparam, no warm-up, lr ${HIGH_LR}`,
  },
  "none-nowarm-hi": {
    placement: "pre",
    norm: "none",
    warmup: false,
    lr: HIGH_LR,
    text: `no norm, no σReparam, no warm-up, lr ${HIGH_LR}`,
  },
  "pre-nowarm-hi": {
    placement: "pre",
    norm: "ln",
    warmup: false,
    lr: HIGH_LR,
    text: `Pre-LN, no warm-up, lr ${HIGH_LR} (the instability σReparam addresses)`,
  },
} satisfies Record<string, Arm>;
type ArmName = keyof typeof ARMS;

const PROFILE_ARMS: PerProfile<ArmName[]> = {
  smoke: ["pre", "peri"],
  quick: ["pre", "peri", "mix", "pre+lns", "pre-rms", "sigma-nowarm-hi", "none-nowarm-hi"],
  standard: Object.keys(ARMS) as ArmName[],
};
/** Blocks of the LM (d 64, 4 heads, FFN 256). */
const LAYERS: PerProfile<number> = { smoke: 2, quick: 12, standard: 24 };
/** Seconds of a training step per block, measured on the quick profile at 61d1e28 (wasm, 2 cores): Σ run time / Σ units. */
const SECONDS_PER_STEP_LAYER = 0.037;
const STEPS: PerProfile<number> = { smoke: 10, quick: 150, standard: 2000 };
const SEEDS: PerProfile<number> = { smoke: 1, quick: 1, standard: 3 };
/** Sequences of 64 tokens per batch. */
const BATCH = 8;

function input(profile: ProfileName, arm: Arm, seed: number) {
  const steps = pick(STEPS, profile);
  return {
    model: {
      preset: "small",
      overrides: { layers: pick(LAYERS, profile), ...arm.overrides },
      ...(arm.convert ? { convert: arm.convert } : {}),
    },
    norm: arm.norm,
    placement: arm.placement,
    horizon: "iwslt",
    recipe: {
      steps,
      batchSize: BATCH,
      seqLen: 64,
      lr: arm.lr,
      warmupFraction: arm.warmup ? 0.1 : 0,
      schedule: "cosine",
      weightDecay: 0.01,
      clipNorm: 1,
    },
    data: { tokenization: "bpe", vocabSize: 2000 },
    evalEvery: profile === "smoke" ? steps : Math.round(steps / 6),
    evalTokens: 8192,
    // a run that blows up, or ends on the unigram plateau, collapsed (smoke's 10 steps cannot
    // leave the unigram level)
    collapse: profile === "smoke" ? { blowUp: 1.5 } : LM_COLLAPSE,
    diagnostics: {
      every: Math.max(1, Math.round(steps / 20)),
      importanceTokens: profile === "smoke" ? 1024 : 8192,
    },
    seed,
  };
}

const at = (arm: ArmName) => ({ arm });

/**
 * The suite.
 *
 * @example
 * ```ts
 * import { depthSuite } from "@normbench/normbench/suites";
 * console.log(depthSuite.name, depthSuite.runs("quick").length, depthSuite.claims.length);
 * ```
 */
export const depthSuite: Suite = {
  name: "depth",
  title: "Depth: norm placement, scaling and reparametrization in a deep, narrow LM",
  setting: {
    paper: "Peri-LN (Kim et al. 2025), Mix-LN (Li et al. 2024) and LayerNorm Scaling (Sun et al. " +
      "2025): LLaMA-style LMs of 71M–3.2B parameters pre-trained on billions of tokens; " +
      "Pre-RMSNorm/Pre-CRMSNorm (Jiang et al. 2023): exact conversions of Pre-LN models; " +
      "σReparam (Zhai et al. 2023): Transformers trained without LN or warm-up.",
    ours: "A decoder-only LM of d 64 (4 heads, FFN 256, tied embeddings) and 12 (quick) or 24 " +
      "(standard) blocks on the Brown corpus (BPE 2000, 8 × 64-token windows), AdamW (wd 0.01), " +
      "cosine schedule with 10% warm-up at lr 3e-3, gradient clipping at 1, the same recipe " +
      "for every arm (as the Mix-LN and LayerNorm Scaling papers compare); per-layer variance, " +
      "RMS and attention entropy recorded every 5% of the run, layer importance (validation " +
      "loss change when one block is skipped) after it.",
  },
  datasets: ["brown"],
  runs(profile: ProfileName): RunSpec[] {
    return pick(PROFILE_ARMS, profile).flatMap((name) =>
      seeds(pick(SEEDS, profile)).map((seed) =>
        run(
          { arm: name, seed },
          TASK,
          input(profile, ARMS[name], seed),
          pick(STEPS, profile) * pick(LAYERS, profile) * SECONDS_PER_STEP_LAYER,
        )
      )
    );
  },
  claims: [
    versus("depth", at("peri"), at("pre"), LOG_PPL, { kind: "better", effect: EFFECT }, {
      claim: "Peri-LN reaches a lower loss than Pre-LN",
      source: "Peri-LN paper, main results (400M, FP16 pre-training; C4 evaluation loss) as " +
        "quoted by a third-party review — the table itself was not read",
      paper: "C4 loss 3.34 (Peri-LN) vs 3.43 (Pre-LN), Δ −0.09 nats",
      paperDelta: -0.09,
      setting: ARMS.peri.text,
    }),
    versus("depth", at("peri"), at("post"), LOG_PPL, { kind: "better", effect: EFFECT }, {
      claim: "Peri-LN reaches a lower loss than Post-LN",
      source: "Peri-LN paper, main results (Post-LN against Pre-LN and Peri-LN); the value " +
        "was not located in a source we could read",
      paper: "Peri-LN below Post-LN (value not located)",
      setting: ARMS.post.text + " against " + ARMS.peri.text,
    }),
    versus(
      "depth",
      at("peri"),
      at("pre"),
      {
        key: "log_variance_growth",
        higherIsBetter: false,
      },
      { kind: "better", effect: 0.1 },
      {
        claim: "Peri-LN's hidden-state variance grows less with depth than Pre-LN's",
        source: "Peri-LN paper, analysis of activation variance (figures; no table value)",
        paper: "Pre-LN's variance grows far faster with depth; Peri-LN's stays ~linear",
        setting: "ln(variance after the last block / after the first), mean of the last 10% " +
          "of the recorded steps",
      },
    ),
    versus("depth", at("mix"), at("pre"), LOG_PPL, { kind: "better", effect: EFFECT }, {
      claim: "Mix-LN reaches a lower perplexity than Pre-LN",
      source: "Mix-LN paper, Table 1 (LLaMA-71M, 1.1B tokens)",
      paper: "perplexity 33.12 (Mix-LN) vs 34.77 (Pre-LN), Δ log −0.049",
      paperDelta: Math.log(33.12 / 34.77),
      setting: ARMS.mix.text,
    }),
    versus(
      "depth",
      at("mix"),
      at("pre"),
      {
        key: "deep_importance",
        higherIsBetter: true,
      },
      { kind: "better", effect: 0.005 },
      {
        claim: "Mix-LN's deeper layers matter more than Pre-LN's",
        source: "Mix-LN paper, Fig. 3 and 6b (performance drop when one layer is pruned, " +
          "LLaMA-130M); no table value",
        paper: "pruning a deep layer costs Mix-LN more than Pre-LN",
        setting: "mean validation-loss increase when one block of the deeper half is skipped",
      },
    ),
    versus("depth", at("pre+lns"), at("pre"), LOG_PPL, { kind: "better", effect: EFFECT }, {
      claim: "LayerNorm Scaling lowers Pre-LN's perplexity",
      source: "Curse of Depth paper, Table 1 (LLaMA-130M, 2.2B tokens)",
      paper: "perplexity 25.76 (Pre-LN + LayerNorm Scaling) vs 26.73 (Pre-LN), Δ log −0.037",
      paperDelta: Math.log(25.76 / 26.73),
      setting: ARMS["pre+lns"].text,
    }),
    versus(
      "depth",
      at("pre+lns"),
      at("pre"),
      {
        key: "log_variance_growth",
        higherIsBetter: false,
      },
      { kind: "better", effect: 0.1 },
      {
        claim: "LayerNorm Scaling keeps the variance growth with depth down",
        source: "Curse of Depth paper, Fig. 1 (layer-wise output variance, LLaMA-130M)",
        paper: "Pre-LN's output variance grows with depth; with scaling it stays nearly flat",
        setting: "ln(variance after the last block / after the first)",
      },
    ),
    versus("depth", at("pre-rms"), at("pre"), LOG_PPL, { kind: "parity", margin: SAME }, {
      claim: "Pre-RMSNorm trains exactly like Pre-LN",
      source: "Pre-RMSNorm/Pre-CRMSNorm paper (Jiang et al. 2023), §3 (equivalence)",
      paper: "arithmetically equivalent in training and inference",
      setting: ARMS["pre-rms"].text,
    }),
    versus("depth", at("pre-crms"), at("pre"), LOG_PPL, { kind: "parity", margin: EFFECT }, {
      claim: "Pre-CRMSNorm trains like Pre-LN",
      source: "Pre-RMSNorm/Pre-CRMSNorm paper (Jiang et al. 2023), §3 (equivalence)",
      paper: "arithmetically equivalent in training and inference",
      setting: ARMS["pre-crms"].text + "; the conversion folds each norm's γ, β into the " +
        "next linear layer and unties the LM head, so AdamW follows another parametrization " +
        `of the same function: parity within ${EFFECT} nats, not float error`,
    }),
    versus("depth", at("sigma"), at("pre"), LOG_PPL, { kind: "non-inferior", margin: 0.05 }, {
      claim: "σReparam without LayerNorm keeps Pre-LN's perplexity",
      source: "σReparam paper, §5 (Transformers trained with σReparam and no LayerNorm); " +
        "values not located in a source we could read",
      paper: "competitive with LN baselines (value not located)",
      setting: ARMS.sigma.text + ", against Pre-LN at the same recipe; within 0.05 nats",
    }),
    versus(
      "depth",
      at("sigma-nowarm-hi"),
      at("pre-nowarm-hi"),
      {
        key: "min_layer_entropy",
        higherIsBetter: true,
      },
      { kind: "better", effect: 0.05 },
      {
        claim: "σReparam keeps attention entropy up where Pre-LN without warm-up loses it",
        source: "σReparam paper, §3–4 (attention entropy collapse accompanies instability)",
        paper: "entropy collapse in unstable runs; σReparam prevents it",
        setting: `both without warm-up at lr ${HIGH_LR}; the lowest layer's entropy (mean over ` +
          "heads, last 10% of the recorded steps)",
      },
    ),
    versus(
      "depth",
      at("none-nowarm-hi"),
      at("sigma-nowarm-hi"),
      {
        key: "test_log_ppl_token",
        higherIsBetter: false,
      },
      { kind: "collapses-more" },
      {
        claim: "σReparam trains without LN or warm-up where plain no-norm collapses",
        source: "σReparam paper, abstract and §5 (training without LN and warm-up)",
        paper: "σReparam trains stably without LayerNorm or learning-rate warm-up",
        setting: `no norm, no warm-up, lr ${HIGH_LR}, with and without σReparam`,
      },
    ),
  ],
  references: [
    {
      arm: { arm: "pre" },
      metric: "test_ppl_token",
      higherIsBetter: false,
      level: REFERENCE,
      why: "below an untuned interpolated bigram model (98 per token), as in the lm suite",
    },
  ],
  plots: [
    {
      kind: "curve",
      id: "variance",
      title: "Hidden-state variance by layer (0: block 0's input; ±1 std over seeds)",
      curve: "variance_by_layer",
      groupBy: "arm",
      xTitle: "layer",
      yTitle: "variance",
      logY: true,
    },
    {
      kind: "curve",
      id: "entropy",
      title: "Attention entropy by layer (mean over heads, nats)",
      curve: "entropy_by_layer",
      groupBy: "arm",
      xTitle: "layer",
      yTitle: "entropy (nats)",
    },
    {
      kind: "curve",
      id: "importance",
      title: "Layer importance: validation-loss increase when the block is skipped",
      curve: "importance_loss_by_layer",
      groupBy: "arm",
      xTitle: "block",
      yTitle: "Δ validation loss (nats)",
    },
    {
      kind: "curve",
      id: "loss",
      title: "Training loss",
      curve: "train_loss",
      groupBy: "arm",
      xTitle: "step",
      yTitle: "loss (nats)",
      logY: true,
    },
  ],
  checks: (records) => [...normChecks(records), completionCheck(records)],
  notes: (profile) => [
    SCALING_RULE,
    `**This profile (${profile}).** ${pick(LAYERS, profile)} blocks, ${
      pick(STEPS, profile)
    } updates of ${BATCH} × 64 tokens, ${pick(SEEDS, profile)} seed(s) per arm; arms: ${
      pick(PROFILE_ARMS, profile).join(", ")
    }. One recipe for every arm (no per-arm tuning: the Mix-LN and LayerNorm Scaling papers ` +
    "compare at one recipe too), so a verdict says which arm trains better at this recipe.",
    "**Metrics.** Loss claims compare the test log perplexity per token. " +
    "`log_variance_growth` = ln(variance after the last block / after the first); " +
    "`deep_importance` = mean validation-loss increase when one block of the deeper half is " +
    "skipped; `min_layer_entropy` = the lowest layer's attention entropy (mean over heads). " +
    "Collapse: a non-finite loss, a loss that ends 1.5× above its start, or one that ends on " +
    "the unigram plateau (the mean of its last 50 losses not 3 standard errors below the " +
    "training unigram entropy).",
    "**Inference speed** of Pre-RMS and Pre-CRMS against Pre-LN is measured by the efficiency " +
    "suite and `bench infer`, not here.",
  ],
  table: {
    groupBy: ["arm"],
    metrics: [
      { key: "test_ppl_token", title: "test ppl/token", digits: 1 },
      { key: "test_log_ppl_token", title: "test log ppl", digits: 3 },
      { key: "log_variance_growth", title: "ln var growth", digits: 2 },
      { key: "min_layer_entropy", title: "min entropy", digits: 2 },
      { key: "deep_importance", title: "deep importance", digits: 3 },
      { key: "grad_spikes", title: "grad spikes", digits: 0 },
    ],
  },
};

registerSuite(depthSuite);
