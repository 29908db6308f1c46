import { describe, expect, it } from 'vitest'
import { identityFromSeed, signEnvelope } from '@dscs/identity'
import { createEnvelope, envelopeHash, hashSigned, signingBytes } from '@dscs/wire'
import { idHex, submittedId, writeHexBytes } from '../src/core/entry.js'
import { leafHash, setLogSha256 } from '../src/log/hash.js'
import { nativeSha256 } from '../src/node/native-sha256.js'
import { sha256 } from '@noble/hashes/sha2.js'
import { bytesToHex } from '@noble/hashes/utils.js'
import fc from 'fast-check'
import { toHex } from './log-helpers.js'

describe('submittedId', () => {
  it.each([
    ['@noble/hashes', (data: Uint8Array) => sha256(data)],
    ['node:crypto', nativeSha256]
  ])('is the envelope hash of @dscs/wire on %s, for small and large envelopes', (_name, digest) => {
    setLogSha256(digest)
    try {
      const author = identityFromSeed(new Uint8Array(32).fill(7))
      for (const bytes of [0, 64, 5_000]) {
        const envelope = signEnvelope(author, createEnvelope({ kind: 'test.Op', payload: new Uint8Array(bytes).fill(3), author: author.publicKey, timestamp: 1, seq: bytes }))
        const signing = signingBytes(envelope)
        expect(toHex(submittedId(signing, envelope.signature))).toBe(toHex(hashSigned(signing, envelope.signature)))
        expect(toHex(submittedId(signing, envelope.signature))).toBe(toHex(envelopeHash(envelope)))
        // It shares no scratch space with the leaf hash: a leaf after it still hashes as RFC 9162 says.
        expect(toHex(leafHash(signing))).toBe(toHex(sha256(Uint8Array.of(0, ...signing))))
      }
    } finally {
      setLogSha256((data) => sha256(data))
    }
  })
})

describe('idHex', () => {
  it('writes what bytesToHex writes, for ids and for longer byte strings', () => {
    fc.assert(
      fc.property(fc.oneof(fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.uint8Array({ maxLength: 100 })), (bytes) => {
        expect(idHex(bytes)).toBe(bytesToHex(bytes))
      })
    )
  })
})

describe('writeHexBytes', () => {
  it('writes back the bytes idHex wrote, where it is told', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.nat(8), (id, at) => {
        const out = new Uint8Array(48)
        writeHexBytes(idHex(id), out, at)
        expect(out.subarray(at, at + 32)).toEqual(id)
        expect(out.filter((_, i) => i < at || i >= at + 32).every((byte) => byte === 0)).toBe(true)
      })
    )
  })
})
