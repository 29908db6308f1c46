import { describe, expect, it } from 'vitest'
import { DscsError } from '@dscs/interface'
import {
  PayloadRegistry,
  WireError,
  decodePayload,
  definePayloadKind,
  encodePayload,
  protobufCodec,
  type Envelope
} from '../src/index.js'
import { dscs } from '../src/gen/envelope.js'

// The envelope message itself serves as a convenient generated type to carry as a payload.
const Nested = definePayloadKind('test.Nested', protobufCodec(dscs.wire.v1.Envelope), { maxBytes: 256, maxRepeated: 2 })
const Text = definePayloadKind(
  'test.Text',
  { encode: (s: string) => new TextEncoder().encode(s), decode: (b) => new TextDecoder('utf-8', { fatal: true }).decode(b) },
  {
    encoding: 'raw',
    maxBytes: 16,
    validate: (s) => {
      if (s.includes('!')) throw new DscsError('SHOUTING', 'no shouting')
    }
  }
)

function envelopeOf(kind: string, payload: Uint8Array): Envelope {
  return { version: 1, kind, payload, author: new Uint8Array(32), timestamp: 1, seq: 0, parents: [], signature: new Uint8Array(64) }
}

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn()
  } catch (err) {
    return err instanceof DscsError ? err.code : `not a DscsError: ${String(err)}`
  }
  return undefined
}

describe('PayloadRegistry', () => {
  const registry = new PayloadRegistry()
  registry.register(Nested)
  registry.register(Text)

  it('decodes a registered kind to a typed value', () => {
    const env = envelopeOf('test.Text', encodePayload(Text, 'hello'))
    expect(registry.decode(env)).toEqual({ kind: 'test.Text', value: 'hello' })
    const text: string = decodePayload(env, Text)
    expect(text).toBe('hello')
    const nested = encodePayload(Nested, { version: 3, kind: 'x' })
    expect(decodePayload(envelopeOf('test.Nested', nested), Nested)).toMatchObject({ version: 3, kind: 'x' })
  })

  it('refuses unregistered and mismatched kinds', () => {
    expect(codeOf(() => registry.decode(envelopeOf('test.Other', new Uint8Array())))).toBe('UNKNOWN_KIND')
    expect(codeOf(() => decodePayload(envelopeOf('test.Nested', new Uint8Array()), Text))).toBe('KIND_MISMATCH')
  })

  it('applies the kind limits, the scan and the validator', () => {
    expect(codeOf(() => decodePayload(envelopeOf('test.Text', new Uint8Array(17)), Text))).toBe('TOO_LARGE')
    expect(codeOf(() => encodePayload(Text, 'x'.repeat(17)))).toBe('TOO_LARGE')
    expect(codeOf(() => decodePayload(envelopeOf('test.Text', encodePayload(Text, 'hi!')), Text))).toBe('SHOUTING')
    expect(codeOf(() => decodePayload(envelopeOf('test.Text', new Uint8Array([0xff])), Text))).toBe('MALFORMED')
    const threeParents = encodePayload(Nested, { parents: [new Uint8Array(1), new Uint8Array(1), new Uint8Array(1)] })
    expect(codeOf(() => decodePayload(envelopeOf('test.Nested', threeParents), Nested))).toBe('TOO_LARGE')
  })

  it('refuses a second, different definition of a kind', () => {
    expect(registry.register(Text)).toBe(Text)
    expect(() => registry.register(definePayloadKind('test.Text', Text.codec))).toThrow(WireError)
    expect(registry.has('test.Text')).toBe(true)
  })
})
