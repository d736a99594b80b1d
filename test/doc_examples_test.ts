/**
 * Every `@example` in the library's doc comments runs, and its `console.assert`s hold.
 * (`deno test --doc` runs the examples but only prints a failed `console.assert`; this test turns
 * such a line into a failure naming the example.)
 */
import assert from "node:assert/strict";

const ROOT = new URL("../", import.meta.url).pathname;

Deno.test("doc examples: every @example runs and its assertions hold", async () => {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["test", "-A", "--doc", "mod.ts", "src/", "suites/"],
    cwd: ROOT,
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).output();
  const text = new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr);
  assert.equal(out.code, 0, text.slice(-4000));
  // Each example runs as its own module `file.ts#from-to.ts`; attribute printed failures to it.
  const failed: string[] = [];
  let current = "";
  for (const line of text.split("\n")) {
    const started = line.match(/^running \d+ tests? from (\S+)/);
    if (started) current = started[1];
    if (line.includes("Assertion failed")) failed.push(current);
  }
  assert.deepEqual(failed, [], `console.assert failed in: ${failed.join(", ")}`);
  const summary = text.match(/ok \| (\d+) passed \| (\d+) failed/);
  assert.ok(summary && Number(summary[1]) > 300, `too few examples ran: ${summary?.[0]}`);
});
