/**
 * `normbench bench infer`: times one inference cell — a model preset at a batch size on a
 * backend — under every norm variant (composite and fused LayerNorm, folded and unfolded
 * UN/BN, RMSNorm, DyT, PowerNorm, RepBN, the LN model converted to Pre-RMSNorm and Pre-CRMSNorm,
 * no norm), after checking each folded model against its
 * unfolded twin; prints a table or, with `--json`, the cell's result as one JSON object.
 *
 * @module
 */
import type { Command } from "commander";
import { initBackend } from "../backend/backend.ts";
import { benchInfer, checkInferCell, type InferCellResult } from "../bench/infer.ts";
import type { InferenceModelKind } from "../inference/norm_slots.ts";
import { parseVariants, VARIANT_NAMES } from "../inference/variants.ts";
import { benchCommand } from "./bench_command.ts";
import { parseBackend, parseNumber, parsePositiveInt } from "./parse.ts";
import { UsageError } from "../util/errors.ts";
import { parsePlacement } from "../nn/block.ts";

interface BenchInferFlags {
  model: string;
  preset: string;
  placement: string;
  batch: string;
  seq?: string;
  variant: string;
  backend: string;
  warmup: string;
  minRounds: string;
  maxRounds: string;
  budget: string;
  profileRuns: string;
  seed: string;
  json?: boolean;
}

const MODELS: readonly InferenceModelKind[] = ["vit", "encoder", "translator"];

function formatResult(r: InferCellResult): string {
  const head =
    `${r.model}/${r.preset} B=${r.batch} ${r.model === "vit" ? "tokens" : "seq"}=${r.seq} ` +
    `on ${r.backend} (${r.adapter})${
      r.softwareAdapter ? " — software adapter, not a speed claim" : ""
    }; ` +
    `${r.rounds} rounds, ${r.stable ? "medians stable" : "medians NOT stable (time budget)"}`;
  const rows = r.variants.map((v) =>
    [
      v.variant.padEnd(15),
      `${v.ms.toFixed(2)} ms`.padStart(11),
      `[${v.msIqr[0].toFixed(2)}, ${v.msIqr[1].toFixed(2)}]`.padStart(18),
      `${v.samplesPerSec.toFixed(1)}/s`.padStart(10),
      `×${v.speedupVsLn.toFixed(3)} ln`.padStart(10),
      `×${v.speedupVsFused.toFixed(3)} fused`.padStart(13),
      `×${v.speedupVsNone == null ? "—" : v.speedupVsNone.toFixed(3)} none`.padStart(12),
      `peak ${v.peakMb.toFixed(2)} MB`.padStart(15),
      `norm ${v.normShare === null ? "—" : (100 * v.normShare).toFixed(1) + "%"}`.padStart(11),
      `${v.kernels} kernels`.padStart(12),
      v.dispatches == null ? "" : `${v.dispatches} dispatches`,
      v.twinError === null ? "" : `twin ${v.twinError.toExponential(1)}`,
    ].join(" ")
  );
  return [head, ...rows].join("\n");
}

/**
 * Registers `bench infer` below `bench`.
 *
 * @example
 * ```ts
 * import { Command } from "commander";
 * import { registerBenchInfer } from "./bench_infer_command.ts";
 * const program = new Command();
 * registerBenchInfer(program);
 * console.assert(program.commands[0].commands[0].name() === "infer");
 * ```
 */
export function registerBenchInfer(program: Command): void {
  benchCommand(program).command("infer")
    .description(
      "time inference of one model preset at one batch size under every norm variant " +
        "(interleaved rounds, median and IQR, peak memory, norm share of kernel time)",
    )
    .option("--model <name>", "vit | encoder | translator", "vit")
    .option(
      "--preset <name>",
      "small, or a paper-shaped preset (t2t-vit-14, bert-base, iwslt)",
      "small",
    )
    .option("--batch <n>", "samples per batch", "8")
    .option(
      "--seq <n>",
      "tokens per sequence (encoder default 128, translator 32, capped at maxLen)",
    )
    .option(
      "--variant <names>",
      `comma-separated variants or 'all': ${VARIANT_NAMES.join(", ")} (ln, ln-fused, none ` +
        "always run; rms-converted and crms-converted — the ln model converted exactly to " +
        "Pre-RMSNorm and Pre-CRMSNorm — with placement pre only)",
      "all",
    )
    .option("--backend <name>", "auto | webgpu | wasm | cpu", "wasm")
    .option("--warmup <n>", "untimed rounds first", "2")
    .option("--min-rounds <n>", "timed rounds at least", "5")
    .option("--max-rounds <n>", "timed rounds at most", "500")
    .option("--budget <seconds>", "no new round after this much timing", "20")
    .option("--profile-runs <n>", "profiled runs per variant", "3")
    .option("--seed <n>", "seed of weights, norm state, input and shuffles", "0")
    .option(
      "--placement <name>",
      "pre | post | peri | mix (a norm that cannot fold stays an op)",
      "pre",
    )
    .option("--json", "print the cell's result as one JSON object")
    .action(async (opts: BenchInferFlags) => {
      if (!(MODELS as readonly string[]).includes(opts.model)) {
        throw new UsageError(
          `bench infer runs vit, encoder and translator models, got '${opts.model}'`,
          `use one of: ${MODELS.join(", ")}`,
        );
      }
      const budget = parseNumber("--budget", opts.budget);
      if (budget <= 0) throw new UsageError(`--budget must be positive, got '${opts.budget}'`);
      const seed = Number(opts.seed);
      if (!/^\s*\d+\s*$/.test(opts.seed) || !Number.isSafeInteger(seed)) {
        throw new UsageError(`--seed must be a non-negative integer, got '${opts.seed}'`);
      }
      const warmup = Number(opts.warmup);
      if (!/^\s*\d+\s*$/.test(opts.warmup)) {
        throw new UsageError(`--warmup must be a non-negative integer, got '${opts.warmup}'`);
      }
      const placement = parsePlacement(opts.placement);
      const cell = {
        model: opts.model as InferenceModelKind,
        preset: opts.preset,
        placement,
        batch: parsePositiveInt("--batch", opts.batch),
        seq: opts.seq === undefined ? undefined : parsePositiveInt("--seq", opts.seq),
        variants: parseVariants(opts.variant, placement),
        seed,
        profileRuns: parsePositiveInt("--profile-runs", opts.profileRuns),
        measure: {
          warmup,
          minRounds: parsePositiveInt("--min-rounds", opts.minRounds),
          maxRounds: parsePositiveInt("--max-rounds", opts.maxRounds),
          budgetMs: budget * 1000,
          seed,
        },
      };
      checkInferCell(cell);
      const backend = parseBackend(opts.backend);
      await initBackend(backend);
      const result = await benchInfer(cell);
      console.log(opts.json ? JSON.stringify(result) : formatResult(result));
    });
}
