/**
 * Decoding for encoder–decoder models: greedy search and beam search with a length penalty, with
 * incremental (cached) decoding. Scores and hypotheses are kept in JavaScript; tensors only hold
 * the per-layer key/value caches.
 *
 * @module
 */
import * as tf from "../tf.ts";
import type { KeyValueCache } from "../nn/attention.ts";
import type { TranslateBatch } from "./types.ts";

/** What a model must offer to be searched. */
export interface SearchModel {
  /** Special ids. */
  readonly config: { bosId: number; eosId: number };
  /** Encodes a source batch once. */
  startSearch(src: tf.Tensor): { memoryKv: KeyValueCache[]; memoryBias: tf.Tensor };
  /** Next-token log-probabilities for each row, extending the caches. */
  stepSearch(
    tokens: tf.Tensor,
    position: number,
    state: { caches: (KeyValueCache | null)[]; memoryKv: KeyValueCache[]; memoryBias: tf.Tensor },
  ): { logProbs: tf.Tensor2D; caches: KeyValueCache[] };
}

/** Options of {@linkcode beamSearch}. */
export interface BeamSearchOptions {
  /** Beam width (authors: 5). */
  beam: number;
  /** Length penalty α: hypotheses are ranked by Σ log p / length^α (fairseq `--lenpen`, 1). */
  lengthPenalty: number;
  /** Most tokens generated per sentence (EOS included). */
  maxLen: number;
}

function disposeCaches(caches: (KeyValueCache | null)[]): void {
  for (const c of caches) if (c) tf.dispose([c.k, c.v]);
}

/**
 * Greedy decoding: the most likely next token until EOS or `maxLen`. Returns each sentence's ids
 * without BOS and EOS.
 *
 * @example
 * ```ts
 * import { createModel, greedySearch } from "@normbench/normbench";
 * const model = createModel({ model: "translator", preset: "tiny", norm: "ln" });
 * const out = await greedySearch(model, { src: new Int32Array([4, 5, 2]), srcShape: [1, 3] }, { maxLen: 3 });
 * console.assert(out[0].length <= 3);
 * ```
 */
export async function greedySearch(
  model: SearchModel,
  batch: Pick<TranslateBatch, "src" | "srcShape">,
  options: { maxLen: number },
): Promise<number[][]> {
  const [b] = batch.srcShape;
  const src = tf.tensor2d(batch.src, batch.srcShape, "int32");
  const { memoryKv, memoryBias } = model.startSearch(src);
  src.dispose();
  let caches: (KeyValueCache | null)[] = memoryKv.map(() => null);
  const tokens = new Int32Array(b).fill(model.config.bosId);
  const out: number[][] = Array.from({ length: b }, () => []);
  const done = new Array<boolean>(b).fill(false);
  try {
    for (let pos = 0; pos < options.maxLen && done.some((d) => !d); pos++) {
      const input = tf.tensor1d(tokens, "int32");
      const r = model.stepSearch(input, pos, { caches, memoryKv, memoryBias });
      input.dispose();
      disposeCaches(caches);
      caches = r.caches;
      const best = tf.argMax(r.logProbs, 1);
      const ids = await best.data();
      tf.dispose([best, r.logProbs]);
      for (let i = 0; i < b; i++) {
        if (done[i]) continue;
        if (ids[i] === model.config.eosId) done[i] = true;
        else out[i].push(ids[i]);
        tokens[i] = ids[i];
      }
    }
  } finally {
    disposeCaches(caches);
    for (const kv of memoryKv) tf.dispose([kv.k, kv.v]);
    memoryBias.dispose();
  }
  return out;
}

interface Candidate {
  row: number;
  token: number;
  score: number;
}

interface Hypothesis {
  tokens: number[];
  score: number;
}

/** The `k` best candidates of one sentence (rows `rows`, log-probs `lp` of width `v`). */
function topCandidates(
  lp: Float32Array,
  rows: number[],
  scores: Float64Array,
  vocab: number,
  k: number,
): Candidate[] {
  const best: Candidate[] = [];
  for (const row of rows) {
    const base = scores[row];
    if (base === -Infinity) continue;
    const offset = row * vocab;
    for (let v = 0; v < vocab; v++) {
      const score = base + lp[offset + v];
      if (best.length === k && score <= best[k - 1].score) continue;
      let at = best.length < k ? best.length : k - 1;
      if (best.length < k) best.push({ row, token: v, score });
      else best[at] = { row, token: v, score };
      while (at > 0 && best[at - 1].score < best[at].score) {
        [best[at - 1], best[at]] = [best[at], best[at - 1]];
        at--;
      }
    }
  }
  return best;
}

