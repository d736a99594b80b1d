/**
 * Progress of a suite: an overall bar with ETA plus one bar per run in flight.
 *
 * @module
 */
import cliProgress from "cli-progress";

/** Receives the runner's progress events. */
export interface ProgressView {
  /** A suite starts: `runs` runs to do (of `total` in the grid), `cost` their summed cost. */
  start(suite: string, runs: number, cached: number, cost: number): void;
  /** A run starts. */
  runStarted(id: string): void;
  /** A run reports progress (`done` of `total` steps); `fraction` of its cost is done. */
  runProgress(id: string, done: number, total: number): void;
  /** A run finished (or failed). */
  runFinished(id: string, failed: boolean): void;
  /** The suite is done. */
  stop(): void;
}

/**
 * A progress view that shows nothing (tests, `--quiet`).
 *
 * @example
 * ```ts
 * import { silentProgress } from "@normbench/normbench";
 * silentProgress.start("nmt", 1, 0, 1);
 * ```
 */
export const silentProgress: ProgressView = {
  start() {},
  runStarted() {},
  runProgress() {},
  runFinished() {},
  stop() {},
};

/**
 * The view of one suite inside a call that runs several suites with one display: run ids become
 * `<suite>/<id>`, and the suite's own start and stop are left to the call's display.
 *
 * @example
 * ```ts
 * import { LineProgress, suiteProgress } from "@normbench/normbench";
 * const lines: string[] = [];
 * const call = new LineProgress(new Map([["vit/a", 1], ["nmt/b", 1]]), { print: (l) => lines.push(l) });
 * call.start("2 suites", 2, 0, 2);
 * const vit = suiteProgress(call, "vit");
 * vit.start("vit", 1, 0, 1);
 * vit.runStarted("a");
 * vit.runFinished("a", false);
 * call.stop();
 * console.assert(lines.at(-1)!.includes("1/2 runs done") && lines.at(-1)!.includes("50% of the work"));
 * ```
 */
export function suiteProgress(call: ProgressView, suite: string): ProgressView {
  return {
    start() {},
    runStarted: (id) => call.runStarted(`${suite}/${id}`),
    runProgress: (id, done, total) => call.runProgress(`${suite}/${id}`, done, total),
    runFinished: (id, failed) => call.runFinished(`${suite}/${id}`, failed),
    stop() {},
  };
}

/**
 * Bars on stderr: the suite's cost-weighted overall progress with ETA, and a bar per run in
 * flight. Without a terminal (CI logs) it prints a status line every 15 s instead of redrawing.
 *
 * @example
 * ```ts
 * import { BarProgress } from "@normbench/normbench";
 * const view = new BarProgress(new Map([["a", 10], ["b", 30]]));
 * view.start("mine", 2, 0, 40);
 * view.runStarted("a");
 * view.runProgress("a", 5, 10);
 * view.runFinished("a", false);
 * view.stop();
 * ```
 */
export class BarProgress implements ProgressView {
  readonly #costs: Map<string, number>;
  readonly #multi: cliProgress.MultiBar;
  #overall?: cliProgress.SingleBar;
  readonly #bars = new Map<string, cliProgress.SingleBar>();
  readonly #partial = new Map<string, number>();
  #finishedCost = 0;

  /** `costs`: each run id's cost, for weighting the overall bar. */
  constructor(costs: Map<string, number>) {
    this.#costs = costs;
    this.#multi = new cliProgress.MultiBar({
      format: "{label} |{bar}| {percentage}% | {info}",
      barCompleteChar: "█",
      barIncompleteChar: "░",
      hideCursor: true,
      clearOnComplete: false,
      noTTYOutput: true,
      notTTYSchedule: 15000,
      etaBuffer: 50,
      fps: 5,
    });
  }

  start(suite: string, runs: number, cached: number, cost: number): void {
    this.#overall = this.#multi.create(Math.max(cost, 1e-9), 0, {
      label: suite.padEnd(24).slice(0, 24),
      info: `0/${runs} runs (${cached} cached) | ETA …`,
    });
    this.#runs = runs;
    this.#cached = cached;
  }
  #runs = 0;
  #cached = 0;
  #done = 0;

  runStarted(id: string): void {
    const bar = this.#multi.create(1, 0, {
      label: `  ${id}`.padEnd(24).slice(0, 24),
      info: "starting",
    });
    this.#bars.set(id, bar);
  }

  runProgress(id: string, done: number, total: number): void {
    const bar = this.#bars.get(id);
    if (!bar) return;
    bar.setTotal(Math.max(total, 1));
    bar.update(done, { info: `${done}/${total}` });
    this.#partial.set(id, total > 0 ? done / total : 0);
    this.#refresh();
  }

  runFinished(id: string, failed: boolean): void {
    const bar = this.#bars.get(id);
    if (bar) {
      bar.update(bar.getTotal(), { info: failed ? "FAILED" : "done" });
      this.#multi.remove(bar);
      this.#bars.delete(id);
    }
    this.#partial.delete(id);
    this.#finishedCost += this.#costs.get(id) ?? 0;
    this.#done++;
    this.#refresh();
  }

  #refresh(): void {
    if (!this.#overall) return;
    let value = this.#finishedCost;
    for (const [id, fraction] of this.#partial) value += fraction * (this.#costs.get(id) ?? 0);
    const eta = this.#overall.getTotal() > 0 ? this.#eta(value) : "";
    this.#overall.update(value, {
      info: `${this.#done}/${this.#runs} runs (${this.#cached} cached) | ETA ${eta}`,
    });
  }

  #startedAt = performance.now();
  #eta(value: number): string {
    const total = this.#overall!.getTotal();
    const elapsed = (performance.now() - this.#startedAt) / 1000;
    if (value <= 0) return "…";
    return formatDuration(Math.max(0, (elapsed * (total - value)) / value));
  }

  stop(): void {
    this.#multi.stop();
  }
}

