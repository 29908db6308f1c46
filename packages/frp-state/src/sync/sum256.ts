// Integers modulo 2^256 as 8 little-endian 32-bit limbs at an offset of a Uint32Array, so a tree of sums is one array.

/** 32-bit limbs in one 256-bit sum. */
export const LIMBS = 8

const LIMB = 0x1_0000_0000

/** target[t…] += source[s…] (mod 2^256). */
export function addLimbs(target: Uint32Array, t: number, source: Uint32Array, s: number): void {
  let carry = 0
  for (let i = 0; i < LIMBS; i++) {
    const sum = target[t + i]! + source[s + i]! + carry
    target[t + i] = sum // a Uint32Array stores the value modulo 2^32
    carry = sum >= LIMB ? 1 : 0
  }
}

/** target[t…] -= source[s…] (mod 2^256). */
export function subtractLimbs(target: Uint32Array, t: number, source: Uint32Array, s: number): void {
  let borrow = 0
  for (let i = 0; i < LIMBS; i++) {
    const difference = target[t + i]! - source[s + i]! - borrow
    target[t + i] = difference // negative values wrap modulo 2^32
    borrow = difference < 0 ? 1 : 0
  }
}

/** target[t…] += id read as a little-endian 256-bit integer (mod 2^256); `id` is 32 bytes. */
export function addId(target: Uint32Array, t: number, id: Uint8Array): void {
  sumWithId(target, t, target, t, id)
}

/** target[t…] = source[s…] + id (mod 2^256). */
export function sumWithId(target: Uint32Array, t: number, source: Uint32Array, s: number, id: Uint8Array): void {
  let carry = 0
  for (let i = 0; i < LIMBS; i++) {
    const sum = source[s + i]! + limbOf(id, i) + carry
    target[t + i] = sum
    carry = sum >= LIMB ? 1 : 0
  }
}

/** target[t…] -= id read as a little-endian 256-bit integer (mod 2^256). */
export function subtractId(target: Uint32Array, t: number, id: Uint8Array): void {
  let borrow = 0
  for (let i = 0; i < LIMBS; i++) {
    const difference = target[t + i]! - limbOf(id, i) - borrow
    target[t + i] = difference
    borrow = difference < 0 ? 1 : 0
  }
}

function limbOf(id: Uint8Array, i: number): number {
  const at = 4 * i
  return (id[at]! | (id[at + 1]! << 8) | (id[at + 2]! << 16)) + id[at + 3]! * 0x100_0000
}
