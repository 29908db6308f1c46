// The filesystem store on a real temporary directory: the contract, then resumption, crashes and damage.
import fc from 'fast-check'
import { cp, mkdir, mkdtemp, open, readFile, readdir, rm, stat, truncate, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import {
  FsChunkStore,
  contentKey,
  decodeManifest,
  encodeManifest,
  nativeSha256,
  nobleSha256,
  put,
  putFile,
  read,
  type ChunkStore,
  type ContentId,
  type Manifest
} from '../src/node/index.js'
import { collect, contentBytes, rejectionCode } from './helpers.js'
import { chunkStoreContract } from './store-contract.js'

const CHUNK = 16_384
const root = await mkdtemp(join(tmpdir(), 'dscs-chunks-'))
let dirs = 0
const freshDir = (): string => join(root, `store-${++dirs}`)
afterAll(() => rm(root, { recursive: true, force: true }))

chunkStoreContract('FsChunkStore', (options) => FsChunkStore.open(freshDir(), options))

/** A seeder in memory-like fs store with content of `chunks` chunks plus 100 bytes, and the manifest a leecher would get. */
async function seeded(chunks: number): Promise<{ seeder: FsChunkStore; content: Uint8Array; manifest: Manifest; cid: ContentId }> {
  const seeder = await FsChunkStore.open(freshDir())
  const content = contentBytes(chunks * CHUNK + 100, chunks)
  const { cid, manifest } = await put(seeder, content, { chunkSize: CHUNK })
  return { seeder, content, manifest: decodeManifest(encodeManifest(manifest), { expected: cid }), cid }
}

async function transfer(from: ChunkStore, to: ChunkStore, cid: ContentId, index: number): Promise<void> {
  await to.put(cid, index, (await from.get(cid, index))!, await from.proof(cid, index))
}

async function heldIndices(store: ChunkStore, cid: ContentId): Promise<number[]> {
  const bits = (await store.bitfield(cid))!
  return Array.from({ length: bits.length }, (_, index) => index).filter((index) => bits.has(index))
}

/** Overwrites `bytes` at `offset` of a content's file, as a failing disk or another program might. */
async function overwrite(dir: string, cid: ContentId, file: string, offset: number, bytes: Uint8Array): Promise<void> {
  const handle = await open(join(dir, contentKey(cid), file), 'r+')
  await handle.write(bytes, 0, bytes.length, offset)
  await handle.close()
}

describe('FsChunkStore on disk', () => {
  it('resumes a download after a restart without fetching verified chunks again', async () => {
    const { seeder, content, manifest, cid } = await seeded(9)
    const dir = freshDir()
    const first = await FsChunkStore.open(dir)
    await first.putManifest(manifest)
    for (const index of [0, 4, 8, 9]) await transfer(seeder, first, cid, index)
    await first.close()

    const second = await FsChunkStore.open(dir)
    expect(second.loaded.contents.map(String)).toEqual([cid.toString()])
    expect(await heldIndices(second, cid)).toEqual([0, 4, 8, 9])
    expect(await second.get(cid, 9)).toEqual(content.subarray(9 * CHUNK))
    // The rest comes in; the chunks held already are refused as held, not stored twice.
    for (let index = 0; index <= 9; index++) {
      const stored = await second.put(cid, index, (await seeder.get(cid, index))!, await seeder.proof(cid, index))
      expect(stored).toBe(![0, 4, 8, 9].includes(index))
    }
    expect(await collect(read(second, cid))).toEqual(content)
    // A sparse data file of exactly the content's size.
    expect((await stat(join(dir, contentKey(cid), 'data'))).size).toBe(content.length)
    await Promise.all([seeder.close(), second.close()])
  })

  it('loses nothing synced and accepts nothing unsynced in a crash (a copy of the disk taken mid-download)', async () => {
    const { seeder, content, manifest, cid } = await seeded(12)
    const dir = freshDir()
    const live = await FsChunkStore.open(dir, { syncEvery: 4 })
    await live.putManifest(manifest)
    const order = [3, 11, 0, 7, 12, 5, 1, 9, 2, 10]
    for (const index of order) await transfer(seeder, live, cid, index)
    const crashed = freshDir()
    await cp(dir, crashed, { recursive: true }) // the disk as a crash would leave it: no flush, no close

    const reopened = await FsChunkStore.open(crashed)
    // Two syncs ran (after the 4th and 8th chunk): exactly those eight are held, each verified on read.
    expect(await heldIndices(reopened, cid)).toEqual(order.slice(0, 8).sort((a, b) => a - b))
    for (const index of await heldIndices(reopened, cid)) expect(await reopened.get(cid, index)).toEqual(content.subarray(index * CHUNK, (index + 1) * CHUNK))
    expect(await reopened.get(cid, 2)).toBeUndefined()
    await Promise.all([seeder.close(), live.close(), reopened.close()])
  })

  it('rebuilds a truncated held record from the data, losing no verified chunk', async () => {
    const { seeder, content, manifest, cid } = await seeded(6)
    const dir = freshDir()
    const store = await FsChunkStore.open(dir, { syncEvery: 1 })
    await store.putManifest(manifest)
    for (const index of [1, 2, 5, 6]) await transfer(seeder, store, cid, index)
    await store.close()
    await truncate(join(dir, contentKey(cid), 'held'), 0)

    const reopened = await FsChunkStore.open(dir)
    expect(reopened.loaded.recovered.map(String)).toEqual([cid.toString()])
    expect(await heldIndices(reopened, cid)).toEqual([1, 2, 5, 6])
    expect(await reopened.get(cid, 6)).toEqual(content.subarray(6 * CHUNK))
    await reopened.close()
    // The rebuilt record is on disk: the next open needs no rebuild.
    const again = await FsChunkStore.open(dir)
    expect(again.loaded.recovered).toEqual([])
    expect(await heldIndices(again, cid)).toEqual([1, 2, 5, 6])
    await Promise.all([seeder.close(), again.close()])
  })

  it('drops a held chunk whose bytes were damaged on disk, and takes it again from a peer', async () => {
    const { seeder, content, manifest, cid } = await seeded(4)
    const dir = freshDir()
    const store = await FsChunkStore.open(dir)
    await store.putManifest(manifest)
    for (let index = 0; index <= 4; index++) await transfer(seeder, store, cid, index)
    await store.close()
    await overwrite(dir, cid, 'data', 2 * CHUNK + 10, Uint8Array.of(content[2 * CHUNK + 10]! ^ 1))

    const reopened = await FsChunkStore.open(dir)
    expect(await reopened.has(cid, 2)).toBe(true) // not read yet: verified lazily
    expect(await reopened.get(cid, 2)).toBeUndefined()
    expect(await reopened.has(cid, 2)).toBe(false)
    expect(await reopened.proof(cid, 2)).toBeUndefined()
    expect(await heldIndices(reopened, cid)).toEqual([0, 1, 3, 4])
    await transfer(seeder, reopened, cid, 2)
    expect(await collect(read(reopened, cid))).toEqual(content)
    await Promise.all([seeder.close(), reopened.close()])
  })

  it('never hands out a chunk marked held that was never verified, nor one whose proof nodes were damaged', async () => {
    const { seeder, manifest, cid } = await seeded(8)
    const dir = freshDir()
    const store = await FsChunkStore.open(dir)
    await store.putManifest(manifest)
    await transfer(seeder, store, cid, 0)
    await store.close()
    // Bits for chunks 0..7 set behind the store's back (chunk 1's leaf is even known, from chunk 0's proof).
    await overwrite(dir, cid, 'held', 0, Uint8Array.of(0xff))
    // And chunk 0's level-1 sibling (slot 9 + 1 of a 9-leaf tree) replaced with garbage.
    await overwrite(dir, cid, 'nodes', (9 + 1) * 32, new Uint8Array(32).fill(7))

    const reopened = await FsChunkStore.open(dir)
    for (let index = 0; index < 8; index++) expect(await reopened.get(cid, index)).toBeUndefined()
    expect(await heldIndices(reopened, cid)).toEqual([])
    await Promise.all([seeder.close(), reopened.close()])
  })

  it('removes unfinished imports at open, skips what it cannot load, and replaces a damaged copy when the content comes again', async () => {
    const { seeder, manifest, cid } = await seeded(2)
    const dir = freshDir()
    await mkdir(join(dir, '.import-interrupted'), { recursive: true })
    await writeFile(join(dir, '.import-interrupted', 'data'), new Uint8Array(10))
    await mkdir(join(dir, 'not-content'))
    await mkdir(join(dir, contentKey(cid)))
    await writeFile(join(dir, contentKey(cid), 'manifest'), Uint8Array.of(1, 2, 3))
    const store = await FsChunkStore.open(dir)
    expect([...store.loaded.skipped].sort()).toEqual([contentKey(cid), 'not-content'].sort())
    await store.putManifest(manifest)
    await transfer(seeder, store, cid, 1)
    expect(await heldIndices(store, cid)).toEqual([1])
    await seeder.close()
    expect((await readdir(dir)).sort()).toEqual([contentKey(cid), 'not-content'].sort())
    // An interrupted put leaves nothing behind either.
    const writer = store.createWriter({ chunkSize: CHUNK })
    await writer.write(contentBytes(3 * CHUNK, 1))
    await writer.abort()
    expect((await readdir(dir)).sort()).toEqual([contentKey(cid), 'not-content'].sort())
    await store.close()
    expect(await rejectionCode(FsChunkStore.open(dir, { syncEvery: 0 }))).toBe('INVALID_OPTION')
  })

  it('puts a file streaming and reads it back', async () => {
    const file = join(root, 'input.bin')
    const content = contentBytes(3 * CHUNK + 4_321, 77)
    await writeFile(file, content)
    const store = await FsChunkStore.open(freshDir())
    const { cid, manifest } = await putFile(store, file, { chunkSize: CHUNK, name: 'input.bin' })
    expect(manifest).toMatchObject({ size: content.length, chunkSize: CHUNK, name: 'input.bin' })
    expect(await collect(read(store, cid, { offset: CHUNK - 5, length: 2 * CHUNK }))).toEqual(content.subarray(CHUNK - 5, 3 * CHUNK - 5))
    expect(await readFile(join(store.dir, contentKey(cid), 'data'))).toEqual(Buffer.from(content))
    expect(await rejectionCode(putFile(store, join(root, 'missing.bin')))).toBe('STORE_IO')
    await store.close()
  })

  it('hashes alike on node:crypto and in JavaScript', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 300 }), { maxLength: 4 }), (parts) => {
        expect(nativeSha256.digest(parts)).toEqual(nobleSha256.digest(parts))
      })
    )
  })
})
