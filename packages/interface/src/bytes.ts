/**
 * A plain Uint8Array view of the same memory. Node libraries hand out
 * Buffers (a Uint8Array subclass); DSCS hands out plain Uint8Arrays
 * everywhere, so values compare equal whatever produced them.
 */
export function asPlainBytes(bytes: Uint8Array): Uint8Array {
  return bytes.constructor === Uint8Array ? bytes : new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength)
}

/**
 * One message to send: its bytes, or its pieces in order (a gather write), so
 * a large payload goes out without being copied next to its header.
 */
export type MessageBytes = Uint8Array | readonly Uint8Array[]

/** The bytes of a message as one array: the array itself, or its pieces copied together. */
export function joinBytes(message: MessageBytes): Uint8Array {
  if (message instanceof Uint8Array) return message
  if (message.length === 1) return message[0]!
  const out = new Uint8Array(byteLength(message))
  let at = 0
  for (const part of message) {
    out.set(part, at)
    at += part.length
  }
  return out
}

/** How many bytes a message holds. */
export function byteLength(message: MessageBytes): number {
  if (message instanceof Uint8Array) return message.length
  let length = 0
  for (const part of message) length += part.length
  return length
}

/** Lexicographic byte order, the order every Store keeps its keys in. */
export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length)
  for (let i = 0; i < n; i++) {
    if (a[i] !== b[i]) return a[i]! - b[i]!
  }
  return a.length - b.length
}
