/**
 * `normbench golden FILE…`: replay golden vectors and print the error of every field.
 *
 * @module
 */
import type { Command } from "commander";
import { initBackend } from "../backend/backend.ts";
import { readGolden, replayGolden } from "../norms/golden.ts";
import type { GoldenReport } from "../norms/golden_compare.ts";
import { parseBackend } from "./parse.ts";

function formatReport(file: string, r: GoldenReport, backend: string): string {
  const lines = [
    `${r.ok ? "PASS" : "FAIL"} ${file} (${r.norm}, ${r.steps} steps, ${backend}, ${
      r.ms.toFixed(0)
    } ms)`,
  ];
  for (const f of r.fields) {
    lines.push(
      `  ${f.ok ? "ok  " : "FAIL"} ${f.field.padEnd(16)} n=${String(f.count).padEnd(6)} ` +
        `max abs ${f.maxAbs.toExponential(2)}  max rel ${f.maxRel.toExponential(2)}` +
        (f.ok ? "" : `  worst at ${f.at}`),
    );
  }
  return lines.join("\n");
}

/** Registers `golden`. */
export function registerGolden(program: Command): void {
  program.command("golden")
    .description(
      "replay golden vectors (UN, PowerNorm, EvoNorm-B0/S0, BCN, WS, CRMSNorm, σReparam) and " +
        "report the error of every field",
    )
    .argument("<files...>", "golden *.json files (formats: test/fixtures/golden/**/README.md)")
    .option("--backend <name>", "auto | webgpu | wasm | cpu", "auto")
    .option("--json", "print the reports as JSON")
    .action(async (files: string[], opts: { backend: string; json?: boolean }) => {
      const choice = parseBackend(opts.backend);
      const goldens = [];
      for (const file of files) goldens.push(await readGolden(file)); // validate all first
      const info = await initBackend(choice);
      const reports: (GoldenReport & { file: string; backend: string })[] = [];
      for (const [i, golden] of goldens.entries()) {
        const report = await replayGolden(golden);
        reports.push({ file: files[i], backend: info.name, ...report });
        if (!opts.json) console.log(formatReport(files[i], report, info.name));
      }
      if (opts.json) console.log(JSON.stringify({ backend: info, reports }, null, 2));
      const failed = reports.filter((r) => !r.ok).length;
      if (!opts.json) console.log(`${reports.length - failed} passed, ${failed} failed`);
      if (failed) Deno.exitCode = 1;
    });
}
