import fc from 'fast-check'
import { sha256 } from '@noble/hashes/sha2.js'
import { bytesToHex, concatBytes, hexToBytes } from '@noble/hashes/utils.js'
import { describe, expect, it } from 'vitest'
import { CanonicalBytes, WireError, envelopeHash, signingBytes, type Envelope } from '../src/index.js'
import { arbEnvelope } from './arbitraries.js'

const env: Envelope = {
  version: 1,
  kind: 'a.B',
  payload: new Uint8Array([0xde, 0xad]),
  author: new Uint8Array(32).fill(1),
  timestamp: 2 ** 40 + 5,
  seq: 7,
  parents: [new Uint8Array(32).fill(2)],
  signature: new Uint8Array(64).fill(3),
  stamp: new Uint8Array([9])
}

describe('signingBytes', () => {
  it('is the documented canonical layout', () => {
    const expected = concatBytes(
      new TextEncoder().encode('DSCS/envelope/v1\0'),
      hexToBytes('00000003'), new TextEncoder().encode('a.B'),
      hexToBytes('00000002dead'),
      new Uint8Array(32).fill(1),
      hexToBytes('0000010000000005'),
      hexToBytes('0000000000000007'),
      hexToBytes('00000001'), new Uint8Array(32).fill(2)
    )
    expect(bytesToHex(signingBytes(env))).toBe(bytesToHex(expected))
  })

  it('is what CanonicalBytes builds field by field, for any envelope', () => {
    fc.assert(
      fc.property(arbEnvelope, (e) => {
        const reference = new CanonicalBytes('DSCS/envelope/v1').string(e.kind).bytes(e.payload).fixed(e.author, 32, 'author key').u64(e.timestamp).u64(e.seq).u32(e.parents.length)
        for (const parent of e.parents) reference.fixed(parent, 32, 'parent hash')
        expect(signingBytes(e)).toEqual(reference.finish())
      })
    )
  })

  it('writes the same bytes into scratch space that fits, and into a fresh array where the scratch is too small', () => {
    const scratch = new Uint8Array(300).fill(0xee)
    fc.assert(
      fc.property(arbEnvelope, (e) => {
        const fresh = signingBytes(e)
        const written = signingBytes(e, scratch)
        expect(written).toEqual(fresh)
        expect(written.buffer === scratch.buffer).toBe(fresh.length <= scratch.length)
        expect(signingBytes(e, scratch.subarray(7))).toEqual(fresh)
      })
    )
  })

  it('covers every field but the signature and the stamp', () => {
    const base = bytesToHex(signingBytes(env))
    const resigned: Envelope = { ...env, signature: new Uint8Array(64), stamp: new Uint8Array([1, 2]) }
    expect(bytesToHex(signingBytes(resigned))).toBe(base)
    const changes: Partial<Envelope>[] = [
      { kind: 'a.C' },
      { payload: new Uint8Array([0xde, 0xae]) },
      { author: new Uint8Array(32).fill(4) },
      { timestamp: env.timestamp + 1 },
      { seq: 8 },
      { parents: [] }
    ]
    for (const change of changes) expect(bytesToHex(signingBytes({ ...env, ...change }))).not.toBe(base)
  })

  it('is injective: distinct field values never share signing bytes', () => {
    fc.assert(
      fc.property(arbEnvelope, arbEnvelope, (a, b) => {
        const same = bytesToHex(signingBytes(a)) === bytesToHex(signingBytes(b))
        const sameFields =
          a.kind === b.kind &&
          bytesToHex(a.payload) === bytesToHex(b.payload) &&
          bytesToHex(a.author) === bytesToHex(b.author) &&
          a.timestamp === b.timestamp &&
          a.seq === b.seq &&
          a.parents.map(bytesToHex).join() === b.parents.map(bytesToHex).join()
        expect(same).toBe(sameFields)
      }),
      { numRuns: 500 }
    )
    // The length prefix stops a kind/payload boundary shift from colliding.
    const shifted = { ...env, kind: 'a.Bx', payload: new Uint8Array([0xad]) }
    expect(bytesToHex(signingBytes(shifted))).not.toBe(bytesToHex(signingBytes({ ...env, payload: new Uint8Array([0x78, 0xad]) })))
  })

  it('refuses unknown versions and ambiguous widths', () => {
    expect(() => signingBytes({ ...env, version: 2 })).toThrow(WireError)
    expect(() => signingBytes({ ...env, author: new Uint8Array(31) })).toThrow(WireError)
  })
})

describe('envelopeHash', () => {
  it('is SHA-256 of the signing bytes and signature, ignoring the stamp', () => {
    expect(bytesToHex(envelopeHash(env))).toBe(bytesToHex(sha256(concatBytes(signingBytes(env), env.signature))))
    const { stamp: _stamp, ...unstamped } = env
    expect(bytesToHex(envelopeHash(unstamped))).toBe(bytesToHex(envelopeHash(env)))
    expect(bytesToHex(envelopeHash({ ...env, signature: new Uint8Array(64) }))).not.toBe(bytesToHex(envelopeHash(env)))
  })
})
