/**
 * The King James Version ↔ Reina-Valera 1909 parallel corpus: both SWORD modules share the KJV
 * versification (32,361 slots), so slot k of one aligns with slot k of the other.
 *
 * @module
 */
import { dirname } from "node:path";
import { packStrings, unpackStrings } from "../cache/bundle.ts";
import { cachedBundle } from "../cache/decoded_cache.ts";
import { type DataOptions, resolveDataOptions } from "../provision/options.ts";
import { provideDataset } from "../provision/provision.ts";
import { classifySlots, osisToText, readZText } from "./sword.ts";

/** One verse in both languages. */
export interface VersePair {
  /** OSIS reference, e.g. `Gen.1.1`. */
  readonly ref: string;
  /** English (KJV). */
  readonly en: string;
  /** Spanish (RV1909). */
  readonly es: string;
}

/** Counts documented in the spec, measured while decoding. */
export interface BibleCounts {
  /** Verse slots per module (both testaments). */
  readonly slots: number;
  /** Slots non-empty on both sides after stripping tags, headings included (31,150). */
  readonly nonEmptySlotPairs: number;
  /** Slots that are verses (not module/testament/book/chapter headings). */
  readonly verseSlots: number;
  /** Verse slots non-empty on both sides: the corpus (31,084). */
  readonly versePairs: number;
  /** Verse slots with text on one side only (dropped). */
  readonly oneSided: number;
}

/** The aligned corpus. */
export interface BibleCorpus {
  /** Verse pairs in canonical order, headings and one-sided verses dropped. */
  readonly pairs: readonly VersePair[];
  /** Counts before and after filtering. */
  readonly counts: BibleCounts;
}

async function readModule(dir: string): Promise<{ ot: string[]; nt: string[] }> {
  return { ot: await readZText(dir, "ot"), nt: await readZText(dir, "nt") };
}

async function decodeBible(kjvDir: string, rvDir: string) {
  const [k, v] = await Promise.all([readModule(kjvDir), readModule(rvDir)]);
  const kjv = [...k.ot, ...k.nt];
  const rv = [...v.ot, ...v.nt];
  if (kjv.length !== rv.length) {
    throw new Error(`slot counts differ: ${kjv.length} vs ${rv.length}`);
  }
  const info = [...classifySlots(k.ot), ...classifySlots(k.nt)];
  const refs: string[] = [];
  const en: string[] = [];
  const es: string[] = [];
  let nonEmptySlotPairs = 0;
  let verseSlots = 0;
  let oneSided = 0;
  for (let i = 0; i < kjv.length; i++) {
    const a = osisToText(kjv[i]);
    const b = osisToText(rv[i]);
    if (a && b) nonEmptySlotPairs++;
    if (info[i].kind !== "verse") continue;
    verseSlots++;
    if (a && b) {
      refs.push(info[i].ref);
      en.push(a);
      es.push(b);
    } else if (a || b) {
      oneSided++;
    }
  }
  const counts: BibleCounts = {
    slots: kjv.length,
    nonEmptySlotPairs,
    verseSlots,
    versePairs: refs.length,
    oneSided,
  };
  const r = packStrings(refs);
  const e = packStrings(en);
  const s = packStrings(es);
  return {
    meta: { counts },
    columns: {
      refs: r.bytes,
      refEnds: r.ends,
      en: e.bytes,
      enEnds: e.ends,
      es: s.bytes,
      esEnds: s.ends,
    },
  };
}

/**
 * Loads the verse-aligned KJV ↔ RV1909 corpus (provisioning it on first use; the decoded text is
 * cached).
 *
 * @example
 * ```ts ignore
 * import { loadBible } from "@normbench/normbench";
 * const { pairs, counts } = await loadBible();
 * console.log(counts.nonEmptySlotPairs, pairs[0].ref, pairs[0].es); // 31150 Gen.1.1 EN el principio …
 * ```
 */
export async function loadBible(options: DataOptions = {}): Promise<BibleCorpus> {
  const opts = resolveDataOptions(options);
  const data = await provideDataset("bible", opts);
  const kjvDir = dirname(data.paths[data.spec.files.findIndex((f) => f.path.startsWith("engKJV"))]);
  const rvDir = dirname(data.paths[data.spec.files.findIndex((f) => f.path.startsWith("spaRV"))]);
  const bundle = await cachedBundle(
    data.spec,
    "sword-1",
    opts.cacheDir,
    () => decodeBible(kjvDir, rvDir),
  );
  const c = bundle.columns as Record<string, Uint8Array & Uint32Array>;
  const refs = unpackStrings(c.refs, c.refEnds);
  const en = unpackStrings(c.en, c.enEnds);
  const es = unpackStrings(c.es, c.esEnds);
  const pairs = refs.map((ref, i) => ({ ref, en: en[i], es: es[i] }));
  return { pairs, counts: bundle.meta.counts as BibleCounts };
}
