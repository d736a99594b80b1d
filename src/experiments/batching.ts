/**
 * Turning epoch-wise batch lists into the step-indexed batches the training loop asks for.
 *
 * @module
 */

/**
 * A batch source indexed by training step (1-based): the batches of epoch 0, then of epoch 1, …,
 * where `epochBatches(e)` builds (deterministically) the batches of epoch e — their number may
 * differ between epochs. Only one epoch's batches are kept. The batch of a step depends on the
 * step alone, as exact resumption requires.
 *
 * @example
 * ```ts
 * import { stepBatches } from "@normbench/normbench";
 * const at = stepBatches((e) => e === 0 ? ["a", "b"] : ["c", "d", "e"]);
 * console.assert(at(1) === "a" && at(3) === "c" && at(6) === "c");
 * ```
 */
export function stepBatches<T>(epochBatches: (epoch: number) => T[]): (step: number) => T {
  const starts: number[] = [0]; // starts[e] = steps before epoch e
  let current = -1;
  let batches: T[] = [];
  const load = (e: number) => {
    if (e !== current) {
      batches = epochBatches(e);
      if (batches.length === 0) {
        throw new Error("an epoch has no batches: the data set is too small");
      }
      current = e;
    }
    return batches;
  };
  return (step: number) => {
    const index = step - 1;
    let e = 0;
    while (true) {
      if (starts.length <= e + 1) starts.push(starts[e] + load(e).length);
      if (index < starts[e + 1]) break;
      e++;
    }
    return load(e)[index - starts[e]];
  };
}
