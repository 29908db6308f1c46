import { isDscsError } from '@dscs/interface'
import { expect } from 'vitest'

/** `length` bytes drawn from a seeded xorshift stream: arbitrary content, the same for the same seed, cheap to make large. */
export function contentBytes(length: number, seed: number): Uint8Array<ArrayBuffer> {
  const bytes = new Uint8Array(length)
  let state = seed | 1
  for (let i = 0; i < length; i++) {
    state ^= state << 13
    state ^= state >>> 17
    state ^= state << 5
    bytes[i] = state & 0xff
  }
  return bytes
}

/** Every piece of `pieces`, joined. */
export async function collect(pieces: AsyncIterable<Uint8Array>): Promise<Uint8Array> {
  const parts: Uint8Array[] = []
  for await (const piece of pieces) parts.push(piece.slice())
  const joined = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0))
  let at = 0
  for (const part of parts) {
    joined.set(part, at)
    at += part.length
  }
  return joined
}

/** The code of the DscsError that `run` throws; fails the test when it throws anything else or nothing. */
export function codeOf(run: () => unknown): string {
  try {
    run()
  } catch (err) {
    expect(isDscsError(err)).toBe(true)
    return (err as { code: string }).code
  }
  expect.fail('expected a DscsError, nothing was thrown')
}

/** The code of the DscsError that `promise` rejects with. */
export async function rejectionCode(promise: Promise<unknown>): Promise<string> {
  try {
    await promise
  } catch (err) {
    expect(isDscsError(err)).toBe(true)
    return (err as { code: string }).code
  }
  expect.fail('expected a rejection with a DscsError')
}

/** A copy of `bytes` with bit `bit` flipped. */
export function flipBit(bytes: Uint8Array, bit: number): Uint8Array {
  const flipped = bytes.slice()
  flipped[bit >>> 3]! ^= 0x80 >>> (bit & 7)
  return flipped
}
