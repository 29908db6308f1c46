// The behaviour every ChunkStore must have, run against each implementation by its own test file.
import { describe, expect, it } from 'vitest'
import { generateIdentity } from '@dscs/identity'
import { ChunkVerifier, createManifest, decodeManifest, encodeManifest, put, read, type ChunkStore, type ChunkStoreOptions, type Manifest } from '../src/index.js'
import { collect, contentBytes, flipBit, rejectionCode } from './helpers.js'

const CHUNK = 16_384

/** A seeder holding content of `length` bytes, and a leecher that knows its manifest only. */
async function seederAndLeecher(newStore: (options?: ChunkStoreOptions) => Promise<ChunkStore>, length: number) {
  const content = contentBytes(length, length)
  const seeder = await newStore()
  const { cid, manifest } = await put(seeder, content, { chunkSize: CHUNK })
  const leecher = await newStore()
  await leecher.putManifest(decodeManifest(encodeManifest(manifest), { expected: cid }))
  return { content, seeder, leecher, cid, manifest }
}

/** Copies chunk `index` from `from` to `to` with its proof; resolves to what `put` says. */
async function transfer(from: ChunkStore, to: ChunkStore, manifest: Manifest, index: number, withProof = true): Promise<boolean> {
  const data = (await from.get(manifest.cid, index))!
  return await to.put(manifest.cid, index, data, withProof ? await from.proof(manifest.cid, index) : undefined)
}

