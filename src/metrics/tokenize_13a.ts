/**
 * The `13a` tokenizer of mteval-v13a.pl, as sacreBLEU applies it by default before counting
 * n-grams: unescape a few entities, split punctuation off words (keeping `.` and `,` inside
 * numbers), and collapse whitespace.
 *
 * @module
 */

// Python's str.split() whitespace (sacreBLEU joins on it), which differs slightly from JS `\s`:
// it includes the information separators \x1c–\x1f and \x85, and excludes \ufeff.
const PY_WHITESPACE =
  // deno-lint-ignore no-control-regex
  /[\t\n\v\f\r\x1c-\x1f \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+/;

/**
 * Splits on whitespace exactly like Python's `str.split()` with no argument.
 *
 * @example
 * ```ts
 * import { splitWhitespace } from "@normbench/normbench";
 * console.assert(splitWhitespace("  a \t b\u00a0c ").join("|") === "a|b|c");
 * ```
 */
export function splitWhitespace(text: string): string[] {
  return text.split(PY_WHITESPACE).filter((t) => t !== "");
}

/**
 * Tokenizes one line with the 13a rules; tokens are separated by single spaces.
 *
 * @example
 * ```ts
 * import { tokenize13a } from "@normbench/normbench";
 * console.assert(tokenize13a("It wasn't 1,000.5 km-long, 3-4.") === "It wasn't 1,000.5 km-long , 3 - 4 .");
 * ```
 */
export function tokenize13a(line: string): string {
  let s = line
    .replaceAll("<skipped>", "")
    .replaceAll("-\n", "")
    .replaceAll("\n", " ");
  if (s.includes("&")) {
    s = s.replaceAll("&quot;", '"').replaceAll("&amp;", "&").replaceAll("&lt;", "<")
      .replaceAll("&gt;", ">");
  }
  s = ` ${s} `;
  s = s.replace(/([{-~[-` -&(-+:-@/])/g, " $1 ");
  s = s.replace(/([^0-9])([.,])/g, "$1 $2 ");
  s = s.replace(/([.,])([^0-9])/g, " $1 $2");
  s = s.replace(/([0-9])(-)/g, "$1 $2 ");
  return splitWhitespace(s).join(" ");
}
