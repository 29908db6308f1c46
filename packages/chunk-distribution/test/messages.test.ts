// The transfer protocol's frames: every message round-trips; hostile frames give typed errors, size first.
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { isDscsError } from '@dscs/interface'
import { ContentBuilder, decodeTransferMessage, encodeTransferMessage, encodeTransferParts, type TransferMessage } from '../src/index.js'
import { codeOf, contentBytes } from './helpers.js'

const builder = new ContentBuilder({ chunkSize: 16_384 })
builder.push(contentBytes(40_000, 1))
const content = builder.finish().cid

const index = fc.nat({ max: 2 ** 32 - 1 })
const messages: fc.Arbitrary<TransferMessage> = fc.oneof(
  fc.constant({ type: 'manifest-request' as const, content }),
  fc.uint8Array({ maxLength: 4_096 }).map((record) => ({ type: 'manifest-response' as const, content, record })),
  index.map((i) => ({ type: 'have' as const, content, index: i })),
  fc.uint8Array({ maxLength: 512 }).map((bits) => ({ type: 'bitfield' as const, content, bits })),
  fc.tuple(index, fc.boolean()).map(([i, withProof]) => ({ type: 'request' as const, content, index: i, withProof })),
  fc
    .tuple(index, fc.uint8Array({ maxLength: 2_000 }), fc.integer({ min: 0, max: 32 }))
    .map(([i, data, siblings]) => ({ type: 'piece' as const, content, index: i, data, proof: contentBytes(32 * siblings, i) })),
  index.map((i) => ({ type: 'cancel' as const, content, index: i })),
  fc.tuple(index, fc.constantFrom('unknown-content' as const, 'not-held' as const, 'busy' as const)).map(([i, reason]) => ({ type: 'reject' as const, content, index: i, reason }))
)

describe('transfer frames', () => {
  it('round-trip every message', () => {
    fc.assert(
      fc.property(messages, (message) => {
        const decoded = decodeTransferMessage(encodeTransferMessage(message))
        expect(decoded.content.equals(message.content)).toBe(true)
        expect({ ...decoded, content: undefined }).toEqual({ ...message, content: undefined })
      }),
      { numRuns: 500 }
    )
  })

  it('send a piece’s data uncopied, as the last part of its frame', () => {
    const data = contentBytes(70_000, 4)
    const parts = encodeTransferParts({ type: 'piece', content, index: 3, data, proof: contentBytes(64, 5) })
    expect(parts.at(-1)).toBe(data)
    expect(encodeTransferParts({ type: 'have', content, index: 3 })).toHaveLength(1)
  })

  it('refuses a frame beyond the chunk size plus overhead before decoding it', () => {
    const piece = encodeTransferMessage({ type: 'piece', content, index: 0, data: new Uint8Array(16_384), proof: new Uint8Array(0) })
    expect(decodeTransferMessage(piece, { maxChunkSize: 16_384 }).type).toBe('piece')
    expect(codeOf(() => decodeTransferMessage(new Uint8Array(16_384 + 4_097), { maxChunkSize: 16_384 }))).toBe('TOO_LARGE')
    const bigPiece = encodeTransferMessage({ type: 'piece', content, index: 0, data: new Uint8Array(16_385), proof: new Uint8Array(0) })
    expect(codeOf(() => decodeTransferMessage(bigPiece, { maxChunkSize: 16_384 }))).toBe('BAD_MESSAGE')
  })

  it('refuses proofs that are not whole hashes, unknown reasons, bad content ids and empty frames', () => {
    const torn = encodeTransferMessage({ type: 'piece', content, index: 0, data: new Uint8Array(1), proof: new Uint8Array(33) })
    expect(codeOf(() => decodeTransferMessage(torn))).toBe('BAD_PROOF')
    const tooLong = encodeTransferMessage({ type: 'piece', content, index: 0, data: new Uint8Array(1), proof: new Uint8Array(33 * 32) })
    expect(codeOf(() => decodeTransferMessage(tooLong))).toBe('BAD_PROOF')
    const unspecified = encodeTransferMessage({ type: 'reject', content, index: 0, reason: 'busy' })
    unspecified[unspecified.length - 1] = 0 // the reason's varint: 0 is REJECT_REASON_UNSPECIFIED
    expect(codeOf(() => decodeTransferMessage(unspecified))).toBe('BAD_MESSAGE')
    expect(codeOf(() => decodeTransferMessage(new Uint8Array(0)))).toBe('BAD_MESSAGE')
    expect(codeOf(() => decodeTransferMessage(Uint8Array.of(0x1a, 0x02, 0x0a, 0x00)))).toBe('BAD_CONTENT_ID') // a Have with an empty content id
  })

  it('never throws anything but a typed error on hostile bytes', () => {
    const valid = encodeTransferMessage({ type: 'piece', content, index: 7, data: contentBytes(300, 2), proof: contentBytes(64, 3) })
    const mutated = fc.tuple(fc.nat(valid.length - 1), fc.integer({ min: 1, max: 255 })).map(([at, mask]) => {
      const bytes = valid.slice()
      bytes[at]! ^= mask
      return bytes
    })
    fc.assert(
      fc.property(fc.oneof(fc.uint8Array({ maxLength: 600 }), mutated), (bytes) => {
        try {
          decodeTransferMessage(bytes)
        } catch (err) {
          expect(isDscsError(err)).toBe(true)
        }
      }),
      { numRuns: 2_000 }
    )
  })
})
