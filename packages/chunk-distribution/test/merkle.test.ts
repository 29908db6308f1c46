// Content addressing: chunking, the tree and its proofs, checked against an independent RFC 9162 reference.
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  ChunkVerifier,
  ContentBuilder,
  ContentLayout,
  HASH_BYTES,
  MIN_CHUNK_SIZE,
  MerkleNodes,
  TreeShape,
  verifyChunk,
  type BuiltContent
} from '../src/index.js'
import { codeOf, contentBytes, flipBit } from './helpers.js'
import { concat, referenceLeaf, referencePath, referenceRoot } from './rfc9162.js'

const CHUNK = MIN_CHUNK_SIZE

/** Builds `content` pushed in pieces of the given sizes (cycled), collecting the chunks handed back. */
function build(content: Uint8Array, pieceSizes: readonly number[] = [content.length], chunkSize = CHUNK): { built: BuiltContent; chunks: Uint8Array[] } {
  const builder = new ContentBuilder({ chunkSize })
  const chunks: Uint8Array[] = []
  let at = 0
  for (let i = 0; at < content.length; i++) {
    const size = Math.max(1, pieceSizes[i % pieceSizes.length]!)
    chunks.push(...builder.push(content.subarray(at, at + size)).map((chunk) => chunk.slice()))
    at += size
  }
  const built = builder.finish()
  if (built.last !== undefined) chunks.push(built.last)
  return { built, chunks }
}

/** Content lengths that matter: empty, one byte, exact multiples of the chunk size, and a partial last chunk. */
const contentLength = fc.oneof(
  fc.constantFrom(0, 1, CHUNK - 1, CHUNK, CHUNK + 1, 2 * CHUNK, 3 * CHUNK, 5 * CHUNK),
  fc.integer({ min: 0, max: 9 * CHUNK }),
  fc.integer({ min: 1, max: 9 }).map((chunks) => chunks * CHUNK)
)

