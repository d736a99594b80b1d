/**
 * The special tokens every vocabulary starts with, and their ids: a constant both the data
 * layer (tokenizers) and the models (a translator's padding, BOS and EOS) agree on, below both.
 *
 * @module
 */

/**
 * Special tokens at the start of every vocabulary, in id order (`<pad>` = 0).
 *
 * @example
 * ```ts
 * import { PAD_ID, SPECIAL_TOKENS } from "@normbench/normbench";
 * console.assert(SPECIAL_TOKENS[PAD_ID] === "<pad>");
 * ```
 */
export const SPECIAL_TOKENS: readonly string[] = [
  "<pad>",
  "<unk>",
  "<bos>",
  "<eos>",
  "<mask>",
  "<cls>",
  "<sep>",
];
/**
 * Id of `<pad>` (padding; masks mark it with 1).
 *
 * @example
 * ```ts
 * import { PAD_ID } from "@normbench/normbench";
 * console.assert(PAD_ID === 0);
 * ```
 */
export const PAD_ID = 0;
/**
 * Id of `<unk>`.
 *
 * @example
 * ```ts
 * import { SPECIAL_TOKENS, UNK_ID } from "@normbench/normbench";
 * console.assert(SPECIAL_TOKENS[UNK_ID] === "<unk>");
 * ```
 */
export const UNK_ID = 1;
/**
 * Id of `<bos>` (start of a target sequence).
 *
 * @example
 * ```ts
 * import { BOS_ID, SPECIAL_TOKENS } from "@normbench/normbench";
 * console.assert(SPECIAL_TOKENS[BOS_ID] === "<bos>");
 * ```
 */
export const BOS_ID = 2;
/**
 * Id of `<eos>` (end of sequence).
 *
 * @example
 * ```ts
 * import { EOS_ID, SPECIAL_TOKENS } from "@normbench/normbench";
 * console.assert(SPECIAL_TOKENS[EOS_ID] === "<eos>");
 * ```
 */
export const EOS_ID = 3;
/**
 * Id of `<mask>` (masked-language-model input).
 *
 * @example
 * ```ts
 * import { MASK_ID, SPECIAL_TOKENS } from "@normbench/normbench";
 * console.assert(SPECIAL_TOKENS[MASK_ID] === "<mask>");
 * ```
 */
export const MASK_ID = 4;
/**
 * Id of `<cls>` (classification token).
 *
 * @example
 * ```ts
 * import { CLS_ID, SPECIAL_TOKENS } from "@normbench/normbench";
 * console.assert(SPECIAL_TOKENS[CLS_ID] === "<cls>");
 * ```
 */
export const CLS_ID = 5;
/**
 * Id of `<sep>`.
 *
 * @example
 * ```ts
 * import { SEP_ID, SPECIAL_TOKENS } from "@normbench/normbench";
 * console.assert(SPECIAL_TOKENS[SEP_ID] === "<sep>");
 * ```
 */
export const SEP_ID = 6;
