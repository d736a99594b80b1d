/**
 * `normbench reproduce`: run the registered suites and write their reports.
 *
 * @module
 */
import type { Command } from "commander";

/** Registers `reproduce`. */
export function registerReproduce(program: Command): void {
  program.command("reproduce")
    .description("run every registered suite (default profile) and write results/")
    .action(() => {
      console.log("normbench reproduce: no suite is registered yet; nothing to run.");
    });
}
