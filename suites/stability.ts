/**
 * `stability`: how far up the learning rate each norm trains without collapsing — a sweep over
 * learning rates, with and without warm-up, in Pre- and Post-norm models (the UN paper's
 * "stabilizing" claim, PowerNorm's remedy for naive BN, and UN's outlier filtration).
 *
 * @module
 */
import { registerSuite } from "../src/suite/registry.ts";
import type { CheckResult, ClaimSpec, ProfileName, RunRecord } from "../src/results/types.ts";
import type { RunSpec, Suite } from "../src/suite/types.ts";
import { stableEdge } from "../src/report/verdict.ts";
import { SCALING_RULE } from "../src/experiments/common.ts";
import { experiment, LM_COLLAPSE, type PerProfile, pick, run, seeds } from "./common.ts";
import { completionCheck } from "./checks.ts";

const TASK = experiment("language_model.ts", "trainLanguageModel");

/** A norm arm: the registry norm and its options. */
interface Arm {
  norm: string;
  options: Record<string, number | boolean>;
}

const ARMS: Record<string, Arm> = {
  ln: { norm: "ln", options: {} },
  bn: { norm: "bn", options: {} },
  pn: { norm: "pn", options: {} },
  un: { norm: "un", options: { window: 4, outlierFiltration: true } },
  "un (no filtration)": { norm: "un", options: { window: 4, outlierFiltration: false } },
};

/** A training condition: placement and LR warm-up. */
interface Condition {
  placement: "pre" | "post";
  warmupFraction: number;
}

const CONDITIONS: Record<string, Condition> = {
  "pre, warm-up": { placement: "pre", warmupFraction: 0.1 },
  "pre, no warm-up": { placement: "pre", warmupFraction: 0 },
  "post, warm-up": { placement: "post", warmupFraction: 0.1 },
  "post, no warm-up": { placement: "post", warmupFraction: 0 },
};

/**
 * Peak learning rates. The grid reaches up to where the Pre-norm baselines break (they stayed
 * stable up to 0.1 in a sweep of 1e-3…0.1); its low end is where every arm has left the unigram
 * plateau within the run, so a slow start is not read as a collapse.
 */
const LRS: PerProfile<number[]> = {
  smoke: [1e-2, 1e-1],
  quick: [1e-2, 1e-1, 1],
  standard: [3e-3, 1e-2, 3e-2, 1e-1, 3e-1, 1],
};
/** Seconds of a training step (a collapsed run stops early), measured on the quick profile at 61d1e28 (wasm, 2 cores): Σ run time / Σ units. */
const SECONDS_PER_STEP = 0.026;
const SEEDS: PerProfile<number> = { smoke: 1, quick: 2, standard: 10 };
const STEPS: PerProfile<number> = { smoke: 60, quick: 300, standard: 300 };
const LAYERS = 2;
/** A small BPE: the unigram plateau (4.94 nats) is left within the run by a healthy model. */
const VOCAB = 500;
/** A norm's stable range: the largest learning rate with at most this collapse rate. */
const MAX_RATE = 0.2;
/** Seeds a point of the sweep needs before a rate comparison can say anything. */
const MIN_SEEDS = 10;

function wider(
  id: string,
  a: string,
  b: string,
  condition: string,
  text: Pick<ClaimSpec, "claim" | "source" | "paper" | "setting">,
): ClaimSpec {
  return {
    id: `stability.${id}`,
    ...text,
    metric: "train_loss",
    higherIsBetter: false,
    a: { norm: a, condition },
    b: { norm: b, condition },
    test: { kind: "wider-stable-range", over: "lr", maxRate: MAX_RATE, minRuns: MIN_SEEDS },
  };
}

