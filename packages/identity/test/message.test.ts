import { decodeEnvelope, decodePayload, definePayloadKind, WireError, type PayloadCodec } from '@dscs/wire'
import { describe, expect, it } from 'vitest'
import { ReplayGuard, generateIdentity, openMessage, sealPayload } from '../src/index.js'
import { errorCode } from './helpers.js'

const text: PayloadCodec<string> = { encode: (value) => new TextEncoder().encode(value), decode: (bytes) => new TextDecoder().decode(bytes) }
const Note = definePayloadKind('test.Note', text, { maxBytes: 64, encoding: 'raw' })

describe('protocol messages', () => {
  it('seal a payload into an envelope its author signed, at a whole millisecond', () => {
    const alice = generateIdentity()
    const envelope = decodeEnvelope(sealPayload(alice, Note, 'hello', 1_000.7))
    expect(envelope.kind).toBe('test.Note')
    expect(envelope.timestamp).toBe(1_000)
    expect(envelope.author).toEqual(alice.publicKey)
    expect(decodePayload(envelope, Note)).toBe('hello')
  })

  it('open to what the reader made of the envelope, after the replay window and before the signature', async () => {
    const alice = generateIdentity()
    const bytes = sealPayload(alice, Note, 'hello', 1_000)
    const replay = new ReplayGuard({ windowMs: 60_000 })
    expect(openMessage(bytes, { replay, now: 1_000 }, (envelope) => decodePayload(envelope, Note).toUpperCase())).toBe('HELLO')
    // Seen once: the replay window refuses it before the reader runs.
    let read = false
    expect(await errorCode(() => openMessage(bytes, { replay, now: 1_000 }, () => (read = true)))).toBe('REPLAYED')
    expect(read).toBe(false)
  })

  it('refuse what the reader refuses, and a forged signature after the reader', async () => {
    const alice = generateIdentity()
    const refusal = new WireError('UNKNOWN_KIND', 'no such kind here')
    expect(() => openMessage(sealPayload(alice, Note, 'hello', 1_000), { now: 1_000 }, () => { throw refusal })).toThrow(refusal)
    const forged = sealPayload(alice, Note, 'hello', 1_000)
    forged[forged.length - 1]! ^= 1
    expect(await errorCode(() => openMessage(forged, { now: 1_000 }, (envelope) => envelope.kind))).toBe('BAD_SIGNATURE')
  })
})
