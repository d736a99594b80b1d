// The decoded-data cache (binary bundles keyed by content hash) and the `data` command.
import assert from "node:assert/strict";
import { dirname, join } from "node:path";
import {
  decodeBundle,
  encodeBundle,
  packStrings,
  readBundle,
  unpackStrings,
  writeBundle,
} from "../src/data/cache/bundle.ts";
import { provideDataset } from "../src/data/provision/provision.ts";
import { loadSentiment } from "../src/data/sentiment/sentiment.ts";
import { runCli } from "../src/cli/main.ts";

const quiet = { log: () => {} };

Deno.test("bundles round-trip typed columns and metadata; files carry their checksum", async () => {
  const strings = packStrings(["a", "", "ñandú 🙂"]);
  const bytes = encodeBundle({
    meta: { n: 3, name: "x" },
    columns: {
      u8: Uint8Array.of(1, 2, 3),
      i32: Int32Array.of(-1, 2 ** 30),
      f32: Float32Array.of(0.5, -2),
      text: strings.bytes,
      ends: strings.ends,
    },
  });
  const back = decodeBundle(bytes);
  assert.deepEqual(back.meta, { n: 3, name: "x" });
  assert.deepEqual(Array.from(back.columns.i32), [-1, 2 ** 30]);
  assert.deepEqual(Array.from(back.columns.f32), [0.5, -2]);
  assert.deepEqual(
    unpackStrings(back.columns.text as Uint8Array, back.columns.ends as Uint32Array),
    ["a", "", "ñandú 🙂"],
  );
  assert.throws(() => decodeBundle(bytes.subarray(0, bytes.length - 8)), /truncated/);
  const dir = await Deno.makeTempDir();
  try {
    const bundle = { meta: { n: 1 }, columns: { f32: Float32Array.of(1, 2, 3) } };
    await writeBundle(`${dir}/b.bin`, bundle);
    assert.deepEqual(Array.from((await readBundle(`${dir}/b.bin`))!.columns.f32), [1, 2, 3]);
    const bytes2 = await Deno.readFile(`${dir}/b.bin`);
    bytes2[bytes2.length - 1] ^= 1;
    await Deno.writeFile(`${dir}/b.bin`, bytes2);
    assert.equal(await readBundle(`${dir}/b.bin`), null, "one flipped bit is caught");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("decoded data is cached by content hash; a damaged cache file is decoded again", async () => {
  const data = await provideDataset("sentiment", quiet);
  const cacheDir = await Deno.makeTempDir();
  Deno.env.set("NORMBENCH_SENTIMENT", dirname(data.paths[0]));
  try {
    const first = await loadSentiment({ ...quiet, cacheDir });
    const decoded = [...Deno.readDirSync(join(cacheDir, "decoded"))].map((e) => e.name);
    assert.equal(decoded.length, 1);
    assert.match(decoded[0], /^sentiment-json-1-[0-9a-f]{16}\.bin$/);
    const second = await loadSentiment({ ...quiet, cacheDir });
    assert.deepEqual(second, first);
    const file = join(cacheDir, "decoded", decoded[0]);
    await Deno.writeFile(file, new Uint8Array(10));
    const third = await loadSentiment({ ...quiet, cacheDir });
    assert.deepEqual(third, first);
    // same size, last bytes zeroed: the checksum in the header catches it, the cache is rebuilt
    const good = await Deno.readFile(file);
    const bad = good.slice();
    bad.fill(0, bad.length - 2000);
    await Deno.writeFile(file, bad);
    assert.equal((await Deno.stat(file)).size, good.length);
    const fourth = await loadSentiment({ ...quiet, cacheDir });
    assert.deepEqual(fourth, first);
    assert.deepEqual(await Deno.readFile(file), good, "the damaged cache file was rewritten");
  } finally {
    Deno.env.delete("NORMBENCH_SENTIMENT");
    await Deno.remove(cacheDir, { recursive: true });
  }
});

async function capture(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const log = console.log;
  const error = console.error;
  console.log = (...a: unknown[]) => out.push(a.join(" "));
  console.error = (...a: unknown[]) => err.push(a.join(" "));
  try {
    const code = await runCli(args);
    return { code, out: out.join("\n"), err: err.join("\n") };
  } finally {
    console.log = log;
    console.error = error;
    Deno.exitCode = 0;
  }
}

Deno.test("normbench data --prepare --json reports sources, sizes, checksums and counts", async () => {
  const res = await capture(["data", "sentiment", "brown", "--prepare", "--json"]);
  assert.equal(res.code, 0, res.err);
  const statuses = JSON.parse(res.out);
  assert.deepEqual(statuses.map((s: { name: string }) => s.name), ["sentiment", "brown"]);
  assert.deepEqual(statuses[0].items, { sentences: 3000 });
  assert.deepEqual(statuses[1].items, { files: 500, sentences: 57_340, tokens: 1_161_192 });
  for (const s of statuses) {
    assert.equal(s.ready, true);
    assert.equal(s.checksum, "SHA-256 verified");
    assert.ok(s.bytes > 0);
  }
  assert.match(statuses[0].citation, /Kotzias/);
  const text = await capture(["data", "sentiment"]);
  assert.match(text.out, /^sentiment\s+ready\s+0\.3 MB {2}3 files, SHA-256 verified/);
  const bad = await capture(["data", "imagenet"]);
  assert.equal(bad.code, 2);
  assert.match(
    bad.err,
    /unknown data set 'imagenet' \(use one of: fashion-mnist, bible, sentiment, brown\)/,
  );
});
