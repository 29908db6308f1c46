// Content ids and manifests: round trips, and refusal of anything that is not what it claims.
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { generateIdentity, signEnvelope } from '@dscs/identity'
import { isDscsError } from '@dscs/interface'
import { createEnvelope, decodeEnvelope, encodeEnvelope } from '@dscs/wire'
import { CID } from 'multiformats/cid'
import { create as createDigest } from 'multiformats/hashes/digest'
import { sha256 } from '@noble/hashes/sha2.js'
import {
  CHUNKS_CODEC,
  ContentBuilder,
  HEADER_BYTES,
  ManifestPayload,
  contentIdOf,
  createManifest,
  decodeManifest,
  encodeHeader,
  encodeManifest,
  parseContentId,
  type ContentHeader
} from '../src/index.js'
import { codeOf, contentBytes, flipBit } from './helpers.js'

const header = (size: number, seed: number): ContentHeader => {
  const builder = new ContentBuilder({ chunkSize: 16_384 })
  builder.push(contentBytes(size, seed))
  return builder.finish().header
}

const headers = fc.tuple(fc.integer({ min: 0, max: 100_000 }), fc.integer()).map(([size, seed]) => header(size, seed))

describe('content ids', () => {
  it('round-trip through their string and binary forms', () => {
    fc.assert(
      fc.property(headers, (h) => {
        const cid = contentIdOf(h)
        expect(cid.toString()).toMatch(/^b[a-z2-7]+$/)
        expect(parseContentId(cid.toString()).equals(cid)).toBe(true)
        expect(parseContentId(cid.bytes).equals(cid)).toBe(true)
        expect(cid.code).toBe(CHUNKS_CODEC)
      }),
      { numRuns: 50 }
    )
  })

  it('decoded from bytes again, are the id decoded before, which keeps none of the bytes it came in', () => {
    const cid = contentIdOf(header(20_000, 3))
    const message = cid.bytes.slice()
    const first = parseContentId(message)
    message.fill(0)
    expect(first.equals(cid)).toBe(true)
    expect(parseContentId(cid.bytes.slice())).toBe(first)
    // More ids than it remembers: each still decodes to itself.
    const many = Array.from({ length: 20 }, (_, i) => contentIdOf(header(1_000 + i, i)))
    for (const id of [...many, ...many]) expect(parseContentId(id.bytes.slice()).equals(id)).toBe(true)
  })

  it('are the sha2-256 of the tagged header block, so any change to size, chunk size or root changes the id', () => {
    const h = header(50_000, 1)
    const block = new Uint8Array(1 + HEADER_BYTES)
    block[0] = 0x02
    block.set(encodeHeader(h), 1)
    expect(contentIdOf(h).multihash.digest).toEqual(sha256(block))
    const ids = new Set([h, { ...h, size: 50_001 }, { ...h, chunkSize: 32_768 }, { ...h, root: flipBit(h.root, 0) }].map((v) => contentIdOf(v).toString()))
    expect(ids.size).toBe(4)
  })

  it('refuses CIDs of another version, codec or hash, and garbage', () => {
    const digest = contentIdOf(header(10, 1)).multihash
    const raw = CID.create(1, 0x55, digest)
    const otherHash = CID.create(1, CHUNKS_CODEC, createDigest(0x13, new Uint8Array(64)))
    const shortHash = CID.create(1, CHUNKS_CODEC, createDigest(0x12, new Uint8Array(20)))
    const v0 = CID.createV0(createDigest(0x12, new Uint8Array(32)))
    for (const bad of [raw.toString(), otherHash.toString(), shortHash.toString(), v0.toString(), 'b', 'not a cid', '', 'b'.repeat(129)]) {
      expect(codeOf(() => parseContentId(bad))).toBe('BAD_CONTENT_ID')
    }
    for (const bad of [raw.bytes, new Uint8Array([1, 2, 3]), new Uint8Array(0), new Uint8Array(65)]) expect(codeOf(() => parseContentId(bad))).toBe('BAD_CONTENT_ID')
  })

  it('never throws anything but a typed error on hostile strings and bytes', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 140 }), fc.uint8Array({ maxLength: 70 })), (input) => {
        try {
          parseContentId(input)
        } catch (err) {
          expect(isDscsError(err, 'BAD_CONTENT_ID')).toBe(true)
        }
      }),
      { numRuns: 500 }
    )
  })
})