/** The claims; quick sweeps exactly their (condition, norm) cells. */
const CLAIMS: ClaimSpec[] = [
  wider("ln-vs-bn", "ln", "bn", "pre, warm-up", {
    claim: "BN's stable learning-rate range is narrower than LN's",
    source: "UN paper, §1 and Fig. 1 (BN-based Transformers crash)",
    paper: "BN training crashes where LN's does not",
    setting: "UN's: Pre-norm with LR warm-up",
  }),
  wider("un-vs-bn", "un", "bn", "pre, warm-up", {
    claim: "UN's stable learning-rate range is wider than BN's",
    source: 'UN paper, title and abstract ("accelerating and stabilizing")',
    paper: "UN trains stably where BN crashes",
    setting: "UN's: Pre-norm with LR warm-up, W = 4, outlier filtration on",
  }),
  wider("un-filter", "un", "un (no filtration)", "pre, warm-up", {
    claim: "UN's outlier filtration widens its stable range",
    source: "UN paper, §3 (adaptive outlier filtration) and its ablation",
    paper: "outlier filtration avoids collapse in training",
    setting: "UN's: Pre-norm with LR warm-up, W = 4",
  }),
  wider("pn-vs-bn", "pn", "bn", "post, warm-up", {
    claim: "PN's stable learning-rate range is wider than BN's",
    source: "PowerNorm paper, §3–4",
    paper: "PN trains stably where naive BN degrades",
    setting: "PowerNorm's: Post-norm with LR warm-up (also PN's warm-up)",
  }),
];

/**
 * The (condition, norm) cells a profile sweeps: standard every norm in every condition (the
 * curves beside the claims), quick only the claims' cells.
 */
function cells(profile: ProfileName): [string, string][] {
  if (profile === "smoke") return [["post, no warm-up", "ln"], ["post, no warm-up", "bn"]];
  if (profile === "standard") {
    return Object.keys(CONDITIONS).flatMap((c) =>
      Object.keys(ARMS).map((n): [string, string] => [c, n])
    );
  }
  const out: [string, string][] = [];
  for (const c of CLAIMS) {
    for (const side of [c.a, c.b!]) {
      const cell: [string, string] = [String(side.condition), String(side.norm)];
      if (!out.some(([k, n]) => k === cell[0] && n === cell[1])) out.push(cell);
    }
  }
  return out;
}

/**
 * The suite.
 *
 * @example
 * ```ts
 * import { stabilitySuite } from "@normbench/normbench/suites";
 * console.log(stabilitySuite.name, stabilitySuite.runs("quick").length, stabilitySuite.claims.length);
 * ```
 */
