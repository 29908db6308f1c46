import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { FrpStateError } from '../src/core/errors.js'
import { compareOps, type OpPosition } from '../src/core/hlc.js'
import { END, boundBetween, type Bound } from '../src/sync/bound.js'
import { SYNC_VERSION } from '../src/sync/constants.js'
import { decodeSyncMessage } from '../src/sync/message-reader.js'
import { SyncMessageWriter } from '../src/sync/message-writer.js'
import type { SyncRange } from '../src/sync/message.js'

const position = fc.record({
  wall: fc.oneof(fc.integer({ min: 0, max: 5 }), fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER })),
  counter: fc.integer({ min: 0, max: 2 }),
  author: fc.constantFrom(new Uint8Array(32), new Uint8Array(32).fill(1)),
  id: fc.uint8Array({ minLength: 32, maxLength: 32 })
})

/** Strictly increasing bounds, as an index makes them: between neighbouring ops, maybe closed by the end of the order. */
const bounds = fc.tuple(fc.uniqueArray(position, { maxLength: 40, selector: (op) => op.id.join() }), fc.boolean()).map(([ops, toEnd]) => {
  const sorted: OpPosition[] = [...ops].sort(compareOps)
  const out: Bound[] = sorted.slice(1).map((op, i) => boundBetween(sorted[i]!, op))
  return toEnd ? [...out, END] : out
})

const body = fc.oneof(
  fc.constant({ mode: 'skip' as const }),
  fc.uint8Array({ minLength: 16, maxLength: 16 }).map((fingerprint) => ({ mode: 'fingerprint' as const, fingerprint })),
  fc.array(fc.uint8Array({ minLength: 8, maxLength: 8 }), { maxLength: 20 }).map((ids) => ({ mode: 'list' as const, ids })),
  fc.uint8Array({ maxLength: 32 }).map((bitmap) => ({ mode: 'need' as const, bitmap }))
)

const message = bounds.chain((uppers) => fc.array(body, { minLength: uppers.length, maxLength: uppers.length }).map((bodies) => bodies.map((b, i) => ({ ...b, upper: uppers[i]! }))))

function encode(ranges: readonly SyncRange[]): Uint8Array {
  const writer = new SyncMessageWriter()
  for (const range of ranges) writer.write(range)
  return writer.finish()
}

const refusedAs = (code: string): unknown => expect.toSatisfy((err: unknown) => err instanceof FrpStateError && err.code === code)

describe('reconciliation messages', () => {
  it('decode to the ranges they were written from', () => {
    fc.assert(
      fc.property(message, (ranges) => {
        const bytes = encode(ranges)
        expect(bytes[0]).toBe(SYNC_VERSION)
        expect(decodeSyncMessage(bytes)).toEqual(ranges)
      })
    )
  })

  it('write a bound in the time delta alone when it has no counter and no prefix', () => {
    const writer = new SyncMessageWriter()
    writer.write({ mode: 'skip', upper: { wall: 1_000, counter: 0, prefix: new Uint8Array(0) } })
    writer.write({ mode: 'fingerprint', upper: { wall: 1_100, counter: 3, prefix: Uint8Array.of(9) }, fingerprint: new Uint8Array(16) })
    writer.write({ mode: 'skip', upper: END })
    // version · skip, 1000 · fingerprint with counter and prefix, 100, 3, [9], 16 bytes · skip to the end
    expect(writer.finish()).toEqual(Uint8Array.of(1, 0, 0xe8, 0x07, 0b11001, 100, 3, 1, 9, ...new Uint8Array(16), 0b100))
  })

  it('refuse whatever is malformed with BAD_SYNC_MESSAGE', () => {
    const malformed: number[][] = [
      [],
      [2], // unknown version
      [1, 0b100000], // unknown flag
      [1, 0], // truncated bound
      [1, 0, 0], // a bound at the start of the order: not after it
      [1, 0, 5, 0, 0], // a bound repeated
      [1, 0b1000, 5, 0x80, 0x80, 0x04], // counter 65536
      [1, 0b10000, 5, 0], // empty prefix
      [1, 0b10000, 5, 65, ...new Uint8Array(65).fill(1)], // prefix longer than author ‖ id
      [1, 0b10000, 5, 2, 1, 0], // prefix ending in a zero byte
      [1, 0b100, 0b100], // a range after the end of the order
      [1, 0b101, 1, 2, 3], // a truncated fingerprint
      [1, 0b110, 1, 1, 2, 3], // a truncated list
      [1, 0b111, 33], // a bitmap over 256 ids
      [1, 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01], // a varint of 9 bytes
      [1, 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f] // a wall past 2^53
    ]
    for (const bytes of malformed) expect(() => decodeSyncMessage(Uint8Array.from(bytes)), `${bytes.join(',')}`).toThrow(refusedAs('BAD_SYNC_MESSAGE'))
  })

  it('refuse random bytes with a typed error or decode them, never anything else', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        bytes[0] = SYNC_VERSION
        try {
          decodeSyncMessage(bytes)
        } catch (err) {
          expect(err).toBeInstanceOf(FrpStateError)
        }
      }),
      { numRuns: 500 }
    )
  })
})
