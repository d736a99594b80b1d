// BPE: exact round trips, determinism, vocabulary size, byte fallback; the PTB word vocabulary.
import assert from "node:assert/strict";
import { BpeTokenizer, pretokenize, trainBpe } from "../src/data/tokenize/bpe.ts";
import { SPECIAL_TOKENS } from "../src/util/special_tokens.ts";
import { cachedBpe, cachedWordVocab } from "../src/data/tokenize/vocab_cache.ts";
import { buildWordVocab, normalizeWords } from "../src/data/tokenize/word_vocab.ts";
import { loadBible } from "../src/data/bible/bible.ts";

const CORPUS = [
  "In the beginning God created the heaven and the earth.",
  "EN el principio crió Dios los cielos y la tierra.",
  "And the earth was without form, and void; and darkness was upon the face of the deep.",
  "Y la tierra estaba desordenada y vacía, y las tinieblas estaban sobre la haz del abismo.",
];

Deno.test("pretokenize covers the text exactly", () => {
  for (const text of ["a  b\n\tc", " lead and trail ", "¿Qué? ¡Sí!", "x1,000.5y", ""]) {
    assert.equal(pretokenize(text).join(""), text);
  }
});

Deno.test("BPE round-trips any text exactly, unseen characters through byte tokens", () => {
  const bpe = trainBpe(CORPUS, { vocabSize: 400 });
  const tricky = [
    ...CORPUS,
    "",
    "  double  spaces, tabs\tand\nnewlines\r\n",
    "Ünïcödé ñ ç ß — “quotes” ‘single’ …",
    "emoji 🙂👍🏽 and CJK 漢字 and Hebrew אָלֶף",
    "numbers 3,141.59 and 10-20",
    "trailing space ",
  ];
  for (const text of tricky) assert.equal(bpe.decode(bpe.encode(text)), text, JSON.stringify(text));
  // An unseen character becomes its UTF-8 bytes.
  assert.deepEqual(bpe.tokenize("🙂"), ["<0xF0>", "<0x9F>", "<0x99>", "<0x82>"]);
});

Deno.test("BPE on the Bible training text: exact vocabulary size, deterministic, cached", async () => {
  const { pairs } = await loadBible({ log: () => {} });
  const texts = pairs.slice(0, 3000).flatMap((p) => [p.en, p.es]);
  const a = trainBpe(texts, { vocabSize: 3000 });
  const b = trainBpe(texts, { vocabSize: 3000 });
  assert.equal(a.vocabSize, 3000);
  assert.deepEqual(a.model, b.model);
  assert.deepEqual(a.tokens.slice(0, SPECIAL_TOKENS.length), [...SPECIAL_TOKENS]);
  for (const t of texts.slice(0, 500)) assert.equal(a.decode(a.encode(t)), t);
  // Merges compress: far fewer tokens than characters.
  const chars = texts.reduce((n, t) => n + t.length, 0);
  const tokens = texts.reduce((n, t) => n + a.encode(t).length, 0);
  assert.ok(tokens < chars / 3, `${tokens} tokens for ${chars} characters`);
  // Serialisation and the cache give the same tokenizer.
  const copy = BpeTokenizer.fromJSON(JSON.parse(JSON.stringify(a.toJSON())));
  assert.deepEqual(Array.from(copy.encode(texts[7])), Array.from(a.encode(texts[7])));
  const cacheDir = await Deno.makeTempDir();
  try {
    const c1 = await cachedBpe(texts, { vocabSize: 3000 }, cacheDir);
    const c2 = await cachedBpe(texts, { vocabSize: 3000 }, cacheDir);
    assert.deepEqual(c1.model, a.model);
    assert.deepEqual(c2.model, a.model);
    assert.equal([...Deno.readDirSync(`${cacheDir}/vocab`)].length, 1);
  } finally {
    await Deno.remove(cacheDir, { recursive: true });
  }
});

Deno.test("a vocabulary smaller than specials + bytes + alphabet is refused", () => {
  assert.throws(() => trainBpe(CORPUS, { vocabSize: 100 }), RangeError);
});

Deno.test("decode skips specials, can keep them, and stops at <eos> on request", () => {
  const bpe = trainBpe(CORPUS, { vocabSize: 350 });
  const ids = [2, ...bpe.encode("la tierra"), 3, ...bpe.encode(" x"), 0];
  assert.equal(bpe.decode(ids), "la tierra x");
  assert.equal(bpe.decode(ids, { stopAtEos: true }), "la tierra");
  assert.equal(bpe.decode(ids, { keepSpecials: true }), "<bos>la tierra<eos> x<pad>");
});

Deno.test("PTB-style word vocabulary: lower case, N for numbers, punctuation dropped, <unk>", async () => {
  assert.deepEqual(normalizeWords("The 1,200 jurors ' said 3.5 , `` yes ''"), [
    "the",
    "N",
    "jurors",
    "said",
    "N",
    "yes",
  ]);
  const vocab = buildWordVocab(["the cat sat", "the dog sat", "a bird"], { size: 6 });
  assert.deepEqual(vocab.words, ["<pad>", "<unk>", "<eos>", "sat", "the", "a"]);
  assert.deepEqual(Array.from(vocab.encode("The bird sat")), [4, 1, 3, 2]);
  const cacheDir = await Deno.makeTempDir();
  try {
    const cached = await cachedWordVocab(["the cat sat"], { size: 5 }, cacheDir);
    const again = await cachedWordVocab(["the cat sat"], { size: 5 }, cacheDir);
    assert.deepEqual(again.words, cached.words);
  } finally {
    await Deno.remove(cacheDir, { recursive: true });
  }
});
