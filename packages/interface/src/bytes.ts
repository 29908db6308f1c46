/**
 * A plain Uint8Array view of the same memory. Node libraries hand out
 * Buffers (a Uint8Array subclass); DSCS hands out plain Uint8Arrays
 * everywhere, so values compare equal whatever produced them.
 */
export function asPlainBytes(bytes: Uint8Array): Uint8Array {
  return bytes.constructor === Uint8Array ? bytes : new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength)
}

/** Lexicographic byte order, the order every Store keeps its keys in. */
export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length)
  for (let i = 0; i < n; i++) {
    if (a[i] !== b[i]) return a[i]! - b[i]!
  }
  return a.length - b.length
}