/**
 * Progress as plain lines, at most one every `everyMs` (default 30 s) plus one when a suite
 * starts and stops: what `--quiet` and logs get — never silence during a long run.
 *
 * @example
 * ```ts
 * import { LineProgress } from "@normbench/normbench";
 * const lines: string[] = [];
 * const p = new LineProgress(new Map([["a", 1], ["b", 3]]), { print: (l) => lines.push(l) });
 * p.start("toy", 2, 0, 4);
 * p.runStarted("a");
 * p.runFinished("a", false);
 * p.stop();
 * console.assert(lines[0].startsWith("normbench: toy: 0/2 runs") && lines.at(-1)!.includes("1/2"));
 * ```
 */
export class LineProgress implements ProgressView {
  readonly #costs: Map<string, number>;
  readonly #print: (line: string) => void;
  readonly #everyMs: number;
  readonly #partial = new Map<string, number>();
  #suite = "";
  #runs = 0;
  #cached = 0;
  #done = 0;
  #total = 0;
  #finishedCost = 0;
  #startedAt = 0;
  #lastAt = 0;
  #timer: ReturnType<typeof setInterval> | undefined;

  /** `costs`: each run id's cost, for weighting the share of the work done. */
  constructor(
    costs: Map<string, number>,
    options: { print?: (line: string) => void; everyMs?: number } = {},
  ) {
    this.#costs = costs;
    this.#print = options.print ?? ((line) => console.error(line));
    this.#everyMs = options.everyMs ?? 30_000;
  }

  start(suite: string, runs: number, cached: number, cost: number): void {
    this.#suite = suite;
    this.#runs = runs;
    this.#cached = cached;
    this.#total = cost;
    this.#startedAt = performance.now();
    this.#line();
    // A heartbeat even when no run reports for a while (slow steps, long evaluations).
    const timer = setInterval(() => this.#line(), this.#everyMs);
    Deno.unrefTimer(timer);
    this.#timer = timer;
  }

  runStarted(_id: string): void {}

  runProgress(id: string, done: number, total: number): void {
    this.#partial.set(id, total > 0 ? done / total : 0);
    if (performance.now() - this.#lastAt >= this.#everyMs) this.#line();
  }

  runFinished(id: string, _failed: boolean): void {
    this.#partial.delete(id);
    this.#finishedCost += this.#costs.get(id) ?? 0;
    this.#done++;
    if (performance.now() - this.#lastAt >= this.#everyMs) this.#line();
  }

  stop(): void {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#line();
  }

  #line(): void {
    this.#lastAt = performance.now();
    let value = this.#finishedCost;
    for (const [id, f] of this.#partial) value += f * (this.#costs.get(id) ?? 0);
    const share = this.#total > 0 ? Math.min(1, value / this.#total) : 1;
    const elapsed = (performance.now() - this.#startedAt) / 1000;
    const eta = share > 0 && share < 1
      ? ` ETA ${formatDuration(elapsed * (1 - share) / share)},`
      : "";
    this.#print(
      `normbench: ${this.#suite}: ${this.#done}/${this.#runs} runs done (${this.#cached} cached), ` +
        `${(100 * share).toFixed(0)}% of the work,${eta} ${formatDuration(elapsed)} elapsed`,
    );
  }
}

/**
 * Seconds as `1h02m`, `3m05s` or `42s`.
 *
 * @example
 * ```ts
 * import { formatDuration } from "@normbench/normbench";
 * console.assert(formatDuration(3725) === "1h02m" && formatDuration(185) === "3m05s");
 * ```
 */
export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  if (h > 0) return `${h}h${String(m).padStart(2, "0")}m`;
  return m > 0 ? `${m}m${String(s % 60).padStart(2, "0")}s` : `${s}s`;
}
