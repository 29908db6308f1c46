// Streaming reads: any range of any content, and chunks yielded as they arrive.
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { MemoryChunkStore, decodeManifest, encodeManifest, put, read } from '../src/index.js'
import { collect, contentBytes, rejectionCode } from './helpers.js'
import { concat } from './rfc9162.js'

const CHUNK = 16_384

describe('read', () => {
  it('returns exactly the bytes of any range, in pieces no larger than a chunk', async () => {
    const store = new MemoryChunkStore()
    const lengths = [0, 1, CHUNK, 3 * CHUNK, 4 * CHUNK + 777]
    const stored = await Promise.all(lengths.map(async (length) => ({ content: contentBytes(length, length + 1), ...(await put(store, contentBytes(length, length + 1), { chunkSize: CHUNK })) })))
    await fc.assert(
      fc.asyncProperty(fc.nat(lengths.length - 1), fc.nat(), fc.nat(), async (which, a, b) => {
        const { content, cid } = stored[which]!
        const offset = content.length === 0 ? 0 : a % (content.length + 1)
        const length = b % (content.length - offset + 1)
        const pieces: Uint8Array[] = []
        for await (const piece of read(store, cid, { offset, length })) pieces.push(piece)
        expect(pieces.every((piece) => piece.length > 0 && piece.length <= CHUNK)).toBe(true)
        expect(concat(pieces)).toEqual(content.subarray(offset, offset + length))
      }),
      { numRuns: 300 }
    )
    expect(await collect(read(store, stored[4]!.cid, { offset: 5 }))).toEqual(stored[4]!.content.subarray(5))
  })

  it('yields each chunk as soon as it is held, waiting for the ones still to come', async () => {
    const seeder = new MemoryChunkStore()
    const content = contentBytes(3 * CHUNK, 5)
    const { cid, manifest } = await put(seeder, content, { chunkSize: CHUNK })
    const leecher = new MemoryChunkStore()
    await leecher.putManifest(decodeManifest(encodeManifest(manifest)))
    const transfer = async (index: number) => leecher.put(cid, index, (await seeder.get(cid, index))!, await seeder.proof(cid, index))

    const reader = read(leecher, cid, { offset: 10 })
    const first = reader.next()
    await transfer(2) // a later chunk first: the reader still waits for chunk 0
    await transfer(0)
    expect((await first).value).toEqual(content.subarray(10, CHUNK))
    const second = reader.next()
    await transfer(1)
    expect((await second).value).toEqual(content.subarray(CHUNK, 2 * CHUNK))
    expect((await reader.next()).value).toEqual(content.subarray(2 * CHUNK))
    expect((await reader.next()).done).toBe(true)
  })

  it('stops waiting when its signal aborts', async () => {
    const seeder = new MemoryChunkStore()
    const { manifest } = await put(seeder, contentBytes(2 * CHUNK, 1), { chunkSize: CHUNK })
    const leecher = new MemoryChunkStore()
    await leecher.putManifest(manifest)
    const controller = new AbortController()
    const reading = rejectionCode(collect(read(leecher, manifest.cid, { signal: controller.signal })))
    controller.abort()
    expect(await reading).toBe('ABORTED')
  })

  it('refuses ranges outside the content and content it does not know', async () => {
    const store = new MemoryChunkStore()
    const { cid } = await put(store, contentBytes(100, 1), { chunkSize: CHUNK })
    for (const range of [{ offset: 101 }, { offset: 50, length: 51 }, { offset: -1 }, { length: -1 }, { offset: 0.5 }]) {
      expect(await rejectionCode(collect(read(store, cid, range)))).toBe('BAD_RANGE')
    }
    const other = new MemoryChunkStore()
    expect(await rejectionCode(collect(read(other, cid)))).toBe('UNKNOWN_CONTENT')
  })
})
