/**
 * The built-in suites, one per paper table, registered by name in the order `reproduce` runs
 * them. Import this module (or a single suite's) to register them; `registerSuite` adds yours.
 *
 * @example
 * ```ts
 * import { listSuites } from "@normbench/normbench";
 * console.log(listSuites().map((s) => s.name));
 * ```
 *
 * @module
 */
export { nmtSuite } from "./nmt.ts";
export { vitSuite } from "./vit.ts";
export { bertSuite } from "./bert.ts";
export { lmSuite } from "./lm.ts";
export { stabilitySuite } from "./stability.ts";
export { ablationSuite } from "./ablation.ts";
export { statisticsSuite } from "./statistics.ts";
export { microbatchSuite } from "./microbatch.ts";
export { depthSuite } from "./depth.ts";
export { efficiencySuite } from "./efficiency.ts";
export {
  type Candidate,
  type ClaimText,
  lrGrid,
  type Metric,
  type Side,
  trainingPlots,
  type TunedArm,
  tunedGrid,
  versus,
} from "./common.ts";
