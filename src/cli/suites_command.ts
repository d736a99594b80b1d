/**
 * `normbench suites`: the registered suites, their grids per profile and their claims.
 *
 * @module
 */
import type { Command } from "commander";
import { collect, importModules } from "./parse.ts";
import "../../suites/mod.ts";
import { getSuite, listSuites } from "../suite/registry.ts";
import { PROFILE_NAMES } from "../results/types.ts";

/** Registers `suites`. */
export function registerSuites(program: Command): void {
  program.command("suites")
    .description("list the suites: runs per profile, data sets, claims")
    .option("--import <module>", "a module that registers more suites (repeatable)", collect, [])
    .argument("[names...]", "suites to show (default: all)")
    .action(async (names: string[], opts: { import: string[] }) => {
      await importModules(opts.import);
      const suites = names.length ? names.map(getSuite) : listSuites();
      for (const s of suites) {
        const counts = PROFILE_NAMES.map((p) => {
          if (s.skip?.[p]) return `${p} skipped`;
          const runs = s.runs(p);
          const tuning = runs.filter((r) => r.role === "tune").length;
          return `${p} ${runs.length}${tuning ? ` (${tuning} tuning)` : ""}`;
        }).join(", ");
        console.log(`${s.name.padEnd(11)} ${s.title}`);
        console.log(`            runs: ${counts}; data: ${s.datasets.join(", ") || "none"}`);
        for (const c of s.claims) console.log(`            claim: ${c.claim} (${c.source})`);
      }
    });
}
