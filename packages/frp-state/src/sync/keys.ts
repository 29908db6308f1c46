// Exact Map keys for ids: two bytes per UTF-16 code unit, built by one call with fixed arguments, the fastest way
// measured (a spread `String.fromCharCode(...id)` is five times slower, a TextDecoder four times).

/** A 32-byte id as a 16-character string. */
export function idKey(id: Uint8Array): string {
  return String.fromCharCode(
    pair(id, 0), pair(id, 2), pair(id, 4), pair(id, 6), pair(id, 8), pair(id, 10), pair(id, 12), pair(id, 14),
    pair(id, 16), pair(id, 18), pair(id, 20), pair(id, 22), pair(id, 24), pair(id, 26), pair(id, 28), pair(id, 30)
  )
}

/** The first 8 bytes of an id (what a list carries) as a 4-character string. */
export function idPrefixKey(id: Uint8Array): string {
  return String.fromCharCode(pair(id, 0), pair(id, 2), pair(id, 4), pair(id, 6))
}

function pair(bytes: Uint8Array, at: number): number {
  return (bytes[at]! << 8) | bytes[at + 1]!
}