/**
 * Beam search as fairseq does it: each step takes the 2·beam best continuations per sentence;
 * those ending in EOS among the first `beam` are finished with score Σ log p / length^α, the
 * best `beam` others continue. A sentence stops when `beam` hypotheses are finished; at `maxLen`
 * the live ones finish too. Returns the best finished hypothesis per sentence (ids without
 * BOS/EOS).
 *
 * @example
 * ```ts
 * import { beamSearch, createModel } from "@normbench/normbench";
 * const model = createModel({ model: "translator", preset: "tiny", norm: "ln" });
 * const out = await beamSearch(model, { src: new Int32Array([4, 5, 2]), srcShape: [1, 3] }, { beam: 3, lengthPenalty: 1, maxLen: 4 });
 * console.assert(out.length === 1);
 * ```
 */
export async function beamSearch(
  model: SearchModel,
  batch: Pick<TranslateBatch, "src" | "srcShape">,
  options: BeamSearchOptions,
): Promise<number[][]> {
  const [b, s] = batch.srcShape;
  const k = Math.max(1, Math.floor(options.beam));
  const rows = b * k;
  const srcRows = new Int32Array(rows * s);
  for (let i = 0; i < b; i++) {
    for (let j = 0; j < k; j++) {
      srcRows.set(batch.src.subarray(i * s, (i + 1) * s), (i * k + j) * s);
    }
  }
  const src = tf.tensor2d(srcRows, [rows, s], "int32");
  const { memoryKv, memoryBias } = model.startSearch(src);
  src.dispose();
  let caches: (KeyValueCache | null)[] = memoryKv.map(() => null);
  const eos = model.config.eosId;
  const scores = new Float64Array(rows).fill(-Infinity);
  for (let i = 0; i < b; i++) scores[i * k] = 0;
  let hyps: number[][] = Array.from({ length: rows }, () => []);
  const tokens = new Int32Array(rows).fill(model.config.bosId);
  const finished: Hypothesis[][] = Array.from({ length: b }, () => []);
  const done = new Array<boolean>(b).fill(false);
  const norm = (score: number, length: number) => score / length ** options.lengthPenalty;
  try {
    for (let pos = 0; pos < options.maxLen && done.some((d) => !d); pos++) {
      const input = tf.tensor1d(tokens, "int32");
      const r = model.stepSearch(input, pos, { caches, memoryKv, memoryBias });
      input.dispose();
      disposeCaches(caches);
      const lp = await r.logProbs.data() as Float32Array;
      const vocab = r.logProbs.shape[1];
      r.logProbs.dispose();
      const parents = new Int32Array(rows);
      const nextScores = new Float64Array(rows).fill(-Infinity);
      const nextHyps: number[][] = new Array(rows);
      const last = pos === options.maxLen - 1;
      for (let i = 0; i < b; i++) {
        const mine = Array.from({ length: k }, (_, j) => i * k + j);
        for (const row of mine) {
          parents[row] = i * k;
          nextHyps[row] = hyps[i * k];
        }
        if (done[i]) continue;
        const cands = topCandidates(lp, mine, scores, vocab, 2 * k);
        let live = 0;
        cands.forEach((c, rank) => {
          if (c.token === eos || last) {
            if (rank < k && finished[i].length < k) {
              const t = c.token === eos ? hyps[c.row] : [...hyps[c.row], c.token];
              finished[i].push({ tokens: t, score: norm(c.score, pos + 1) });
            }
            return;
          }
          if (live < k) {
            const row = i * k + live++;
            parents[row] = c.row;
            nextScores[row] = c.score;
            nextHyps[row] = [...hyps[c.row], c.token];
            tokens[row] = c.token;
          }
        });
        if (finished[i].length >= k || live === 0) done[i] = true;
      }
      const index = tf.tensor1d(parents, "int32");
      caches = r.caches.map((c) => {
        const next = { k: tf.gather(c.k, index, 1), v: tf.gather(c.v, index, 1) };
        tf.dispose([c.k, c.v]);
        return next;
      });
      index.dispose();
      scores.set(nextScores);
      hyps = nextHyps;
    }
  } finally {
    disposeCaches(caches);
    for (const kv of memoryKv) tf.dispose([kv.k, kv.v]);
    memoryBias.dispose();
  }
  return finished.map((list, i) => {
    if (list.length === 0) {
      let best = i * k;
      for (let j = 1; j < k; j++) if (scores[i * k + j] > scores[best]) best = i * k + j;
      return hyps[best];
    }
    return list.reduce((a, c) => (c.score > a.score ? c : a)).tokens;
  });
}