export const stabilitySuite: Suite = {
  name: "stability",
  title: "Training stability: collapse rate against the learning rate, per norm",
  setting: {
    paper: "UN paper: BN-based Transformers train unstably and can collapse; UN stabilises them, " +
      "and its adaptive outlier filtration avoids collapse in training. PowerNorm paper: naive " +
      "BN in NLP suffers from fluctuating statistics, which PN remedies.",
    ours: `The Brown-corpus LM (${LAYERS} layers, d 64, BPE ${VOCAB}, batches of 8 × 32 tokens), ` +
      "trained for a short run per seed at every learning rate of a log grid, in the placement " +
      "and warm-up of the paper behind each claim (Adam, cosine decay). A run collapses when " +
      "its loss or gradient becomes non-finite, when its loss blows up (mean over the last " +
      "sixth of the run above 1.5× its start), or when it ends on the unigram plateau (the mean " +
      `of its last 50 losses not ${LM_COLLAPSE.unigramZ} standard errors below the training unigram ` +
      "entropy); a run that is slow but has left the plateau did not collapse. A norm's " +
      `stable range ends at the largest learning rate with at most ${
        100 * MAX_RATE
      }% collapsed runs.`,
  },
  datasets: ["brown"],
  runs(profile: ProfileName) {
    const steps = pick(STEPS, profile);
    const out: RunSpec[] = [];
    for (const [condition, name] of cells(profile)) {
      const c = CONDITIONS[condition];
      const arm = ARMS[name];
      for (const lr of pick(LRS, profile)) {
        for (const seed of seeds(pick(SEEDS, profile))) {
          out.push(run({ condition, norm: name, lr, seed }, TASK, {
            model: { preset: "small", overrides: { layers: LAYERS } },
            norm: arm.norm,
            normOptions: arm.options,
            placement: c.placement,
            horizon: "iwslt",
            recipe: {
              steps,
              batchSize: 8,
              seqLen: 32,
              lr,
              warmupFraction: c.warmupFraction,
              schedule: "cosine",
              weightDecay: 0.01,
            },
            data: { tokenization: "bpe", vocabSize: VOCAB },
            evalEvery: 0,
            evalTokens: 0,
            collapse: LM_COLLAPSE,
            skipTest: true,
            seed,
          }, steps * SECONDS_PER_STEP));
        }
      }
    }
    return out;
  },
  claims: CLAIMS,
  plots: [
    {
      kind: "rate-curve",
      id: "rates",
      title: `Collapse rate against the learning rate (Wilson 95%; dashed: ${100 * MAX_RATE}%)`,
      over: "lr",
      groupBy: "norm",
      facetBy: "condition",
      xTitle: "peak learning rate",
    },
    {
      kind: "curve",
      id: "loss",
      title: "Training loss at learning rate 0.01 (band: ±1 std over seeds)",
      curve: "train_loss",
      groupBy: "norm",
      facetBy: "condition",
      where: { lr: 0.01 },
      yTitle: "training loss",
      logY: true,
    },
  ],
  checks: (records) => [completionCheck(records), ...stableRangeChecks(records)],
  notes: (profile) => [
    SCALING_RULE,
    `**This profile (${profile}).** ${pick(STEPS, profile)} updates per run, ` +
    `${pick(SEEDS, profile)} seed(s) per point, learning rates ${
      pick(LRS, profile).join(", ")
    }; cells (condition · norm): ${cells(profile).map(([c, n]) => `${c} · ${n}`).join("; ")}.`,
    "**Stable range.** The checks below list, per norm and condition, the largest learning " +
    `rate up to which at most ${100 * MAX_RATE}% of the runs collapsed. A claim "a's range is ` +
    "wider than b's\" compares the collapse rates where the first of the two breaks — the " +
    "learning rate just above the lower of their stable edges — with Newcombe's interval: a " +
    "claim side that breaks first has the higher rate there (not reproduced); the test needs " +
    "≥ 10 seeds a point to say anything.",
  ],
  table: {
    groupBy: ["condition", "norm", "lr"],
    metrics: [{ key: "train_loss", title: "final train loss (finished runs)", digits: 3 }],
  },
};

/** Per norm and condition: the stable range; ok when every point has the seeds claims need. */
function stableRangeChecks(records: RunRecord[]): CheckResult[] {
  const by = new Map<string, RunRecord[]>();
  for (const r of records) {
    const key = `${r.labels.condition} · ${r.labels.norm}`;
    if (!by.has(key)) by.set(key, []);
    by.get(key)!.push(r);
  }
  const lines: string[] = [];
  let fewest = Infinity;
  for (const [key, runs] of by) {
    const edge = stableEdge(runs, "lr", MAX_RATE);
    lines.push(`${key}: ${edge === null ? "none" : `up to ${edge}`}`);
    for (const lr of new Set(runs.map((r) => r.labels.lr))) {
      fewest = Math.min(fewest, runs.filter((r) => r.labels.lr === lr).length);
    }
  }
  return [{
    check: `every point of the sweep has ≥ ${MIN_SEEDS} seeds; stable range per condition and ` +
      `norm (largest LR with ≤ ${100 * MAX_RATE}% collapses)`,
    ok: fewest >= MIN_SEEDS,
    detail: `fewest seeds at a point: ${fewest}; ${lines.join("; ")}`,
  }];
}

registerSuite(stabilitySuite);
