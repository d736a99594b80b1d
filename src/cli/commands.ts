/**
 * The list of CLI commands. Each entry registers one command (with its options and action) on
 * the program; add a command by adding its module here.
 *
 * @module
 */
import type { Command } from "commander";
import { registerBackend } from "./backend_command.ts";
import { registerBench, registerBenchPool } from "./bench_command.ts";
import { registerBenchInfer } from "./bench_infer_command.ts";
import { registerBleu } from "./bleu_command.ts";
import { registerData } from "./data_command.ts";
import { registerGolden } from "./golden_command.ts";
import { registerMerge } from "./merge_command.ts";
import { registerNorms } from "./norms_command.ts";
import { registerReport } from "./report_command.ts";
import { registerReproduce } from "./reproduce_command.ts";
import { registerSuites } from "./suites_command.ts";

/** Registers one command on the program. */
export type RegisterCommand = (program: Command) => void;

/** Every command of `normbench`, in the order `--help` lists them. */
export const COMMANDS: readonly RegisterCommand[] = [
  registerReproduce,
  registerSuites,
  registerReport,
  registerMerge,
  registerBackend,
  registerNorms,
  registerGolden,
  registerData,
  registerBleu,
  registerBench,
  registerBenchInfer,
  registerBenchPool,
];
