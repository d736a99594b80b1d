/**
 * Masked-language-model inputs (BERT): a fraction of the real tokens is chosen for prediction;
 * of those 80% become `<mask>`, 10% a random token and 10% stay unchanged.
 *
 * @module
 */
import { MASK_ID, PAD_ID, SPECIAL_TOKENS } from "../../util/special_tokens.ts";
import type { Rng } from "../../util/random.ts";

/** Inputs and targets of one MLM step. */
export interface MlmMasking {
  /** Ids with the chosen positions replaced. */
  readonly input: Int32Array;
  /** The original ids (the targets). */
  readonly target: Int32Array;
  /** 1 at positions to predict, else 0 (the loss weight). */
  readonly weight: Float32Array;
}

/**
 * Masks token ids for MLM. Specials and padding are never chosen.
 *
 * @example
 * ```ts
 * import { createRng, maskTokens } from "@normbench/normbench";
 * const ids = Int32Array.from({ length: 1000 }, (_, i) => 10 + (i % 50));
 * const m = maskTokens(ids, { vocabSize: 100, rng: createRng(1) });
 * const chosen = m.weight.reduce((a, b) => a + b, 0);
 * console.assert(chosen > 100 && chosen < 200);
 * ```
 */
export function maskTokens(
  ids: Int32Array,
  options: {
    vocabSize: number;
    rng: Rng;
    probability?: number;
    maskId?: number;
    firstRegularId?: number;
  },
): MlmMasking {
  const p = options.probability ?? 0.15;
  const maskId = options.maskId ?? MASK_ID;
  const first = options.firstRegularId ?? SPECIAL_TOKENS.length;
  const input = ids.slice();
  const weight = new Float32Array(ids.length);
  for (let i = 0; i < ids.length; i++) {
    if (ids[i] === PAD_ID || ids[i] < first) continue;
    if (options.rng() >= p) continue;
    weight[i] = 1;
    const r = options.rng();
    if (r < 0.8) input[i] = maskId;
    else if (r < 0.9) input[i] = first + Math.floor(options.rng() * (options.vocabSize - first));
  }
  return { input, target: ids.slice(), weight };
}
