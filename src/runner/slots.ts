/**
 * Slots: who runs next when several suites share one executor.
 *
 * @module
 */

interface Waiter {
  cost: number;
  exclusive: boolean;
  order: number;
  grant: () => void;
}

/**
 * Hands out an executor's slots to runs from any number of suites: an `exclusive` run (a timing
 * run) gets every slot — it starts only when nothing else runs, and nothing starts beside it —
 * and waits ahead of the others; the rest start largest cost first (the longest runs do not end
 * up alone at the end), ties in the order they asked. Grants are decided after the current
 * task's synchronous code (a microtask later), so runs that several suites ask for in one go
 * compete on equal terms, and a timing run asked for at the start never waits behind a long run
 * that happened to ask first.
 *
 * @example
 * ```ts
 * import { SlotScheduler } from "@normbench/normbench";
 * const slots = new SlotScheduler(2);
 * const order: string[] = [];
 * const job = async (name: string, cost: number, exclusive = false) => {
 *   const release = await slots.acquire(cost, exclusive);
 *   order.push(name);
 *   await new Promise((r) => setTimeout(r, 5));
 *   release();
 * };
 * await Promise.all([job("small", 1), job("large", 9), job("timing", 5, true)]);
 * console.assert(order.join(",") === "timing,large,small");
 * ```
 */
export class SlotScheduler {
  /** How many runs may run at once. */
  readonly slots: number;
  #busy = 0;
  #exclusiveRunning = false;
  #waiting: Waiter[] = [];
  #order = 0;
  #dispatchQueued = false;

  /** `slots`: how many runs may run at once (at least 1). */
  constructor(slots: number) {
    this.slots = Math.max(1, Math.floor(slots));
  }

  /**
   * Waits for a slot (every slot when `exclusive`); resolves to the function that gives it back.
   * Call that function exactly once, when the run has finished (or failed).
   */
  acquire(cost: number, exclusive = false): Promise<() => void> {
    return new Promise((resolve) => {
      const waiter: Waiter = {
        cost,
        exclusive,
        order: this.#order++,
        grant: () => {
          let released = false;
          resolve(() => {
            if (released) return;
            released = true;
            if (exclusive) this.#exclusiveRunning = false;
            else this.#busy--;
            this.#queueDispatch();
          });
        },
      };
      this.#waiting.push(waiter);
      this.#queueDispatch();
    });
  }

  /** Runs in flight now (an exclusive run counts as every slot). */
  get busy(): number {
    return this.#exclusiveRunning ? this.slots : this.#busy;
  }

  #queueDispatch(): void {
    if (this.#dispatchQueued) return;
    this.#dispatchQueued = true;
    queueMicrotask(() => {
      this.#dispatchQueued = false;
      this.#dispatch();
    });
  }

  #dispatch(): void {
    if (this.#exclusiveRunning) return;
    const exclusive = this.#waiting.filter((w) => w.exclusive);
    if (exclusive.length) {
      // Nothing new starts while a timing run waits; it starts once the slots have drained.
      if (this.#busy > 0) return;
      const next = exclusive.reduce((a, b) => (b.order < a.order ? b : a));
      this.#waiting.splice(this.#waiting.indexOf(next), 1);
      this.#exclusiveRunning = true;
      next.grant();
      return;
    }
    this.#waiting.sort((a, b) => b.cost - a.cost || a.order - b.order);
    while (this.#busy < this.slots && this.#waiting.length) {
      this.#busy++;
      this.#waiting.shift()!.grant();
    }
  }
}