export function chunkStoreContract(name: string, newStore: (options?: ChunkStoreOptions) => Promise<ChunkStore>): void {
  describe(`${name}: the ChunkStore contract`, () => {
    it('holds content put into it, every chunk with a proof that verifies', async () => {
      const store = await newStore()
      const content = contentBytes(5 * CHUNK + 123, 9)
      const { cid, manifest } = await put(store, content, { chunkSize: CHUNK })
      expect((await store.contents()).map(String)).toEqual([cid.toString()])
      expect((await store.bitfield(cid))?.complete).toBe(true)
      const verifier = new ChunkVerifier(manifest)
      for (let index = 0; index < 6; index++) {
        const chunk = (await store.get(cid, index))!
        expect(chunk).toEqual(content.subarray(index * CHUNK, Math.min((index + 1) * CHUNK, content.length)))
        expect(verifier.verify(index, chunk, (await store.proof(cid, index))!).index).toBe(index)
      }
      expect(await collect(read(store, cid))).toEqual(content)
      await store.close()
    })

    it('fills a download from verified chunks in any order, and serves the proofs it learned', async () => {
      const { content, seeder, leecher, cid, manifest } = await seederAndLeecher(newStore, 7 * CHUNK + 5)
      expect((await leecher.bitfield(cid))?.count).toBe(0)
      for (const index of [6, 2, 7, 0, 3, 5, 1, 4]) {
        expect(await transfer(seeder, leecher, manifest, index)).toBe(true)
        expect(await leecher.proof(cid, index)).toEqual(await seeder.proof(cid, index))
      }
      expect(await transfer(seeder, leecher, manifest, 3)).toBe(false)
      expect((await leecher.bitfield(cid))?.complete).toBe(true)
      expect(await collect(read(leecher, cid))).toEqual(content)
      await Promise.all([seeder.close(), leecher.close()])
    })

    it('stores nothing of a chunk that fails verification', async () => {
      const { seeder, leecher, cid, manifest } = await seederAndLeecher(newStore, 4 * CHUNK)
      const data = (await seeder.get(cid, 1))!
      const proof = (await seeder.proof(cid, 1))!
      expect(await rejectionCode(leecher.put(cid, 1, flipBit(data, 77), proof))).toBe('HASH_MISMATCH')
      expect(await rejectionCode(leecher.put(cid, 1, data, flipBit(proof, 3)))).toBe('HASH_MISMATCH')
      expect(await rejectionCode(leecher.put(cid, 1, data, await seeder.proof(cid, 2)))).toBe('HASH_MISMATCH')
      expect(await rejectionCode(leecher.put(cid, 1, data.subarray(1), proof))).toBe('BAD_LENGTH')
      expect(await rejectionCode(leecher.put(cid, 4, data, proof))).toBe('BAD_INDEX')
      expect(await leecher.has(cid, 1)).toBe(false)
      expect(await leecher.get(cid, 1)).toBeUndefined()
      expect(await leecher.proof(cid, 1)).toBeUndefined()
      expect((await leecher.bitfield(cid))?.count).toBe(0)
      // Nothing of the forgeries stuck: the genuine chunk still goes in, and no node it taught was wrong.
      expect(await transfer(seeder, leecher, manifest, 1)).toBe(true)
      expect(await leecher.proof(cid, 1)).toEqual(proof)
      await Promise.all([seeder.close(), leecher.close()])
    })

    it('takes a path a verifier proved for the same bytes, and verifies anything else', async () => {
      const { seeder, leecher, cid, manifest } = await seederAndLeecher(newStore, 4 * CHUNK)
      const data = (await seeder.get(cid, 1))!
      const verified = new ChunkVerifier(manifest).verify(1, data, (await seeder.proof(cid, 1))!)
      // The same path with other bytes, or a look-alike no verifier issued, is checked like a bare proof.
      const forged = flipBit(data, 5)
      expect(await rejectionCode(leecher.put(cid, 1, forged, verified))).toBe('HASH_MISMATCH')
      expect(await rejectionCode(leecher.put(cid, 1, forged, { ...verified }))).toBe('HASH_MISMATCH')
      expect(await rejectionCode(leecher.put(cid, 2, data, verified))).toBe('HASH_MISMATCH')
      expect(await leecher.put(cid, 1, data, verified)).toBe(true)
      expect(await leecher.get(cid, 1)).toEqual(data)
      await Promise.all([seeder.close(), leecher.close()])
    })

    it('takes a chunk without a proof only when its siblings are known here', async () => {
      const { seeder, leecher, cid, manifest } = await seederAndLeecher(newStore, 8 * CHUNK)
      expect(await rejectionCode(transfer(seeder, leecher, manifest, 5, false))).toBe('PROOF_REQUIRED')
      await transfer(seeder, leecher, manifest, 4)
      // Chunk 4's proof held chunk 5's leaf and every sibling above it.
      expect(await transfer(seeder, leecher, manifest, 5, false)).toBe(true)
      expect(await rejectionCode(leecher.put(cid, 6, flipBit((await seeder.get(cid, 6))!, 1)))).toBe('PROOF_REQUIRED')
      await Promise.all([seeder.close(), leecher.close()])
    })

    it('wakes a waiter when its chunk arrives, and aborts or closes a wait on request', async () => {
      const { seeder, leecher, cid, manifest } = await seederAndLeecher(newStore, 3 * CHUNK)
      const waiting = leecher.whenHeld(cid, 2)
      await transfer(seeder, leecher, manifest, 2)
      await expect(waiting).resolves.toBeUndefined()
      await expect(leecher.whenHeld(cid, 2)).resolves.toBeUndefined()
      const controller = new AbortController()
      const aborted = leecher.whenHeld(cid, 0, controller.signal)
      controller.abort()
      expect(await rejectionCode(aborted)).toBe('ABORTED')
      expect(await rejectionCode(leecher.whenHeld(cid, 3))).toBe('BAD_INDEX')
      const closing = rejectionCode(leecher.whenHeld(cid, 1))
      await leecher.close()
      expect(await closing).toBe('STORE_CLOSED')
      expect(await rejectionCode(leecher.has(cid, 0))).toBe('STORE_CLOSED')
      await seeder.close()
    })

    it('completes a partial download when the whole content is put, waking its waiters', async () => {
      const { content, seeder, leecher, cid, manifest } = await seederAndLeecher(newStore, 4 * CHUNK + 1)
      await transfer(seeder, leecher, manifest, 1)
      const waiting = leecher.whenHeld(cid, 4)
      const again = await put(leecher, content, { chunkSize: CHUNK })
      expect(again.cid.equals(cid)).toBe(true)
      await waiting
      expect((await leecher.bitfield(cid))?.complete).toBe(true)
      expect(await collect(read(leecher, cid))).toEqual(content)
      await Promise.all([seeder.close(), leecher.close()])
    })

    it('takes a signed manifest for known content, keeping its chunks', async () => {
      const store = await newStore()
      const { cid, manifest } = await put(store, contentBytes(CHUNK, 1), { chunkSize: CHUNK })
      const identity = generateIdentity()
      await store.putManifest(createManifest(manifest, { name: 'a.bin' }, { identity, timestamp: 1 }))
      expect(await store.manifest(cid)).toMatchObject({ name: 'a.bin', publisher: identity.publicKey })
      expect((await store.bitfield(cid))?.complete).toBe(true)
      const signed = await put(store, contentBytes(CHUNK, 2), { chunkSize: CHUNK, name: 'b.bin', publisher: { identity, timestamp: 2 } })
      expect(await store.manifest(signed.cid)).toMatchObject({ name: 'b.bin', publisher: identity.publicKey })
      await store.close()
    })

    it('refuses unknown content, manifests that are not their id’s, and content beyond its limit', async () => {
      const store = await newStore({ maxChunks: 4 })
      const other = await newStore()
      const { cid, manifest } = await put(other, contentBytes(2 * CHUNK, 1), { chunkSize: CHUNK })
      expect(await rejectionCode(store.get(cid, 0))).toBe('UNKNOWN_CONTENT')
      expect(await rejectionCode(store.put(cid, 0, new Uint8Array(CHUNK)))).toBe('UNKNOWN_CONTENT')
      expect(await store.manifest(cid)).toBeUndefined()
      expect(await store.bitfield(cid)).toBeUndefined()
      expect(await rejectionCode(store.putManifest({ ...manifest, size: manifest.size - 1 }))).toBe('CID_MISMATCH')
      const large = await put(other, contentBytes(5 * CHUNK, 2), { chunkSize: CHUNK })
      expect(await rejectionCode(store.putManifest(large.manifest))).toBe('CONTENT_TOO_LARGE')
      expect(await rejectionCode(put(store, contentBytes(5 * CHUNK, 2), { chunkSize: CHUNK }))).toBe('CONTENT_TOO_LARGE')
      expect(await store.contents()).toEqual([])
      await Promise.all([store.close(), other.close()])
    })

    it('keeps nothing of an aborted put', async () => {
      const store = await newStore()
      const controller = new AbortController()
      async function* pieces() {
        yield contentBytes(3 * CHUNK, 1)
        controller.abort()
        yield contentBytes(CHUNK, 2)
      }
      expect(await rejectionCode(put(store, pieces(), { chunkSize: CHUNK, signal: controller.signal }))).toBe('ABORTED')
      expect(await store.contents()).toEqual([])
      await store.close()
    })

    it('puts a Blob and empty content', async () => {
      const store = await newStore()
      const content = contentBytes(2 * CHUNK + 9, 4)
      const { cid } = await put(store, new Blob([content]), { chunkSize: CHUNK })
      expect(await collect(read(store, cid))).toEqual(content)
      const empty = await put(store, new Uint8Array(0))
      expect(empty.manifest.size).toBe(0)
      expect(await collect(read(store, empty.cid))).toEqual(new Uint8Array(0))
      await store.close()
    })
  })
}
