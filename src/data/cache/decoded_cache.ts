/**
 * Caches decoded data sets as bundles keyed by a hash of the raw files' content (their pinned
 * SHA-256, which the files were verified against) and the decoder's version.
 *
 * @module
 */
import { join } from "node:path";
import { sha256Hex } from "../../util/checksum.ts";
import type { DatasetSpec } from "../provision/datasets.ts";
import { type Bundle, readBundle, writeBundle } from "./bundle.ts";
import { removeDeadTemporaries } from "../../util/fs.ts";

/**
 * Returns the cached bundle for (data set, decoder, version), or runs `decode` and caches its
 * result. `key` may add anything else the decoded form depends on.
 *
 * @example
 * ```ts
 * import { cachedBundle, DATASETS } from "@normbench/normbench";
 * const cacheDir = await Deno.makeTempDir();
 * let runs = 0;
 * const decode = () => { runs++; return Promise.resolve({ meta: { n: 1 }, columns: {} }); };
 * await cachedBundle(DATASETS.sentiment, "demo-1", cacheDir, decode);
 * await cachedBundle(DATASETS.sentiment, "demo-1", cacheDir, decode);
 * console.assert(runs === 1);
 * ```
 */
export async function cachedBundle(
  spec: DatasetSpec,
  decoder: string,
  cacheDir: string,
  decode: () => Promise<Bundle>,
  key: unknown = null,
): Promise<Bundle> {
  const hash = await sha256Hex(
    JSON.stringify({ decoder, key, files: spec.files.map((f) => f.sha256) }),
  );
  const path = join(cacheDir, "decoded", `${spec.name}-${decoder}-${hash.slice(0, 16)}.bin`);
  const cached = await readBundle(path);
  if (cached) return cached;
  const bundle = await decode();
  await removeDeadTemporaries(join(cacheDir, "decoded"));
  await writeBundle(path, bundle);
  return bundle;
}
