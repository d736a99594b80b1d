/**
 * What every module's forward receives: the mode and the randomness of this step.
 *
 * @module
 */
import type { SeededRng } from "./rng.ts";

/** The mode of a forward pass. */
export interface ForwardContext {
  /** Training mode: dropout on, batch statistics and state updates in the norms. */
  training: boolean;
  /** Draws dropout masks; required in training mode when any dropout rate is above 0. */
  rng?: SeededRng;
}
