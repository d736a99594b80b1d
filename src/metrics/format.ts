/**
 * Number formatting that matches Python's `f"{x:.Nf}"` (round half to even on the exact binary
 * value), so printed scores agree digit for digit with Python tools such as sacreBLEU.
 *
 * @module
 */

/**
 * Formats `x` with `digits` decimals like Python's `format(x, f".{digits}f")`.
 *
 * @example
 * ```ts
 * import { formatFixed } from "@normbench/normbench";
 * console.assert(formatFixed(6.25, 1) === "6.2"); // JS toFixed gives "6.3"
 * console.assert(formatFixed(18.75, 1) === "18.8");
 * ```
 */
export function formatFixed(x: number, digits: number): string {
  if (!Number.isFinite(x)) return x > 0 ? "inf" : x < 0 ? "-inf" : "nan";
  const exact = Math.abs(x).toFixed(100); // the exact decimal expansion of the double
  const dot = exact.indexOf(".");
  const rest = exact.slice(dot + 1 + digits);
  const isTie = rest[0] === "5" && /^0*$/.test(rest.slice(1));
  let out = x.toFixed(digits);
  if (isTie) {
    // toFixed rounded away from zero; Python rounds to the even neighbour.
    const kept = exact.slice(0, dot + 1 + digits).replace(/\.$/, "");
    const lastDigit = Number(kept.replace(".", "").at(-1));
    if (lastDigit % 2 === 0) out = (x < 0 ? "-" : "") + kept;
  }
  return out === "-0" || /^-0\.0*$/.test(out) ? out.slice(1) : out;
}
