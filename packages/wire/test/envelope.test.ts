import fc from 'fast-check'
import Long from 'long'
import { describe, expect, it } from 'vitest'
import {
  WireError,
  createEnvelope,
  decodeEnvelope,
  encodeEnvelope,
  type Envelope
} from '../src/index.js'
import { dscs } from '../src/gen/envelope.js'
import { arbEnvelope } from './arbitraries.js'

const sample: Envelope = {
  version: 1,
  kind: 'dscs.test.Sample',
  payload: new Uint8Array([1, 2, 3]),
  author: new Uint8Array(32).fill(7),
  timestamp: 1_700_000_000_000,
  seq: 42,
  parents: [new Uint8Array(32).fill(9)],
  signature: new Uint8Array(64).fill(5)
}

/** Encodes fields with the generated code directly, bypassing the checks encodeEnvelope makes. */
function rawEnvelope(fields: Partial<Omit<Envelope, 'timestamp'>> & { timestamp?: number | Long }): Uint8Array {
  const merged = { ...sample, ...fields }
  return dscs.wire.v1.Envelope.encode({ ...merged, parents: [...merged.parents] }).finish()
}

function expectWireError(fn: () => unknown, code: string): void {
  try {
    fn()
  } catch (err) {
    expect(err).toBeInstanceOf(WireError)
    expect((err as WireError).code).toBe(code)
    return
  }
  expect.fail(`expected WireError ${code}`)
}

/** Appends one raw protobuf field (already tagged) to an encoded message. */
function withField(bytes: Uint8Array, field: Uint8Array): Uint8Array {
  const out = new Uint8Array(bytes.length + field.length)
  out.set(bytes)
  out.set(field, bytes.length)
  return out
}

describe('envelope encode/decode', () => {
  it('round-trips every valid envelope exactly', () => {
    fc.assert(
      fc.property(arbEnvelope, (env) => {
        const decoded = decodeEnvelope(encodeEnvelope(env))
        expect({ ...decoded, parents: [...decoded.parents] }).toEqual({ ...env, parents: [...env.parents] })
      }),
      { numRuns: 2000 }
    )
  })

  it('ignores unknown fields of every wire type', () => {
    const bytes = encodeEnvelope(sample)
    const unknown = [
      [0x78, 0x05], // field 15, varint
      [0x7a, 0x02, 0xaa, 0xbb], // field 15, length-delimited
      [0x7d, 1, 2, 3, 4], // field 15, fixed32
      [0x79, 1, 2, 3, 4, 5, 6, 7, 8] // field 15, fixed64
    ]
    for (const field of unknown) {
      expect(decodeEnvelope(withField(bytes, new Uint8Array(field)))).toEqual(sample)
    }
  })

  it('rejects an unknown major version with UNSUPPORTED_VERSION', () => {
    const v2 = rawEnvelope({ version: 2 })
    expectWireError(() => decodeEnvelope(v2), 'UNSUPPORTED_VERSION')
    const v0 = rawEnvelope({ version: 0 })
    expectWireError(() => decodeEnvelope(v0), 'UNSUPPORTED_VERSION')
  })

  it('refuses oversized input before parsing it', () => {
    const big = encodeEnvelope({ ...sample, payload: new Uint8Array(5000) })
    expectWireError(() => decodeEnvelope(big, { maxEnvelopeBytes: 4096 }), 'TOO_LARGE')
    expectWireError(() => encodeEnvelope({ ...sample, payload: new Uint8Array(5000) }, { maxEnvelopeBytes: 4096 }), 'TOO_LARGE')
    // a buffer of garbage over the limit is TOO_LARGE, not MALFORMED: size is checked first
    expectWireError(() => decodeEnvelope(new Uint8Array(2 * 1024 * 1024).fill(0xff)), 'TOO_LARGE')
  })

  it('limits repeated items and string length', () => {
    const parents = Array.from({ length: 5 }, () => new Uint8Array(32))
    expectWireError(() => decodeEnvelope(encodeEnvelope({ ...sample, parents }), { maxRepeated: 4 }), 'TOO_LARGE')
    const longKind = 'k'.repeat(129)
    const raw = rawEnvelope({ kind: longKind })
    expectWireError(() => decodeEnvelope(raw), 'TOO_LARGE')
    expectWireError(() => encodeEnvelope({ ...sample, kind: longKind }), 'TOO_LARGE')
  })

  it('refuses fields of the wrong width and bad kind names', () => {
    const cases: Partial<Envelope>[] = [
      { author: new Uint8Array(31) },
      { signature: new Uint8Array(63) },
      { parents: [new Uint8Array(33)] },
      { kind: '' },
      { kind: '9starts.with.digit' },
      { kind: 'has space' }
    ]
    for (const change of cases) {
      const raw = rawEnvelope({ ...change })
      expectWireError(() => decodeEnvelope(raw), 'MALFORMED')
    }
    expectWireError(() => decodeEnvelope(rawEnvelope({ stamp: new Uint8Array(65) })), 'TOO_LARGE')
  })

  it('refuses timestamps beyond 2^53 rather than rounding them', () => {
    const raw = rawEnvelope({ timestamp: Long.MAX_UNSIGNED_VALUE })
    expectWireError(() => decodeEnvelope(raw), 'MALFORMED')
  })

  it('refuses groups, which nest without bound', () => {
    const nested = new Uint8Array(10_000).fill(0x7b) // field 15, start-group, repeated
    expectWireError(() => decodeEnvelope(withField(encodeEnvelope(sample), nested)), 'MALFORMED')
  })

  it('createEnvelope fills defaults and checks the rules', () => {
    const env = createEnvelope({ kind: 'a.B', payload: new Uint8Array(), author: new Uint8Array(32), timestamp: 1 })
    expect(env).toMatchObject({ version: 1, seq: 0, parents: [] })
    expectWireError(() => createEnvelope({ kind: 'a.B', payload: new Uint8Array(), author: new Uint8Array(32), timestamp: -1 }), 'MALFORMED')
    expectWireError(() => createEnvelope({ kind: 'a.B', payload: new Uint8Array(), author: new Uint8Array(32), timestamp: 1.5 }), 'MALFORMED')
  })
})
