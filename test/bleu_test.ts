// BLEU: hand-computed cases and published sacreBLEU outputs, the 13a tokenizer, and the CLI.
import assert from "node:assert/strict";
import { join } from "node:path";
import { bleuFromStatistics, corpusBleu, formatBleu, sentenceBleu } from "../src/metrics/bleu.ts";
import { tokenize13a } from "../src/metrics/tokenize_13a.ts";
import { formatFixed } from "../src/metrics/format.ts";
import { runCli } from "../src/cli/main.ts";

const close = (a: number, b: number, eps: number) =>
  assert.ok(Math.abs(a - b) < eps, `${a} vs ${b} (±${eps})`);

// sacreBLEU's README example (also test/test_bleu.py test_corpus_bleu_cases): two reference
// streams, default settings → "BLEU = 48.53 82.4/50.0/45.5/37.5 (BP = 0.943 ratio = 0.944
// hyp_len = 17 ref_len = 18)"; tokenize='none' → 49.1919566; smooth_method='none' → 48.530827;
// three empty hypotheses → 0.0.
const HYPS = ["The dog bit the man.", "It wasn't surprising.", "The man had just bitten him."];
const REFS = [
  ["The dog bit the man.", "It was not unexpected.", "The man bit him first."],
  ["The dog had bit the man.", "No one was surprised.", "The man had bitten the dog."],
];

Deno.test("hand-computed: 'the cat sat on the mat' vs 'the cat is on the mat'", () => {
  // 1-grams 5/6, 2-grams 3/5, 3-grams 1/4, 4-grams 0/3 → exp smoothing gives p4 = 1/(2·3);
  // BP = 1 (6 = 6); BLEU = (5/6 · 3/5 · 1/4 · 1/6)^(1/4) = (1/48)^(1/4) = 0.3799178…
  const s = corpusBleu(["the cat sat on the mat"], [["the cat is on the mat"]]);
  assert.deepEqual(s.counts, [5, 3, 1, 0]);
  assert.deepEqual(s.totals, [6, 5, 4, 3]);
  close(s.score, 100 * (1 / 48) ** 0.25, 1e-9);
  // Without smoothing a zero 4-gram precision makes BLEU 0.
  close(
    corpusBleu(["the cat sat on the mat"], [["the cat is on the mat"]], { smoothMethod: "none" })
      .score,
    0,
    1e-9,
  );
});

Deno.test("hand-computed: brevity penalty and effective order", () => {
  // 'the cat' vs a 6-token reference: BP = exp(1 − 6/2) = e^−2; with effective order only
  // 1- and 2-grams count (both 100%), so BLEU = 100·e^−2 = 13.5335…
  const s = sentenceBleu("the cat", ["the cat is on the mat"]);
  close(s.bp, Math.exp(-2), 1e-12);
  close(s.score, 100 * Math.exp(-2), 1e-9);
  // Without effective order the missing 3- and 4-grams make it 0.
  close(corpusBleu(["the cat"], [["the cat is on the mat"]]).score, 0, 1e-9);
});

Deno.test("sacreBLEU README / test_bleu.py corpus cases", () => {
  const s = corpusBleu(HYPS, REFS);
  close(s.score, 48.530827, 1e-6);
  assert.equal(s.sysLen, 17);
  assert.equal(s.refLen, 18);
  assert.equal(
    formatBleu(s, { width: 2, signature: false }),
    "BLEU = 48.53 82.4/50.0/45.5/37.5 (BP = 0.943 ratio = 0.944 hyp_len = 17 ref_len = 18)",
  );
  assert.equal(s.signature, "nrefs:2|case:mixed|eff:no|tok:13a|smooth:exp|version:normbench");
  close(corpusBleu(HYPS, REFS, { tokenize: "none" }).score, 49.1919566, 1e-6);
  close(corpusBleu(HYPS, REFS, { smoothMethod: "none" }).score, 48.530827, 1e-6);
  assert.equal(corpusBleu(["", "", ""], REFS).score, 0);
});

Deno.test("sacreBLEU test_bleu.py: statistics, scoring, offsets and effective order", () => {
  // test_case_statistics: "am I am a character sequence" vs "I am a symbol string sequence a a"
  const st = corpusBleu(["am I am a character sequence"], [["I am a symbol string sequence a a"]], {
    tokenize: "none",
  });
  assert.deepEqual(st.counts, [4, 2, 1, 0]);
  assert.deepEqual(st.totals, [6, 5, 4, 3]);
  // test_case_scoring: counts 9/7/5/3 of 10/8/6/4, lengths 11/11 → 0.8375922397
  close(
    bleuFromStatistics([9, 7, 5, 3], [10, 8, 6, 4], 11, 11, { smoothMethod: "none" }).score / 100,
    0.8375922397,
    1e-8,
  );
  // raw_corpus_bleu = floor smoothing, no tokenization, effective order.
  const raw = (h: string, r: string, floor: number) =>
    corpusBleu([h], [[r]], {
      tokenize: "none",
      smoothMethod: "floor",
      smoothValue: floor,
      effectiveOrder: true,
    })
      .score / 100;
  // test_case_offset: 0.1555722182 with the 0.1 floor, 0 without.
  close(
    raw("am I am a character sequence", "I am a symbol string sequence a a", 0.1),
    0.1555722182,
    1e-8,
  );
  assert.equal(raw("am I am a character sequence", "I am a symbol string sequence a a", 0), 0);
  // test_raw_bleu_cases and test_case_effective_order.
  close(raw("this is a test", "this is a test", 0.01), 1.0, 1e-8);
  close(raw("this is a fest", "this is a test", 0.01), 0.223606797749979, 1e-8);
  close(raw("test", "a test", 0.01), 0.3678794411714425, 1e-8);
  close(raw("a test", "a test", 0.01), 1.0, 1e-8);
  close(raw("a little test", "a test", 0.01), 0.03218297948685433, 1e-8);
});

