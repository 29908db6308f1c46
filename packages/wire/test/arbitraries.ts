import fc from 'fast-check'
import type { Envelope } from '../src/index.js'

const bytes = (n: number) => fc.uint8Array({ minLength: n, maxLength: n })

export const arbKind = fc.stringMatching(/^[A-Za-z][A-Za-z0-9_.-]{0,40}$/)

/** Any envelope the wire rules accept. */
export const arbEnvelope: fc.Arbitrary<Envelope> = fc
  .record({
    kind: arbKind,
    payload: fc.uint8Array({ maxLength: 200 }),
    author: bytes(32),
    timestamp: fc.maxSafeNat(),
    seq: fc.maxSafeNat(),
    parents: fc.array(bytes(32), { maxLength: 4 }),
    signature: bytes(64),
    stamp: fc.option(fc.uint8Array({ minLength: 1, maxLength: 64 }), { nil: undefined })
  })
  .map(({ stamp, ...rest }) => ({ version: 1, ...rest, ...(stamp === undefined ? {} : { stamp }) }))

/** Byte strings derived from `valid` by the mutations a fuzzer would try. */
export function arbMutation(valid: fc.Arbitrary<Uint8Array>): fc.Arbitrary<Uint8Array> {
  return fc.oneof(
    // flip bytes
    fc.tuple(valid, fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 6 })).map(([b, flips]) => {
      const out = b.slice()
      if (out.length === 0) return out
      for (const [i, v] of flips) out[i % out.length] = v
      return out
    }),
    // truncate
    fc.tuple(valid, fc.nat()).map(([b, n]) => b.subarray(0, b.length === 0 ? 0 : n % b.length)),
    // splice random bytes in
    fc.tuple(valid, fc.nat(), fc.uint8Array({ minLength: 1, maxLength: 16 })).map(([b, at, ins]) => {
      const i = b.length === 0 ? 0 : at % b.length
      const out = new Uint8Array(b.length + ins.length)
      out.set(b.subarray(0, i))
      out.set(ins, i)
      out.set(b.subarray(i), i + ins.length)
      return out
    }),
    // duplicate a slice (repeats fields)
    fc.tuple(valid, fc.nat(), fc.nat()).map(([b, s, l]) => {
      const start = b.length === 0 ? 0 : s % b.length
      const slice = b.subarray(start, start + (l % 64))
      const out = new Uint8Array(b.length + slice.length)
      out.set(b)
      out.set(slice, b.length)
      return out
    })
  )
}
