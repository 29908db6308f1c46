import { generateIdentity } from '@dscs/identity'
import { decodeEnvelope, encodeEnvelope, envelopeHash } from '@dscs/wire'
import { bytesToHex } from '@noble/hashes/utils.js'
import { describe, expect, it } from 'vitest'
import { gossipMessageId } from '../src/index.js'
import { envelopeBytes } from './helpers.js'

const idOf = (data: Uint8Array): string => bytesToHex(gossipMessageId({ type: 'unsigned', topic: 't', data }, {}))

describe('gossip message ids', () => {
  it('are the envelope hash: a restamped or re-encoded envelope is the same message on a topic without admission checks', () => {
    const bytes = envelopeBytes(generateIdentity(), 'hello')
    const envelope = decodeEnvelope(bytes)
    expect(idOf(bytes)).toBe(bytesToHex(envelopeHash(envelope)))
    const restamped = encodeEnvelope({ ...envelope, stamp: new Uint8Array([1, 2, 3]) })
    const withUnknownField = new Uint8Array([...bytes, 0x78, 0x01])
    expect(idOf(restamped)).toBe(idOf(bytes))
    expect(idOf(withUnknownField)).toBe(idOf(bytes))
  })

  it('on a topic whose admission reads stamps, tell a stamped envelope from its stripped or restamped copies', () => {
    const stamped = (topic: string) => topic === 'stamped'
    const idOn = (topic: string, data: Uint8Array): string => bytesToHex(gossipMessageId({ type: 'unsigned', topic, data }, {}, stamped))
    const envelope = decodeEnvelope(envelopeBytes(generateIdentity(), 'hello'))
    const bare = encodeEnvelope(envelope)
    const withStamp = encodeEnvelope({ ...envelope, stamp: new Uint8Array([1, 2, 3]) })
    const otherStamp = encodeEnvelope({ ...envelope, stamp: new Uint8Array([4, 5, 6]) })
    expect(new Set([idOn('stamped', bare), idOn('stamped', withStamp), idOn('stamped', otherStamp)]).size).toBe(3)
    expect(idOn('stamped', bare)).toBe(bytesToHex(envelopeHash(envelope)))
    expect(idOn('plain', withStamp)).toBe(idOn('plain', bare))
  })

  it('give undecodable bytes an id from another domain, never colliding with an envelope id', () => {
    const garbage = new Uint8Array([0xff, 0x00, 0x12])
    expect(idOf(garbage)).toMatch(/^[0-9a-f]{64}$/)
    expect(idOf(garbage)).toBe(idOf(garbage.slice()))
    expect(idOf(garbage)).not.toBe(idOf(new Uint8Array([0xff, 0x00, 0x13])))
  })
})
