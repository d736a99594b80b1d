/**
 * `normbench bench <what>`: benchmarks. `bench train` times training updates of model presets
 * and compares their effective FLOP/s with the backend's plain matmul FLOP/s.
 *
 * @module
 */
import type { Command } from "commander";
import { type BackendInfo, initBackend } from "../backend/backend.ts";
import { parseNormSpec } from "../norms/registry.ts";
import { parsePlacement } from "../nn/block.ts";
import { parseModelKind, PRESETS } from "../models/presets.ts";
import { benchTrain, type BenchTrainRow } from "../bench/train.ts";
import { benchPool } from "../bench/pool.ts";
import { WorkerPool } from "../runner/pool.ts";
import { parseBackend, parseList, parsePositiveInt } from "./parse.ts";
import { UsageError } from "../util/errors.ts";
import { checkOutputDir, outputDir, parseIntFlag } from "../util/validate.ts";
import { resultsRoot } from "../results/layout.ts";
import { collectProvenance } from "../runner/provenance.ts";
import { writeFileAtomic } from "../util/fs.ts";

interface BenchTrainFlags {
  model: string;
  preset: string;
  norm: string;
  placement: string;
  backend: string;
  batch?: string;
  seq?: string;
  warmup: string;
  repeats: string;
  diagnostics?: string;
  profile?: boolean;
  json?: boolean;
  save?: string;
}

function formatRow(r: BenchTrainRow): string {
  return [
    `${r.model}/${r.preset}`.padEnd(18),
    r.norm.padEnd(6),
    r.placement.padEnd(5),
    `B=${r.batch}`.padEnd(6),
    `${(r.flopsPerStep / 1e9).toFixed(2)} GFLOP`.padStart(11),
    `${r.msPerStep.toFixed(1)} ms`.padStart(10),
    `${r.samplesPerSec.toFixed(0)} samples/s`.padStart(15),
    `${r.effectiveGflops.toFixed(1)} GFLOP/s`.padStart(14),
    `${r.reference} ${r.matmulGflops.toFixed(1)}`.padStart(12),
    `ratio ${r.ratio.toFixed(2)}`,
    `${r.kernelsPerUpdate} kernels/update`,
    ...(r.dispatchesPerUpdate === null ? [] : [`${r.dispatchesPerUpdate} GPU dispatches/update`]),
    ...(r.diagnostics
      ? [
        `diagnostics every ${r.diagnostics.every}: ${r.diagnostics.msDiagnostic.toFixed(1)} ms, ` +
        `+${(100 * r.diagnostics.overhead).toFixed(1)}% per update`,
      ]
      : []),
  ].join("  ");
}

/** The breakdown of one update, indented under its row. */
function formatProfile(p: NonNullable<BenchTrainRow["profile"]>): string {
  const kernels = p.kernels.map((k) =>
    `    ${k.name.padEnd(32)} ${String(k.count).padStart(5)} × ${k.ms.toFixed(2).padStart(9)} ms`
  );
  const dispatches = p.dispatches
    ? Object.entries(p.dispatches).map(([name, n]) => `    ${name.padEnd(32)} ${n}`)
    : [];
  return [
    "  kernels (name, count, summed kernel ms):",
    ...kernels,
    ...(dispatches.length ? ["  GPU dispatches by WGSL program:", ...dispatches] : []),
  ].join("\n");
}

/**
 * The `bench` parent command, created on first use: `bench train` hangs below it, and other
 * benchmarks (`bench infer`, …) register themselves the same way from their own modules.
 *
 * @example
 * ```ts
 * import { Command } from "commander";
 * import { benchCommand } from "./bench_command.ts";
 * const program = new Command();
 * console.assert(benchCommand(program) === benchCommand(program));
 * ```
 */
