// Accuracy, perplexity and the statistics helpers against hand-computed and table values.
import assert from "node:assert/strict";
import { accuracy, argmaxRows } from "../src/metrics/accuracy.ts";
import { perplexity } from "../src/metrics/perplexity.ts";
import {
  differenceInterval,
  mean,
  meanInterval,
  normalQuantile,
  rateDifferenceInterval,
  std,
  tCdf,
  tQuantile,
  wilsonInterval,
} from "../src/metrics/stats.ts";

const close = (a: number, b: number, eps: number) =>
  assert.ok(Math.abs(a - b) < eps, `${a} vs ${b} (±${eps})`);

Deno.test("accuracy and argmax", () => {
  assert.equal(accuracy([0, 1, 2, 2], [0, 1, 1, 2]), 0.75);
  assert.ok(Number.isNaN(accuracy([], [])));
  assert.throws(() => accuracy([1], [1, 2]), RangeError);
  assert.deepEqual(Array.from(argmaxRows([1, 3, 2, 5, 5, 0], 3)), [1, 0]);
});

Deno.test("perplexity per token and per word share one NLL", () => {
  // A uniform model over 50 tokens: per-token perplexity 50.
  const p = perplexity({ nll: 1000 * Math.log(50), tokens: 1000, words: 800 });
  close(p.perToken, 50, 1e-9);
  close(p.perWord, 50 ** (1000 / 800), 1e-6);
  close(perplexity({ nll: 10, tokens: 10 }).perWord, Math.E, 1e-12);
});

Deno.test("mean and sample standard deviation", () => {
  assert.equal(mean([1, 2, 3, 4]), 2.5);
  close(std([1, 2, 3, 4]), Math.sqrt(5 / 3), 1e-12);
  assert.equal(std([7]), 0);
  assert.ok(Number.isNaN(mean([])));
});

Deno.test("t and normal quantiles match statistical tables", () => {
  // Two-sided 95% critical values of Student's t.
  const table: [number, number][] = [
    [1, 12.7062047362],
    [2, 4.3026527297],
    [3, 3.1824463053],
    [4, 2.7764451052],
    [9, 2.2621571628],
    [30, 2.0422724563],
    [120, 1.9799304050],
  ];
  for (const [df, t] of table) close(tQuantile(0.975, df), t, 1e-8);
  close(tQuantile(0.995, 10), 3.1692726726, 1e-8);
  close(tQuantile(0.025, 4), -2.7764451052, 1e-8);
  close(tCdf(0, 5), 0.5, 1e-12);
  close(normalQuantile(0.975), 1.959963985, 1e-8);
  close(normalQuantile(0.5), 0, 1e-12);
  close(normalQuantile(0.001), -3.090232306, 1e-8);
  close(tQuantile(0.975, Infinity), 1.959963985, 1e-8);
});

Deno.test("confidence interval of a mean over seeds", () => {
  // n = 3: mean 35.2666…, std 0.152753, t(0.975, 2) = 4.30265 → half width 0.379459
  const ci = meanInterval([35.1, 35.4, 35.3]);
  close(ci.mean, 35.266666667, 1e-8);
  close(ci.std, 0.152752523, 1e-8);
  close(ci.halfWidth, 4.302652730 * 0.152752523 / Math.sqrt(3), 1e-7);
  assert.equal(meanInterval([1]).halfWidth, Infinity);
});

Deno.test("Welch interval of a difference of means", () => {
  // Equal variances and sizes: df = 2(n − 1) = 4, se = sqrt(2 s²/n).
  const a = [1, 2, 3];
  const b = [2, 3, 4];
  const d = differenceInterval(a, b);
  close(d.mean, -1, 1e-12);
  close(d.std, Math.sqrt(2 / 3), 1e-12);
  close(d.halfWidth, 2.7764451052 * Math.sqrt(2 / 3), 1e-7);
});

Deno.test("Wilson interval of a rate", () => {
  // 3 of 10 at 95%: [0.1078, 0.6032] (Wilson 1927; e.g. Newcombe 1998, table I method 3).
  const w = wilsonInterval(3, 10);
  close(w.low, 0.1078, 1e-4);
  close(w.high, 0.6032, 1e-4);
  const none = wilsonInterval(0, 20);
  assert.equal(none.low, 0);
  close(none.high, 0.1611, 1e-4);
  const all = wilsonInterval(5, 5);
  assert.equal(all.high, 1);
  close(all.low, 0.5655, 1e-4);
});

Deno.test("stats: Newcombe's rate-difference interval matches his published example", () => {
  // Newcombe (1998), Statistics in Medicine 17:873–890, Table II, example (a): 56/70 vs 48/80,
  // method 10 gives 0.0524 to 0.3339 for the difference 0.2.
  const d = rateDifferenceInterval(56, 70, 48, 80);
  assert.ok(Math.abs(d.difference - 0.2) < 1e-12);
  assert.ok(Math.abs(d.low - 0.0524) < 5e-4, `low ${d.low}`);
  assert.ok(Math.abs(d.high - 0.3339) < 5e-4, `high ${d.high}`);
});
