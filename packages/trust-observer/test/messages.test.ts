// The hand-written Submitted encoder against protobufjs's generated one, and back through the checked decoder.
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { dscs } from '../src/gen/trust-observer.js'
import { messageLimits } from '../src/core/messages.js'
import { decodeObserverMessage, encodeObserverMessage } from '../src/index.js'

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
