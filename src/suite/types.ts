/**
 * What a suite is — a declarative description of one paper table: the grid of runs (each a task
 * module + plain-data input), the data sets it needs, the paper's numbers and the claims to test,
 * the plots to draw. The runner owns scheduling, caching, resume, sharding, progress and files;
 * the report is rebuilt from the suite's results file alone.
 *
 * @module
 */
import type {
  CheckResult,
  ClaimSpec,
  Json,
  Labels,
  PlotSpec,
  ProfileName,
  Reference,
  RunChoice,
  RunRecord,
  Selector,
  TableSpec,
  TaskRef,
} from "../results/types.ts";

/** One run of a suite's grid, fully described by plain data. */
export interface RunSpec {
  /** Unique within the suite, stable across profiles of the same grid, e.g. `un/seed1`. */
  id: string;
  /** Grid coordinates; claims and plots select runs by these. */
  labels: Labels;
  /** The code that performs the run. */
  task: TaskRef;
  /** The task's input (model, recipe, data, seed …); hashed for the cache. */
  input: Json;
  /**
   * Expected seconds of the run on one worker of a 2-core CPU machine (wasm). Shards balance it
   * within a suite; `reproduce` runs every suite's runs together, largest first, and shows one
   * ETA, so it must be comparable across suites: state seconds (calibrate a suite's unit — steps,
   * samples — by its finished runs' time over their units).
   */
  cost: number;
  /** Timing runs: run with nothing else in flight, so neighbours do not disturb the clock. */
  exclusive?: boolean;
  /**
   * `tune`: a tuning run, which only serves to choose a setting on validation data for the runs
   * it decides; it is reported apart and never enters a claim, a table or a plot.
   */
  role?: "tune";
  /**
   * A run whose input is chosen from other runs' results (e.g. the learning rate with the best
   * validation accuracy among tuning runs): the runner finishes `runs` first — they always land
   * in the same shard — then calls `decide` with their records. `input` holds a placeholder.
   */
  decidedBy?: {
    /** Ids of the runs whose records decide the input. */
    runs: string[];
    /** The input, and the choice as it is recorded with the run. */
    decide(records: RunRecord[]): { input: Json; choice: RunChoice };
  };
}

/** A suite: one paper table, described declaratively. */
export interface Suite {
  /** Registry name, e.g. `nmt`. */
  name: string;
  /** Title of its report. */
  title: string;
  /** The paper's setting and ours, in a sentence each. */
  setting: { paper: string; ours: string };
  /** Data sets it needs (prepared before the runs). */
  datasets: string[];
  /** The runs of a profile. */
  runs(profile: ProfileName): RunSpec[];
  /** The claims it tests. */
  claims: ClaimSpec[];
  /** The levels its baselines must reach before claims against them are decided. */
  references?: Reference[];
  /** Its plots. */
  plots: PlotSpec[];
  /** Checks on the finished runs (e.g. UN left its warm-up). */
  checks?(records: RunRecord[], profile: ProfileName): CheckResult[];
  /** Paragraphs for the report: the scaling rule, the recipe, caveats. Markdown. */
  notes(profile: ProfileName): string[];
  /** Profiles that do not run this suite, with the reason (e.g. no claim needs it there). */
  skip?: Partial<Record<ProfileName, string>>;
  /** Columns of the results table: labels to group by and metrics to show. */
  table: TableSpec;
  /** More tables (e.g. one per quantity), each under its own heading. */
  tables?: (TableSpec & { title: string; where?: Selector })[];
}
