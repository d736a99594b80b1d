/**
 * UCI Sentiment Labelled Sentences (Kotzias et al. 2015, CC BY 4.0): 1000 sentences each from
 * Amazon, IMDb and Yelp reviews, labelled 0 (negative) or 1 (positive), as shipped in the test
 * fixtures of npm `sentiment@5.0.2`.
 *
 * @module
 */
import { packStrings, unpackStrings } from "../cache/bundle.ts";
import { cachedBundle } from "../cache/decoded_cache.ts";
import { type DataOptions, resolveDataOptions } from "../provision/options.ts";
import { provideDataset } from "../provision/provision.ts";

/**
 * The three review sources, in file order.
 *
 * @example
 * ```ts
 * import { SENTIMENT_SOURCES } from "@normbench/normbench";
 * console.assert(SENTIMENT_SOURCES.join() === "amazon,imdb,yelp");
 * ```
 */
export const SENTIMENT_SOURCES: readonly string[] = ["amazon", "imdb", "yelp"];

/** One labelled sentence. */
export interface LabelledSentence {
  /** The sentence (trimmed). */
  readonly text: string;
  /** 0 negative, 1 positive. */
  readonly label: number;
  /** `amazon`, `imdb` or `yelp`. */
  readonly source: string;
}

/**
 * Parses one fixture file: a JSON array of `{text, class}`. The trailing entry
 * `{"text":"","class":null}` is dropped; any other malformed entry is an error.
 *
 * @example
 * ```ts
 * import { parseSentimentJson } from "@normbench/normbench";
 * const rows = parseSentimentJson('[{"text":"Good.","class":1},{"text":"","class":null}]', "yelp");
 * console.assert(rows.length === 1 && rows[0].label === 1);
 * ```
 */
export function parseSentimentJson(json: string, source: string): LabelledSentence[] {
  const rows = JSON.parse(json) as { text?: unknown; class?: unknown }[];
  if (!Array.isArray(rows)) throw new Error(`${source}: not a JSON array`);
  const last = rows.at(-1);
  if (last && last.text === "" && last.class === null) rows.pop();
  return rows.map((row, i) => {
    if (typeof row.text !== "string" || !row.text.trim() || (row.class !== 0 && row.class !== 1)) {
      throw new Error(`${source}: entry ${i} is not {text, class: 0|1}`);
    }
    return { text: row.text.trim(), label: row.class, source };
  });
}

/**
 * Loads the 3000 labelled sentences (provisioning them on first use).
 *
 * @example
 * ```ts ignore
 * import { loadSentiment } from "@normbench/normbench";
 * const rows = await loadSentiment();
 * console.log(rows.length, rows[0]); // 3000 { text: "So there is no way …", label: 0, source: "amazon" }
 * ```
 */
export async function loadSentiment(options: DataOptions = {}): Promise<LabelledSentence[]> {
  const opts = resolveDataOptions(options);
  const data = await provideDataset("sentiment", opts);
  const bundle = await cachedBundle(data.spec, "json-1", opts.cacheDir, async () => {
    const rows: LabelledSentence[] = [];
    for (const [i, path] of data.paths.entries()) {
      rows.push(...parseSentimentJson(await Deno.readTextFile(path), SENTIMENT_SOURCES[i]));
    }
    const texts = packStrings(rows.map((r) => r.text));
    return {
      meta: { count: rows.length },
      columns: {
        text: texts.bytes,
        textEnds: texts.ends,
        label: Uint8Array.from(rows, (r) => r.label),
        source: Uint8Array.from(rows, (r) => SENTIMENT_SOURCES.indexOf(r.source)),
      },
    };
  });
  const c = bundle.columns as Record<string, Uint8Array & Uint32Array>;
  const texts = unpackStrings(c.text, c.textEnds);
  return texts.map((text, i) => ({
    text,
    label: c.label[i],
    source: SENTIMENT_SOURCES[c.source[i]],
  }));
}
