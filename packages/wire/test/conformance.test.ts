import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { WireError, decodeEnvelope, encodeEnvelope, type Envelope } from '../src/index.js'
import { dscs } from '../src/gen/envelope.js'
import { arbEnvelope, arbMutation } from './arbitraries.js'

// The reference: protobufjs code generated from proto/envelope.proto.
const Reference = dscs.wire.v1.Envelope

const toNumber = (v: number | { toNumber(): number }): number => (typeof v === 'number' ? v : v.toNumber())
const plain = (b: Uint8Array): number[] => [...b]

/** The reference decoding of `bytes`, in the shape of an Envelope, for comparison. */
function referenceDecode(bytes: Uint8Array) {
  const m = Reference.decode(bytes)
  return {
    version: m.version,
    kind: m.kind,
    payload: plain(m.payload),
    author: plain(m.author),
    timestamp: toNumber(m.timestamp),
    seq: toNumber(m.seq),
    parents: m.parents.map(plain),
    signature: plain(m.signature),
    stamp: m.stamp === null || m.stamp === undefined || m.stamp.length === 0 ? undefined : plain(m.stamp)
  }
}

function comparable(env: Envelope) {
  return {
    version: env.version,
    kind: env.kind,
    payload: plain(env.payload),
    author: plain(env.author),
    timestamp: env.timestamp,
    seq: env.seq,
    parents: env.parents.map(plain),
    signature: plain(env.signature),
    stamp: env.stamp === undefined ? undefined : plain(env.stamp)
  }
}

describe('the envelope codec conforms to the protobufjs code generated from the .proto', () => {
  it('each decodes what the other encodes, field for field', () => {
    fc.assert(
      fc.property(arbEnvelope, (env) => {
        expect(referenceDecode(encodeEnvelope(env))).toEqual(comparable(env))
        const reference = Reference.encode({ ...env, parents: [...env.parents] }).finish()
        expect(comparable(decodeEnvelope(reference))).toEqual(comparable(env))
      }),
      { numRuns: 3000 }
    )
  })

  it('whatever hostile bytes it accepts, the reference decodes to the same fields', () => {
    const input = fc.oneof(fc.uint8Array({ maxLength: 400 }), arbMutation(arbEnvelope.map((e) => encodeEnvelope(e))))
    let accepted = 0
    fc.assert(
      fc.property(input, (bytes) => {
        let env: Envelope
        try {
          env = decodeEnvelope(bytes)
        } catch (err) {
          expect(err).toBeInstanceOf(WireError)
          return
        }
        accepted++
        expect(referenceDecode(bytes)).toEqual(comparable(env))
      }),
      { numRuns: 20_000 }
    )
    expect(accepted).toBeGreaterThan(100)
  })
})