describe('the Merkle tree', () => {
  it('has the RFC 9162 root and audit paths for any number of leaves, odd levels included', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1_100 }), fc.integer(), (count, seed) => {
        const leafBytes = contentBytes(count * HASH_BYTES, seed)
        const leaves = Array.from({ length: count }, (_, i) => leafBytes.subarray(i * HASH_BYTES, (i + 1) * HASH_BYTES))
        const shape = new TreeShape(count)
        const nodes = MerkleNodes.fromLeaves(shape, leafBytes)
        if (count > 0) expect(nodes.node(shape.levels.length - 1, 0)).toEqual(referenceRoot(leaves))
        for (const index of new Set([0, count - 1, Math.floor(count / 2), seed % Math.max(count, 1)].filter((i) => i >= 0 && i < count))) {
          const path = referencePath(index, leaves)
          expect(shape.proofLength(index)).toBe(path.length)
          expect(nodes.proof(index)).toEqual(concat(path))
        }
      }),
      { numRuns: 300 }
    )
  })

  it('hashes any content to the reference root, whatever the pieces it arrives in, with chunks as the layout says', () => {
    fc.assert(
      fc.property(contentLength, fc.integer(), fc.array(fc.integer({ min: 1, max: 3 * CHUNK }), { minLength: 1, maxLength: 5 }), (length, seed, pieces) => {
        const content = contentBytes(length, seed)
        const { built, chunks } = build(content, pieces)
        const layout = new ContentLayout(length, CHUNK)
        expect(chunks.length).toBe(layout.chunkCount)
        chunks.forEach((chunk, index) => expect(chunk).toEqual(content.subarray(layout.offset(index), layout.offset(index) + layout.chunkLength(index))))
        expect(built.header).toEqual({ size: length, chunkSize: CHUNK, root: referenceRoot(chunks.map(referenceLeaf)) })
        expect(build(content).built.cid.equals(built.cid)).toBe(true)
      }),
      { numRuns: 60 }
    )
  })

  it('proves every chunk of any content on its own', () => {
    fc.assert(
      fc.property(contentLength, fc.integer(), (length, seed) => {
        const { built, chunks } = build(contentBytes(length, seed))
        const verifier = new ChunkVerifier(built.header)
        chunks.forEach((chunk, index) => {
          const proof = built.nodes.proof(index)!
          expect(verifier.verify(index, chunk, proof).path.at(-1)).toEqual(built.header.root)
        })
      }),
      { numRuns: 60 }
    )
  })

  it('refuses any single-bit change in the data, the proof, the index or the root, with a typed error', () => {
    const changes = fc.constantFrom('data', 'proof', 'index', 'root')
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 9 * CHUNK }), fc.integer(), fc.nat(), fc.nat(), changes, (length, seed, pick, bit, change) => {
        const { built, chunks } = build(contentBytes(length, seed))
        const index = pick % chunks.length
        const data = chunks[index]!
        const proof = built.nodes.proof(index)!
        const verify = (header = built.header, at = index, bytes = data, siblings = proof) => () => verifyChunk(header, at, bytes, siblings)
        if (change === 'data') {
          expect(codeOf(verify(built.header, index, flipBit(data, bit % (data.length * 8))))).toBe('HASH_MISMATCH')
        } else if (change === 'root') {
          expect(codeOf(verify({ ...built.header, root: flipBit(built.header.root, bit % 256) }))).toBe('HASH_MISMATCH')
        } else if (change === 'proof') {
          fc.pre(proof.length > 0)
          expect(codeOf(verify(built.header, index, data, flipBit(proof, bit % (proof.length * 8))))).toBe('HASH_MISMATCH')
        } else {
          const other = index ^ (1 << bit % 32)
          expect(['BAD_INDEX', 'BAD_LENGTH', 'BAD_PROOF', 'HASH_MISMATCH']).toContain(codeOf(verify(built.header, other)))
        }
      }),
      { numRuns: 200 }
    )
  })

  it('accepts a proof at another index only for a chunk that truly is the same there (content of repeated chunks)', () => {
    const { built, chunks } = build(new Uint8Array(6 * CHUNK))
    // All six chunks are zeros: chunk 0's data is chunk 1's, and its proof is too (sibling = its own leaf).
    expect(verifyChunk(built.header, 1, chunks[0]!, built.nodes.proof(0)!).index).toBe(1)
    // Chunk 4's path has no sibling at level 1 while chunk 0's has: the proof's length gives it away.
    expect(codeOf(() => verifyChunk(built.header, 4, chunks[0]!, built.nodes.proof(0)!))).toBe('BAD_PROOF')
  })

  it('refuses a proof for another root, a wrong index, a wrong length', () => {
    const a = build(contentBytes(5 * CHUNK + 7, 1))
    const b = build(contentBytes(5 * CHUNK + 7, 2))
    const chunk = a.chunks[2]!
    const proof = a.built.nodes.proof(2)!
    expect(codeOf(() => verifyChunk(b.built.header, 2, chunk, proof))).toBe('HASH_MISMATCH')
    expect(codeOf(() => verifyChunk(a.built.header, 3, chunk, proof))).toBe('HASH_MISMATCH')
    expect(codeOf(() => verifyChunk(a.built.header, 6, chunk, proof))).toBe('BAD_INDEX')
    expect(codeOf(() => verifyChunk(a.built.header, -1, chunk, proof))).toBe('BAD_INDEX')
    expect(codeOf(() => verifyChunk(a.built.header, 1.5, chunk, proof))).toBe('BAD_INDEX')
    expect(codeOf(() => verifyChunk(a.built.header, 2, chunk.subarray(1), proof))).toBe('BAD_LENGTH')
    expect(codeOf(() => verifyChunk(a.built.header, 5, a.chunks[5]!.subarray(0, 6), a.built.nodes.proof(5)!))).toBe('BAD_LENGTH')
    expect(codeOf(() => verifyChunk(a.built.header, 2, chunk, proof.subarray(HASH_BYTES)))).toBe('BAD_PROOF')
    expect(codeOf(() => verifyChunk(a.built.header, 2, chunk, concat([proof, proof.subarray(0, HASH_BYTES)])))).toBe('BAD_PROOF')
    expect(codeOf(() => verifyChunk(a.built.header, 2, chunk, proof.subarray(1)))).toBe('BAD_PROOF')
  })

  it('gives empty content no chunks and the root of the empty tree', () => {
    const { built, chunks } = build(new Uint8Array(0))
    expect(chunks).toEqual([])
    expect(built.header.root).toEqual(referenceRoot([]))
    expect(codeOf(() => verifyChunk(built.header, 0, new Uint8Array(0), new Uint8Array(0)))).toBe('BAD_INDEX')
    // One content id for empty content: no other root is accepted for it.
    expect(codeOf(() => new ChunkVerifier({ ...built.header, root: new Uint8Array(32) }))).toBe('HASH_MISMATCH')
  })

  it('takes chunk sizes that are powers of two from 16 KiB to 4 MiB, and nothing else', () => {
    for (const good of [16 * 1024, 256 * 1024, 4 * 1024 * 1024]) expect(new ContentLayout(1, good).chunkSize).toBe(good)
    for (const bad of [8 * 1024, 8 * 1024 * 1024, 100_000, 0, -16_384, 16_384.5, Number.NaN]) {
      expect(codeOf(() => new ContentLayout(1, bad))).toBe('BAD_CHUNK_SIZE')
      expect(codeOf(() => new ContentBuilder({ chunkSize: bad }))).toBe('BAD_CHUNK_SIZE')
    }
    for (const bad of [-1, 0.5, 2 ** 53, Number.POSITIVE_INFINITY]) expect(codeOf(() => new ContentLayout(bad, CHUNK))).toBe('BAD_SIZE')
    // 2^32 chunks of 16 KiB: one more than a uint32 index can name.
    expect(codeOf(() => new ContentLayout(2 ** 32 * CHUNK, CHUNK))).toBe('BAD_SIZE')
    expect(new ContentLayout((2 ** 32 - 1) * CHUNK, CHUNK).chunkCount).toBe(2 ** 32 - 1)
  })

  it('stops a builder at its chunk limit', () => {
    const builder = new ContentBuilder({ chunkSize: CHUNK, maxChunks: 2 })
    builder.push(new Uint8Array(2 * CHUNK))
    expect(codeOf(() => builder.push(new Uint8Array(CHUNK)))).toBe('CONTENT_TOO_LARGE')
    const finished = new ContentBuilder({ chunkSize: CHUNK })
    finished.finish()
    expect(codeOf(() => finished.push(new Uint8Array(1)))).toBe('WRITER_CLOSED')
  })
})
