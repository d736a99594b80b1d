/**
 * `normbench backend [--backend NAME]`: start a backend and print its provenance.
 *
 * @module
 */
import type { Command } from "commander";
import { initBackend } from "../backend/backend.ts";
import { parseBackend } from "./parse.ts";

/** Registers `backend`. */
export function registerBackend(program: Command): void {
  program.command("backend")
    .description(
      "start a backend (auto picks WebGPU on a hardware adapter, else wasm) and describe it",
    )
    .option("--backend <name>", "auto | webgpu | wasm | cpu", "auto")
    .action(async (opts: { backend: string }) => {
      const info = await initBackend(parseBackend(opts.backend));
      console.log(JSON.stringify(info, null, 2));
    });
}
