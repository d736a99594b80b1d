/**
 * `normbench data [NAME…] [--prepare] [--json]`: each data set's status (source, sizes, checksum);
 * `--prepare` fetches what is missing and decodes it (item counts).
 *
 * @module
 */
import type { Command } from "commander";
import { DATASET_NAMES } from "../data/provision/datasets.ts";
import type { DataOptions } from "../data/provision/options.ts";
import { datasetSpec } from "../data/provision/datasets.ts";
import { type DatasetStatus, datasetStatus } from "../data/provision/status.ts";

function megabytes(bytes: number): string {
  return `${(bytes / 1e6).toFixed(1)} MB`;
}

function formatStatus(s: DatasetStatus): string {
  const head = s.ready
    ? `${s.name.padEnd(14)} ready    ${
      megabytes(s.bytes).padStart(8)
    }  ${s.files} files, ${s.checksum}`
    : `${s.name.padEnd(14)} MISSING  ${s.checksum}`;
  const lines = [head];
  if (s.ready) lines.push(`${"".padEnd(14)} from ${s.location}`);
  else {
    lines.push(
      `${"".padEnd(14)} provided by ${
        s.packages.join(" + ")
      }; run with --prepare, or set ${s.envVar}`,
    );
  }
  if (s.items) {
    const items = Object.entries(s.items).map(([k, v]) => `${k} ${v.toLocaleString("en-US")}`);
    lines.push(`${"".padEnd(14)} ${items.join(", ")}`);
  }
  lines.push(`${"".padEnd(14)} ${s.licence}`);
  return lines.join("\n");
}

/** Registers `data`. */
export function registerData(program: Command): void {
  program.command("data")
    .description(
      "show each data set's status (source, sizes, checksum); --prepare fetches what is missing",
    )
    .argument("[names...]", `data sets (default: all of ${DATASET_NAMES.join(", ")})`)
    .option("--prepare", "fetch missing data sets and decode them (fills the cache)")
    .option("--json", "print JSON")
    .option(
      "--data-dir <dir>",
      "directory with one sub-folder per data set (default $NORMBENCH_DATA)",
    )
    .option("--cache-dir <dir>", "cache directory (default $NORMBENCH_CACHE or ./.cache/normbench)")
    .option("--no-install", "never apt-get install, even as root (fetch into the cache instead)")
    .option("--no-download", "never use the canonical internet download")
    .action(async (names: string[], opts: {
      prepare?: boolean;
      json?: boolean;
      dataDir?: string;
      cacheDir?: string;
      install: boolean;
      download: boolean;
    }) => {
      const chosen = names.length ? names : [...DATASET_NAMES];
      chosen.forEach(datasetSpec); // unknown names fail before any work
      const options: DataOptions = {
        prepare: opts.prepare ?? false,
        dataDir: opts.dataDir,
        cacheDir: opts.cacheDir,
        install: opts.install ? undefined : false,
        download: opts.download,
      };
      const statuses: DatasetStatus[] = [];
      for (const name of chosen) {
        const status = await datasetStatus(name, options);
        statuses.push(status);
        if (!opts.json) console.log(formatStatus(status));
      }
      if (opts.json) console.log(JSON.stringify(statuses, null, 2));
      if (statuses.some((s) => !s.ready)) Deno.exitCode = 1;
    });
}