describe('manifests', () => {
  const publisher = generateIdentity()

  it('round-trip bare and signed, and always match their content id', () => {
    fc.assert(
      fc.property(headers, fc.option(fc.string({ maxLength: 255 }), { nil: undefined }), fc.boolean(), (h, name, signed) => {
        const manifest = createManifest(h, name === undefined ? {} : { name, mime: 'text/plain' }, signed ? { identity: publisher, timestamp: 1_000 } : undefined)
        const decoded = decodeManifest(encodeManifest(manifest), { expected: contentIdOf(h) })
        expect(decoded.cid.equals(manifest.cid)).toBe(true)
        expect({ ...decoded, cid: undefined }).toEqual({ ...manifest, cid: undefined })
        expect(decoded.publisher).toEqual(signed ? publisher.publicKey : undefined)
      }),
      { numRuns: 40 }
    )
  })

  it('refuses a manifest for another content id', () => {
    const manifest = createManifest(header(1_000, 1))
    expect(codeOf(() => decodeManifest(encodeManifest(manifest), { expected: contentIdOf(header(1_000, 2)) }))).toBe('CID_MISMATCH')
  })

  it('refuses a signed manifest whose payload or signature was changed', () => {
    const signed = createManifest(header(1_000, 1), { name: 'a' }, { identity: publisher, timestamp: 1_000 })
    const envelope = decodeEnvelope(signed.envelope!)
    const forged = createManifest(header(1_000, 2), { name: 'a' })
    const swapped = encodeEnvelope({ ...envelope, payload: ManifestPayload.codec.encode(forged) })
    expect(codeOf(() => decodeManifest(encodeManifest({ ...forged, envelope: swapped })))).toBe('BAD_SIGNATURE')
    const flipped = encodeEnvelope({ ...envelope, signature: flipBit(envelope.signature, 5) })
    expect(codeOf(() => decodeManifest(encodeManifest({ ...signed, envelope: flipped })))).toBe('BAD_SIGNATURE')
    // An envelope of another kind is not a manifest, however well signed.
    const wrongKind = encodeEnvelope(signEnvelope(publisher, createEnvelope({ kind: 'dscs.other.Thing', payload: envelope.payload, author: publisher.publicKey, timestamp: 1 })))
    expect(codeOf(() => decodeManifest(encodeManifest({ ...signed, envelope: wrongKind })))).toBe('KIND_MISMATCH')
  })

  it('refuses oversized records and fields out of range, before anything costly', () => {
    const h = header(1_000, 1)
    expect(codeOf(() => decodeManifest(new Uint8Array(4_097)))).toBe('TOO_LARGE')
    expect(codeOf(() => createManifest(h, { name: 'x'.repeat(256) }))).toBe('BAD_MANIFEST')
    expect(codeOf(() => createManifest(h, { mime: 'x'.repeat(128) }))).toBe('BAD_MANIFEST')
    expect(codeOf(() => createManifest({ ...h, root: new Uint8Array(31) }))).toBe('BAD_MANIFEST')
    expect(codeOf(() => createManifest({ ...h, chunkSize: 1_000 }))).toBe('BAD_CHUNK_SIZE')
    expect(codeOf(() => decodeManifest(new Uint8Array(0)))).toBe('BAD_MANIFEST')
  })

  it('never throws anything but a typed error on hostile bytes', () => {
    const valid = encodeManifest(createManifest(header(70_000, 3), { name: 'n' }, { identity: publisher, timestamp: 5 }))
    const mutated = fc.tuple(fc.nat(valid.length - 1), fc.integer({ min: 1, max: 255 })).map(([at, mask]) => {
      const bytes = valid.slice()
      bytes[at]! ^= mask
      return bytes
    })
    fc.assert(
      fc.property(fc.oneof(fc.uint8Array({ maxLength: 300 }), mutated), (bytes) => {
        try {
          decodeManifest(bytes)
        } catch (err) {
          expect(isDscsError(err)).toBe(true)
        }
      }),
      { numRuns: 1_000 }
    )
  })
})