export function benchCommand(program: Command): Command {
  const existing = program.commands.find((c) => c.name() === "bench");
  if (existing) return existing;
  return program.command("bench")
    .description("benchmarks: bench train (training updates of model presets), …")
    .action(() => {
      const names = program.commands.find((c) => c.name() === "bench")!.commands
        .map((c) => `bench ${c.name()}`).join(", ");
      throw new UsageError("bench needs a benchmark to run", `use one of: ${names}`);
    });
}

/** Registers `bench train` (creating `bench` if needed). */
export function registerBench(program: Command): void {
  benchCommand(program).command("train")
    .description(
      "time training updates (median after warm-up) and compare effective FLOP/s with the " +
        "backend's plain matmul FLOP/s at the model's own shapes",
    )
    .option("--model <names>", "comma-separated: vit, encoder, translator, lm", "vit,encoder")
    .option("--preset <name>", "model preset (tiny, small, or a paper-shaped one)", "small")
    .option("--norm <names>", "comma-separated norms", "ln,un")
    .option("--placement <name>", "pre | post | peri | mix", "pre")
    .option("--backend <name>", "auto | webgpu | wasm | cpu", "wasm")
    .option("--batch <n>", "batch size (default: 64 for vit, 32 otherwise)")
    .option("--seq <n>", "tokens per sequence for text models")
    .option("--warmup <n>", "untimed updates first", "5")
    .option("--repeats <n>", "timed updates", "20")
    .option(
      "--diagnostics <k>",
      "also time updates that record per-layer diagnostics (alternating with plain ones) and " +
        "report their cost amortized over k updates",
    )
    .option(
      "--profile",
      "also break one update down: tfjs kernels by name (count, kernel ms) and, on WebGPU, GPU " +
        "dispatches by WGSL program",
    )
    .option("--json", "print one JSON object per configuration")
    .option(
      "--save <dir>",
      "also write the rows with their provenance to <dir>/bench/train-<time>.json (a hardware " +
        "WebGPU adapter's under <dir>/webgpu/<adapter>/bench/)",
    )
    .action(async (opts: BenchTrainFlags) => {
      const models = parseList(opts.model, parseModelKind);
      const norms = parseList(opts.norm, (n) => parseNormSpec(n) && n);
      const placement = parsePlacement(opts.placement);
      for (const m of models) {
        if (!Object.hasOwn(PRESETS[m], opts.preset)) {
          throw new UsageError(
            `unknown preset '${opts.preset}' for model '${m}'`,
            `use one of: ${Object.keys(PRESETS[m]).join(", ")}`,
          );
        }
      }
      const batch = opts.batch === undefined ? undefined : parsePositiveInt("--batch", opts.batch);
      const seq = opts.seq === undefined ? undefined : parsePositiveInt("--seq", opts.seq);
      const warmup = parseIntFlag("--warmup", opts.warmup, { min: 0 });
      const repeats = parsePositiveInt("--repeats", opts.repeats);
      const diagnostics = opts.diagnostics === undefined
        ? undefined
        : parsePositiveInt("--diagnostics", opts.diagnostics);
      if (models.length === 0 || norms.length === 0) {
        throw new UsageError("--model and --norm need at least one name");
      }
      if (opts.save !== undefined) await checkOutputDir("--save", opts.save);
      const info = await initBackend(parseBackend(opts.backend));
      const rows: BenchTrainRow[] = [];
      if (!opts.json) {
        console.log(`backend ${info.name} (${info.adapter}), ${info.cores} cores, ${info.cpu}`);
      }
      for (const model of models) {
        for (const norm of norms) {
          const row = await benchTrain({
            model,
            preset: opts.preset,
            norm,
            placement,
            batch,
            seq,
            warmup,
            repeats,
            diagnostics,
            profile: opts.profile,
          });
          console.log(opts.json ? JSON.stringify(row) : formatRow(row));
          if (!opts.json && row.profile) console.log(formatProfile(row.profile));
          rows.push(row);
        }
      }
      if (opts.save !== undefined) {
        const path = await saveTrainSummary(opts.save, rows, info);
        console.error(`normbench: wrote ${path}`);
      }
    });
}

