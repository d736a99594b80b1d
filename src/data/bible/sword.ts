/**
 * Reader for SWORD zText Bible modules (the format of The SWORD Project's `zText` driver): per
 * testament, `.bzs` holds 12-byte block records `(offset, compressed size, uncompressed size)`
 * into the zlib blocks of `.bzz`, and `.bzv` holds 10-byte verse-slot records `(block, offset,
 * size)` into the uncompressed block. The text of a slot is OSIS XML.
 *
 * @module
 */
import { join } from "node:path";
import { inflateZlib } from "../cache/compression.ts";

/**
 * Reads every verse slot of one testament (`ot` or `nt`) of a zText module directory, as the raw
 * OSIS text of each slot (empty string for an empty slot).
 *
 * @example
 * ```ts ignore
 * import { readZText } from "@normbench/normbench";
 * const ot = await readZText("/usr/share/sword/modules/texts/ztext/engKJV2006eb", "ot");
 * console.log(ot.length); // 24115 slots
 * ```
 */
export async function readZText(dir: string, testament: "ot" | "nt"): Promise<string[]> {
  const [bzs, bzv, bzz] = await Promise.all(
    ["bzs", "bzv", "bzz"].map((ext) => Deno.readFile(join(dir, `${testament}.${ext}`))),
  );
  const blockView = new DataView(bzs.buffer, bzs.byteOffset, bzs.byteLength);
  const blocks: Uint8Array[] = [];
  for (let i = 0; i + 12 <= bzs.length; i += 12) {
    const offset = blockView.getUint32(i, true);
    const size = blockView.getUint32(i + 4, true);
    const plain = blockView.getUint32(i + 8, true);
    if (offset + size > bzz.length) {
      throw new Error(`${dir}/${testament}.bzz: block ${i / 12} past end`);
    }
    blocks.push(await inflateZlib(bzz.subarray(offset, offset + size), plain));
  }
  const verseView = new DataView(bzv.buffer, bzv.byteOffset, bzv.byteLength);
  const decoder = new TextDecoder();
  const slots: string[] = [];
  for (let i = 0; i + 10 <= bzv.length; i += 10) {
    const block = verseView.getUint32(i, true);
    const offset = verseView.getUint32(i + 4, true);
    const size = verseView.getUint16(i + 8, true);
    if (size === 0) {
      slots.push("");
      continue;
    }
    const bytes = blocks[block];
    if (!bytes || offset + size > bytes.length) {
      throw new Error(`${dir}/${testament}.bzv: slot ${i / 10} points outside block ${block}`);
    }
    slots.push(decoder.decode(bytes.subarray(offset, offset + size)));
  }
  return slots;
}

/**
 * Plain text of one OSIS verse: footnotes (`<note>…</note>`) dropped, every other tag stripped
 * (keeping its words), stray USFM markers (`\\nd`) and pilcrows removed, whitespace collapsed.
 *
 * @example
 * ```ts
 * import { osisToText } from "@normbench/normbench";
 * const osis = '¶ In the <w lemma="strong:H7225">beginning</w><note>Heb. x</note>  God.';
 * console.assert(osisToText(osis) === "In the beginning God.");
 * ```
 */
export function osisToText(osis: string): string {
  return osis
    .replace(/<note\b[^>]*\/>/g, "")
    .replace(/<note\b[^>]*>[\s\S]*?<\/note>/g, "")
    .replace(/<[^>]*>/g, "")
    .replace(/\\\+?[a-z]+[0-9]*\*?/g, "")
    .replace(/¶/g, "")
    .replace(/\s+/g, " ")
    .trim();
}

/** What a verse slot holds under the KJV versification's slot layout. */
export interface SlotInfo {
  /** `heading` for module/testament/book/chapter headings, `verse` for a verse. */
  readonly kind: "heading" | "verse";
  /** OSIS reference of a verse (`Gen.1.1`), or of the heading (`Gen`, `Gen.1`, ``). */
  readonly ref: string;
}

/**
 * Classifies one testament's slots from the OSIS markers osis2mod writes: slots 0–1 are the
 * module and testament headings, a slot opening a `<div type="book" sID…>` is a book heading, a
 * slot opening `<chapter sID…>` is a chapter heading, and the slots after a chapter heading are
 * its verses 1, 2, ….
 *
 * @example
 * ```ts
 * import { classifySlots } from "@normbench/normbench";
 * const info = classifySlots([
 *   "", "", '<div osisID="Gen" sID="b1" type="book"/>', '<chapter osisID="Gen.1" sID="Gen.1"/>', "In",
 * ]);
 * console.assert(info[4].kind === "verse" && info[4].ref === "Gen.1.1");
 * ```
 */
export function classifySlots(slots: readonly string[]): SlotInfo[] {
  const out: SlotInfo[] = [];
  let book = "";
  let chapter = "";
  let verse = 0;
  for (const [i, s] of slots.entries()) {
    const bookTag = s.match(/<div\b[^>]*\ssID="[^"]*"[^>]*>/g)?.find((t) => /type="book"/.test(t));
    const chapterTag = s.match(/<chapter\b[^>]*\ssID="[^"]*"[^>]*>/)?.[0];
    if (i < 2) {
      out.push({ kind: "heading", ref: "" });
    } else if (bookTag) {
      book = bookTag.match(/osisID="([^"]*)"/)?.[1] ?? "?";
      out.push({ kind: "heading", ref: book });
    } else if (chapterTag) {
      chapter = chapterTag.match(/osisID="([^"]*)"/)?.[1] ?? `${book}.?`;
      verse = 0;
      out.push({ kind: "heading", ref: chapter });
    } else {
      verse++;
      out.push({ kind: "verse", ref: `${chapter}.${verse}` });
    }
  }
  return out;
}