Deno.test("sacreBLEU test_sentence_bleu.py (issue #98): every smoothing method", () => {
  const REF = "producţia de zahăr brut se exprimă în zahăr alb;";
  const SYS = "Producția de zahăr primă va fi exprimată în ceea ce privește zahărul alb;";
  const cases: [Parameters<typeof sentenceBleu>[2], number][] = [
    [{ smoothMethod: "exp" }, 8.493],
    [{ smoothMethod: "none" }, 0.0],
    [{ smoothMethod: "floor" }, 4.51688],
    [{ smoothMethod: "floor", smoothValue: 0.1 }, 4.51688],
    [{ smoothMethod: "floor", smoothValue: 0.5 }, 10.10],
    [{ smoothMethod: "add-k" }, 14.882],
    [{ smoothMethod: "add-k", smoothValue: 1 }, 14.882],
    [{ smoothMethod: "add-k", smoothValue: 2 }, 21.389],
    [{ smoothMethod: "exp", tokenize: "none" }, 7.347],
  ];
  for (const [options, expected] of cases) {
    close(sentenceBleu(SYS, [REF], options).score, expected, 1e-3);
  }
  // Issue #141: no matching n-gram at all → 0 for every method.
  for (const smoothMethod of ["exp", "none", "floor", "add-k"] as const) {
    assert.equal(sentenceBleu("this is a cat", ["okay thanks"], { smoothMethod }).score, 0);
  }
});

Deno.test("13a tokenizer: punctuation split off, numbers kept, entities unescaped", () => {
  assert.equal(tokenize13a("Hello, world!"), "Hello , world !");
  assert.equal(tokenize13a("It costs $1,000.50 (approx.)."), "It costs $ 1,000.50 ( approx . ) .");
  assert.equal(tokenize13a("AT&amp;T &quot;rocks&quot;"), 'AT & T " rocks "');
  assert.equal(tokenize13a("pages 10-20, e-mail"), "pages 10 - 20 , e-mail");
  assert.equal(tokenize13a("¿Qué? ¡Sí!"), "¿Qué ? ¡Sí !");
});

Deno.test("formatFixed rounds half to even like Python's format", () => {
  assert.equal(formatFixed(6.25, 1), "6.2");
  assert.equal(formatFixed(0.125, 2), "0.12");
  assert.equal(formatFixed(48.530827, 2), "48.53");
  assert.equal(formatFixed(100, 1), "100.0");
  assert.equal(formatFixed(0.9434, 3), "0.943");
});

async function capture(
  fn: () => Promise<number>,
): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const log = console.log;
  const error = console.error;
  console.log = (...a: unknown[]) => out.push(a.join(" "));
  console.error = (...a: unknown[]) => err.push(a.join(" "));
  try {
    const code = await fn();
    return { code, out: out.join("\n"), err: err.join("\n") };
  } finally {
    console.log = log;
    console.error = error;
    Deno.exitCode = 0;
  }
}

Deno.test("normbench bleu REF REF HYP prints sacreBLEU's text line and JSON", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const [r1, r2, hyp] = ["r1.txt", "r2.txt", "hyp.txt"].map((f) => join(dir, f));
    await Deno.writeTextFile(r1, REFS[0].join("\n") + "\n");
    await Deno.writeTextFile(r2, REFS[1].join("\r\n"));
    await Deno.writeTextFile(hyp, HYPS.join("\n") + "\n");
    const text = await capture(() => runCli(["bleu", r1, r2, hyp]));
    assert.equal(text.code, 0);
    assert.equal(
      text.out,
      "BLEU|nrefs:2|case:mixed|eff:no|tok:13a|smooth:exp|version:normbench = 48.5 " +
        "82.4/50.0/45.5/37.5 (BP = 0.943 ratio = 0.944 hyp_len = 17 ref_len = 18)",
    );
    const json = await capture(() => runCli(["bleu", r1, r2, hyp, "--json", "--width", "2"]));
    const parsed = JSON.parse(json.out);
    assert.equal(parsed.score, 48.53);
    assert.equal(parsed.tok, "13a");
    assert.equal(parsed.nrefs, "2");
    const only = await capture(() =>
      runCli(["bleu", r1, hyp, "--score-only", "--smooth-method", "none"])
    );
    assert.match(only.out, /^\d+\.\d$/);
    const short = join(dir, "short.txt");
    await Deno.writeTextFile(short, "one line\n");
    const bad = await capture(() => runCli(["bleu", r1, short]));
    assert.equal(bad.code, 2);
    assert.match(bad.err, /has 3 lines but .*short\.txt has 1/);
    const missing = await capture(() => runCli(["bleu", r1, join(dir, "nope.txt")]));
    assert.equal(missing.code, 2);
    assert.match(missing.err, /hypothesis .*nope\.txt does not exist/);
    const tok = await capture(() => runCli(["bleu", r1, hyp, "--tokenize", "intl"]));
    assert.equal(tok.code, 2);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
