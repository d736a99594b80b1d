/**
 * A minimal WebAssembly assembler: the few encodings normbench's hand-written kernels need
 * (LEB128 numbers, sections, locals, loops, f32 and f32x4 arithmetic). The kernels of
 * `wasm_module.ts` and `layer_norm_wasm.ts` are assembled with it at start-up: no build step, no
 * binary blob.
 *
 * @module
 */

/** Value type `i32`. */
export const I32 = 0x7f;
/** Value type `f32`. */
export const F32 = 0x7d;
/** Value type `v128`. */
export const V128 = 0x7b;

/** Unsigned LEB128 encoding of `n`. */
export function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let byte = n & 0x7f;
    n >>>= 7;
    if (n !== 0) byte |= 0x80;
    out.push(byte);
  } while (n !== 0);
  return out;
}

/** Signed LEB128 encoding of `n`. */
export function sleb(n: number): number[] {
  const out: number[] = [];
  while (true) {
    const byte = n & 0x7f;
    n >>= 7;
    if ((n === 0 && (byte & 0x40) === 0) || (n === -1 && (byte & 0x40) !== 0)) {
      out.push(byte);
      return out;
    }
    out.push(byte | 0x80);
  }
}

/** A length-prefixed UTF-8 name. */
export function str(s: string): number[] {
  return [...uleb(s.length), ...new TextEncoder().encode(s)];
}

/** A module section: id, byte length, body. */
export function section(id: number, body: number[]): number[] {
  return [id, ...uleb(body.length), ...body];
}

/** A length-prefixed vector of encoded items. */
export function vec(items: number[][]): number[] {
  return [...uleb(items.length), ...items.flat()];
}

/** The module header: magic number and version 1. */
export const MODULE_HEADER: readonly number[] = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];

/** Instruction encodings (SIMD ones carry the 0xfd prefix and a LEB128 sub-opcode). */
export const op = {
  get: (i: number): number[] => [0x20, ...uleb(i)],
  set: (i: number): number[] => [0x21, ...uleb(i)],
  tee: (i: number): number[] => [0x22, ...uleb(i)],
  i32: (n: number): number[] => [0x41, ...sleb(n)],
  add: [0x6a],
  sub: [0x6b],
  mul: [0x6c],
  gtS: [0x4a],
  ltS: [0x48],
  select: [0x1b],
  i32Load: (offset = 0): number[] => [0x28, 2, ...uleb(offset)],
  i32Store: (offset = 0): number[] => [0x36, 2, ...uleb(offset)],
  leS: [0x4c],
  eqz: [0x45],
  block: [0x02, 0x40],
  loop: [0x03, 0x40],
  end: [0x0b],
  br: (d: number): number[] => [0x0c, ...uleb(d)],
  brIf: (d: number): number[] => [0x0d, ...uleb(d)],
  f32Load: (offset = 0): number[] => [0x2a, 2, ...uleb(offset)],
  f32Store: (offset = 0): number[] => [0x38, 2, ...uleb(offset)],
  f32Add: [0x92],
  f32Sub: [0x93],
  f32Mul: [0x94],
  f32Div: [0x95],
  f32Sqrt: [0x91],
  f32FromI32: [0xb2],
  f32Zero: [0x43, 0, 0, 0, 0],
  f32One: [0x43, 0x00, 0x00, 0x80, 0x3f],
  vLoad: (offset = 0): number[] => [0xfd, ...uleb(0x00), 2, ...uleb(offset)],
  vStore: (offset = 0): number[] => [0xfd, ...uleb(0x0b), 2, ...uleb(offset)],
  vZero: [0xfd, ...uleb(0x0c), ...new Array(16).fill(0)],
  splat: [0xfd, ...uleb(0x13)],
  lane: (i: number): number[] => [0xfd, ...uleb(0x1f), i],
  vAdd: [0xfd, ...uleb(0xe4)],
  vSub: [0xfd, ...uleb(0xe5)],
  vMul: [0xfd, ...uleb(0xe6)],
};

/** `local += value` for an i32 local. */
export function inc(local: number, value: number[]): number[] {
  return [...op.get(local), ...value, ...op.add, ...op.set(local)];
}

/** `x < y` for i32 locals (signed). */
export function less(x: number, y: number): number[] {
  return [...op.get(y), ...op.get(x), ...op.gtS];
}

/** `while (cond) body` with `cond` leaving an i32 on the stack. */
export function whileLoop(cond: number[], body: number[]): number[] {
  return [
    ...op.block,
    ...op.loop,
    ...cond,
    ...op.eqz,
    ...op.brIf(1),
    ...body,
    ...op.br(0),
    ...op.end,
    ...op.end,
  ];
}