/**
 * Writes `bench train` rows with their provenance as `<root>/bench/train-<time>.json`, the root
 * being `dir` or, on a hardware WebGPU adapter, `dir/webgpu/<adapter>` (see `resultsRoot`): a
 * GPU's numbers never land over the CPU's. Each row keeps its ratio to LN of the same model
 * (`vsLn`: ms per update over LN's), when LN was measured.
 */
async function saveTrainSummary(
  dir: string,
  rows: BenchTrainRow[],
  info: BackendInfo,
): Promise<string> {
  const adapter = info.name === "webgpu"
    ? { description: info.adapter, fallback: info.fallbackAdapter }
    : null;
  const root = resultsRoot(dir, { adapter, usesWebGpu: info.name === "webgpu" });
  const ln = new Map(
    rows.filter((r) => r.norm === "ln").map((r) => [`${r.model}/${r.preset}`, r.msPerStep]),
  );
  const summary = {
    format: "normbench-bench-train/1",
    provenance: await collectProvenance(info),
    rows: rows.map((r) => {
      const base = ln.get(`${r.model}/${r.preset}`);
      return { ...r, vsLn: base ? r.msPerStep / base : null };
    }),
  };
  const stamp = new Date().toISOString().replace(/[-:]/g, "").replace(/\..*/, "");
  await outputDir("--save", `${root}/bench`);
  const path = `${root}/bench/train-${stamp}.json`;
  await writeFileAtomic(path, JSON.stringify(summary, null, 1) + "\n");
  return path;
}

interface BenchPoolFlags {
  runs?: string;
  workers?: string;
  steps: string;
  preset: string;
  backend: string;
  json?: boolean;
}

/** Registers `bench pool` (creating `bench` if needed). */
export function registerBenchPool(program: Command): void {
  benchCommand(program).command("pool")
    .description(
      "wall time of N training runs on one worker and on the worker pool, next to how well raw " +
        "busy workers scale on this machine right now",
    )
    .option("--runs <n>", "training runs (default: twice the workers)")
    .option("--workers <n>", "workers of the pool (default: the logical cores)")
    .option("--steps <n>", "training updates per run", "12")
    .option("--preset <name>", "LM preset each run trains", "small")
    .option("--backend <name>", "auto | webgpu | wasm | cpu", "wasm")
    .option("--json", "print the result as one JSON object")
    .action(async (opts: BenchPoolFlags) => {
      const workers = opts.workers === undefined
        ? undefined
        : parsePositiveInt("--workers", opts.workers);
      const runs = opts.runs === undefined ? undefined : parsePositiveInt("--runs", opts.runs);
      const steps = parsePositiveInt("--steps", opts.steps);
      if (!Object.hasOwn(PRESETS.lm, opts.preset)) {
        throw new UsageError(
          `unknown preset '${opts.preset}' for model 'lm'`,
          `use one of: ${Object.keys(PRESETS.lm).join(", ")}`,
        );
      }
      const r = await benchPool({
        runs,
        workers,
        steps,
        preset: opts.preset,
        backend: parseBackend(opts.backend),
        pool: (size, backend) => new WorkerPool({ size, backend }),
      });
      if (opts.json) {
        console.log(JSON.stringify(r));
        return;
      }
      console.log(
        `${r.runs} runs of ${r.steps} updates (lm/${r.preset}, ${r.backend}): 1 worker ` +
          `${(r.serialMs / 1000).toFixed(1)} s, ${r.workers} workers ` +
          `${(r.parallelMs / 1000).toFixed(1)} s — ratio ${r.ratio.toFixed(2)} ` +
          `(raw busy workers ${r.machineRatio.toFixed(2)}, perfect ${
            (1 / r.workers).toFixed(2)
          }); ` +
          `losses ${r.identical ? "identical" : "DIFFER"} across workers`,
      );
    });
}
