/**
 * `normbench bleu REF… HYP`: corpus BLEU of a line-aligned hypothesis file against one or more
 * reference files, printed like sacreBLEU's command line (`-f text`), or as its JSON.
 *
 * @module
 */
import type { Command } from "commander";
import {
  type BleuSmoothing,
  type BleuTokenizer,
  corpusBleu,
  formatBleu,
  verboseBleu,
} from "../metrics/bleu.ts";
import { formatFixed } from "../metrics/format.ts";
import { UsageError } from "../util/errors.ts";
import { inputFile, parseIntFlag, parseNumberFlag } from "../util/validate.ts";

/** The most decimals `--width` prints (sacreBLEU's default is 1). */
const MAX_WIDTH = 10;

async function readLines(path: string): Promise<string[]> {
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (err) {
    throw new UsageError(`cannot read ${path}: ${(err as Error).message}`);
  }
  const lines = text.split(/\r?\n/);
  if (lines.at(-1) === "") lines.pop();
  return lines;
}

function choice<T extends string>(flag: string, value: string, allowed: readonly T[]): T {
  if (!(allowed as readonly string[]).includes(value)) {
    throw new UsageError(`${flag} must be one of ${allowed.join(", ")}, got '${value}'`);
  }
  return value as T;
}

/** Registers `bleu`. */
export function registerBleu(program: Command): void {
  program.command("bleu")
    .description(
      "corpus BLEU of HYP against REF file(s), sacreBLEU-compatible (13a, exp smoothing)",
    )
    .argument(
      "<files...>",
      "REF [REF…] HYP: line-aligned reference file(s), then the hypothesis file",
    )
    .option("--tokenize <tok>", "13a | none", "13a")
    .option("--lowercase", "case-insensitive BLEU")
    .option("--smooth-method <m>", "exp | floor | add-k | none", "exp")
    .option("--smooth-value <v>", "value for floor (0.1) / add-k (1)")
    .option("--width <n>", "decimals of the score", "1")
    .option("--score-only", "print only the score")
    .option("--json", "print sacreBLEU's JSON")
    .action(async (files: string[], opts: {
      tokenize: string;
      lowercase?: boolean;
      smoothMethod: string;
      smoothValue?: string;
      width: string;
      scoreOnly?: boolean;
      json?: boolean;
    }) => {
      if (files.length < 2) {
        throw new UsageError(
          "bleu needs a reference file and a hypothesis file",
          "normbench bleu REF HYP",
        );
      }
      const tokenize = choice<BleuTokenizer>("--tokenize", opts.tokenize, ["13a", "none"]);
      const smoothMethod = choice<BleuSmoothing>("--smooth-method", opts.smoothMethod, [
        "exp",
        "floor",
        "add-k",
        "none",
      ]);
      // A negative count added to n-gram matches, or a negative floor, makes precisions
      // above 100% or log(negative): BLEU has no meaning there.
      const smoothValue = opts.smoothValue === undefined
        ? undefined
        : parseNumberFlag("--smooth-value", opts.smoothValue, {
          min: 0,
          hint: "floor takes a small positive value (sacreBLEU: 0.1), add-k a count ≥ 0 (1)",
        });
      const width = parseIntFlag("--width", opts.width, {
        min: 0,
        max: MAX_WIDTH,
        hint: "the number of decimals of the score",
      });
      for (const [i, f] of files.entries()) {
        await inputFile(i === files.length - 1 ? "hypothesis" : "reference", f);
      }
      const hyps = await readLines(files.at(-1)!);
      const refs = await Promise.all(files.slice(0, -1).map(readLines));
      for (const [k, r] of refs.entries()) {
        if (r.length !== hyps.length) {
          throw new UsageError(
            `${files[k]} has ${r.length} lines but ${files.at(-1)} has ${hyps.length}`,
            "reference and hypothesis files must be line-aligned",
          );
        }
      }
      const score = corpusBleu(hyps, refs, {
        tokenize,
        lowercase: opts.lowercase ?? false,
        smoothMethod,
        smoothValue,
      });
      if (opts.json) {
        const out: Record<string, unknown> = {
          name: "BLEU",
          score: Number(formatFixed(score.score, width)),
          signature: score.signature,
          verbose_score: verboseBleu(score),
        };
        for (const part of score.signature.split("|")) {
          const [k, v] = part.split(":");
          out[k] = v;
        }
        console.log(JSON.stringify(out, null, 1));
      } else if (opts.scoreOnly) {
        console.log(formatFixed(score.score, width));
      } else {
        console.log(formatBleu(score, { width }));
      }
    });
}
