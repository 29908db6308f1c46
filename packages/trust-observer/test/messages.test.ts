// The hand-written Submitted encoder against protobufjs's generated one, and back through the checked decoder; the
// hand-read Submit against the general decoder.
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { dscs } from '../src/gen/trust-observer.js'
import { canonicalSubmit, decodeAnyObserverMessage, messageLimits } from '../src/core/messages.js'
import { decodeObserverMessage, encodeObserverMessage, ObserverError, type ObserverMessage } from '../src/index.js'

const bytes = (max: number) => fc.uint8Array({ maxLength: max })
const receipt = fc.record({
  batch: bytes(400),
  entryId: bytes(40),
  index: fc.oneof(fc.constant(0), fc.nat(), fc.maxSafeNat()),
  path: fc.array(fc.uint8Array({ minLength: 32, maxLength: 32 }), { maxLength: 20 })
})

describe('the Submitted encoder', () => {
  it('writes the bytes protobufjs writes, for any receipt and request number', () => {
    fc.assert(
      fc.property(fc.oneof(fc.constant(0), fc.nat(), fc.maxSafeNat()), receipt, (request, fields) => {
        const ours = encodeObserverMessage({ type: 'submitted', request, receipt: fields })
        const theirs = dscs.trust_observer.v1.ObserverMessage.encode({ submitted: { request, receipt: { ...fields, path: [...fields.path] } } }).finish()
        expect([...ours]).toEqual([...theirs])
      }),
      { numRuns: 500 }
    )
  })

  it('round-trips through the checked decoder', () => {
    const fields = { batch: new Uint8Array(120).fill(7), entryId: new Uint8Array(32).fill(1), index: 123_456, path: [new Uint8Array(32).fill(2), new Uint8Array(32).fill(3)] }
    const decoded = decodeObserverMessage(encodeObserverMessage({ type: 'submitted', request: 42, receipt: fields }), messageLimits({}))
    expect(decoded).toEqual({ type: 'submitted', request: 42, receipt: fields })
  })
})

describe('the Submit shortcut', () => {
  const limits = messageLimits({ maxEntryBytes: 1_000, maxMessageBytes: 2_000 })
  const general = (bytes: Uint8Array): ObserverMessage | string => {
    try {
      return decodeAnyObserverMessage(bytes, limits)
    } catch (err) {
      return err instanceof ObserverError ? err.code : String(err)
    }
  }
  const submit = fc
    .record({ request: fc.oneof(fc.constant(0), fc.nat(), fc.maxSafeNat()), envelope: bytes(300) })
    .map(({ request, envelope }) => encodeObserverMessage({ type: 'submit', request, envelope }))
  // Submits changed here and there: a byte flipped, cut short, extended, a field repeated.
  const mangled = fc.oneof(
    fc.tuple(submit, fc.nat(), fc.integer({ min: 0, max: 255 })).map(([b, at, value]) => {
      const copy = b.slice()
      if (copy.length > 0) copy[at % copy.length] = value
      return copy
    }),
    fc.tuple(submit, fc.nat()).map(([b, cut]) => b.subarray(0, cut % (b.length + 1))),
    fc.tuple(submit, bytes(8)).map(([b, tail]) => Uint8Array.from([...b, ...tail])),
    submit.map((b) => Uint8Array.from([...b, ...b]))
  )

  it('agrees with the general decoder on everything it accepts, and accepts what the observer is sent', () => {
    fc.assert(
      fc.property(fc.oneof(submit, mangled, bytes(64)), (input) => {
        const fast = canonicalSubmit(input)
        if (fast !== undefined) expect(fast).toEqual(general(input))
      }),
      { numRuns: 3_000 }
    )
    fc.assert(
      fc.property(submit, (input) => {
        const decoded = general(input)
        if (typeof decoded !== 'string' && decoded.type === 'submit' && decoded.envelope.length > 0) expect(canonicalSubmit(input)).toEqual(decoded)
      })
    )
  })

  it('leaves an oversized message to the general path, which refuses it', () => {
    const big = encodeObserverMessage({ type: 'submit', request: 1, envelope: new Uint8Array(2_500) })
    expect(() => decodeObserverMessage(big, limits)).toThrow(expect.objectContaining({ code: 'TOO_LARGE' }))
  })
})
