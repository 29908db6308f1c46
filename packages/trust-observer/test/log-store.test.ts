import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import fc from 'fast-check'
import { afterAll, describe, expect, it } from 'vitest'
import { isDscsError, type Store, type StoreBatchOp } from '@dscs/interface'
import { LevelStore, MemoryStore, StoreError } from '@dscs/store'
import {
  StoreMerkleLog,
  consistencyProof,
  emptyRoot,
  inclusionProof,
  leafHash,
  rootAt,
  verifyConsistency,
  verifyInclusion
} from '../src/index.js'
import { CountingStore } from './log-counting-store.js'
import { levelsOf, sampleEntries, sourceOf, toHex } from './log-helpers.js'

const dir = await mkdtemp(join(tmpdir(), 'dscs-trust-observer-log-'))
let stores = 0
afterAll(() => rm(dir, { recursive: true, force: true }))

const openLevel = (name = `store-${stores++}`): Promise<LevelStore> => LevelStore.open(join(dir, name))

/** Appends `entries` to `log` in batches of the given sizes (cycled), checking each resolved state. */
async function appendInBatches(log: StoreMerkleLog, entries: readonly Uint8Array[], batchSizes: readonly number[]): Promise<void> {
  const before = log.size
  for (let at = 0, b = 0; at < entries.length; b++) {
    const batch = entries.slice(at, at + batchSizes[b % batchSizes.length]!)
    const state = await log.append(batch)
    at += batch.length
    expect(state.size).toBe(before + at)
  }
}

/** Every root, every inclusion proof and a spread of consistency proofs of `log`, against the pure functions over `entries`. */
async function expectSameTree(log: StoreMerkleLog, entries: readonly Uint8Array[]): Promise<void> {
  const source = sourceOf(levelsOf(entries))
  expect(log.size).toBe(entries.length)
  expect(toHex(log.state.root)).toBe(toHex(rootAt(entries.length, source)))
  for (let size = 0; size <= entries.length; size++) {
    expect(toHex(await log.root(size))).toBe(toHex(rootAt(size, source)))
    for (let index = 0; index < size; index += Math.max(1, Math.floor(size / 7))) {
      expect((await log.inclusionProof(index, size)).map(toHex)).toEqual(inclusionProof(index, size, source).map(toHex))
    }
    const newSize = entries.length - (size % 3)
    if (newSize >= size) expect((await log.consistencyProof(size, newSize)).map(toHex)).toEqual(consistencyProof(size, newSize, source).map(toHex))
  }
  expect(await log.entries(0, entries.length)).toEqual(entries)
}

async function expectError(promise: Promise<unknown>, code: string): Promise<void> {
  await promise.then(
    () => expect.fail(`expected ${code}`),
    (error: unknown) => expect(isDscsError(error, code), String(error)).toBe(true)
  )
}

describe('StoreMerkleLog', () => {
  it.each([
    ['MemoryStore', async (): Promise<Store> => new MemoryStore()],
    ['LevelStore on disk', openLevel]
  ])('on a %s gives the roots and proofs of the RFC 9162 functions, across varied batches and a reopen', async (_name, open) => {
    const entries = sampleEntries(300)
    const store = await open()
    const log = await StoreMerkleLog.open(store)
    expect(toHex(await log.root())).toBe(toHex(emptyRoot()))
    await appendInBatches(log, entries.slice(0, 150), [1, 2, 3, 5, 8, 13, 0, 21])
    await expectSameTree(log, entries.slice(0, 150))
    const reopened = await StoreMerkleLog.open(store)
    await expectSameTree(reopened, entries.slice(0, 150))
    await appendInBatches(reopened, entries.slice(150), [64, 1, 85])
    await expectSameTree(await StoreMerkleLog.open(store), entries)
    await store.close()
  })

  it('gives every batching of the same entries the same tree', async () => {
    const entries = sampleEntries(70)
    const expected = toHex(rootAt(entries.length, sourceOf(levelsOf(entries))))
    await fc.assert(
      fc.asyncProperty(fc.array(fc.integer({ min: 1, max: 20 }), { minLength: 1, maxLength: 10 }), async (batchSizes) => {
        const log = await StoreMerkleLog.open(new MemoryStore())
        await appendInBatches(log, entries, batchSizes)
        expect(toHex(log.state.root)).toBe(expected)
        expect((await log.inclusionProof(33, 70)).map(toHex)).toEqual(inclusionProof(33, 70, sourceOf(levelsOf(entries))).map(toHex))
      }),
      { numRuns: 30 }
    )
  })

  it('survives a reopen of the LevelDB directory, with the same roots and proofs', async () => {
    const entries = sampleEntries(100)
    const first = await openLevel('reopen')
    await appendInBatches(await StoreMerkleLog.open(first), entries, [7, 30])
    await first.close()
    const second = await openLevel('reopen')
    await expectSameTree(await StoreMerkleLog.open(second), entries)
    await second.close()
  })

  it('keeps logs of different prefixes in one store apart', async () => {
    const store = new MemoryStore()
    const a = await StoreMerkleLog.open(store, { prefix: 'a/' })
    const b = await StoreMerkleLog.open(store, { prefix: 'b/' })
    await a.append(sampleEntries(5))
    await b.append(sampleEntries(9))
    expect((await StoreMerkleLog.open(store, { prefix: 'a/' })).size).toBe(5)
    expect((await StoreMerkleLog.open(store, { prefix: 'b/' })).size).toBe(9)
  })

  it('commits concurrent appends one after the other, in call order', async () => {
    const entries = sampleEntries(40)
    const log = await StoreMerkleLog.open(new MemoryStore())
    const states = await Promise.all(Array.from({ length: 8 }, (_, i) => log.append(entries.slice(i * 5, i * 5 + 5))))
    expect(states.map((state) => state.size)).toEqual([5, 10, 15, 20, 25, 30, 35, 40])
    await expectSameTree(log, entries)
  })

  it('copies appended entries, so reusing a buffer changes nothing stored', async () => {
    const log = await StoreMerkleLog.open(new MemoryStore())
    const buffer = Uint8Array.of(1, 2, 3)
    const appended = log.append([buffer])
    buffer.fill(9)
    await appended
    expect(await log.entries(0, 1)).toEqual([Uint8Array.of(1, 2, 3)])
  })

  it('commits nothing when the store fails the batch, and goes on from the committed state', async () => {
    let fail = true
    const flaky = new (class extends CountingStore {
      override async batch(ops: readonly StoreBatchOp[]): Promise<void> {
        if (fail) throw new StoreError('STORE_IO', 'injected write failure')
        return super.batch(ops)
      }
    })(new MemoryStore())
    const log = await StoreMerkleLog.open(flaky)
    await expectError(log.append(sampleEntries(3)), 'STORE_IO')
    expect(log.size).toBe(0)
    fail = false
    await log.append(sampleEntries(4))
    await expectSameTree(log, sampleEntries(4))
  })

  it('refuses out-of-range sizes, oversized entries and appends, and ranges beyond its limit, with typed errors', async () => {
    const log = await StoreMerkleLog.open(new MemoryStore(), { maxEntryBytes: 8, maxAppendEntries: 4, maxAppendBytes: 20, maxRangeEntries: 3 })
    await log.append(sampleEntries(4))
    await expectError(log.append([new Uint8Array(9)]), 'ENTRY_TOO_LARGE')
    await expectError(log.append(sampleEntries(5)), 'APPEND_TOO_LARGE')
    await expectError(log.append([new Uint8Array(8), new Uint8Array(8), new Uint8Array(8)]), 'APPEND_TOO_LARGE')
    await expectError(log.entries(0, 4), 'RANGE_TOO_LARGE')
    await expectError(log.entries(2, 5), 'OUT_OF_RANGE')
    await expectError(log.entries(3, 2), 'OUT_OF_RANGE')
    await expectError(log.root(5), 'OUT_OF_RANGE')
    await expectError(log.root(-1), 'OUT_OF_RANGE')
    await expectError(log.inclusionProof(4, 4), 'OUT_OF_RANGE')
    await expectError(log.inclusionProof(0, 5), 'OUT_OF_RANGE')
    await expectError(log.inclusionProof(0.5, 4), 'OUT_OF_RANGE')
    await expectError(log.consistencyProof(3, 2), 'OUT_OF_RANGE')
    await expectError(log.consistencyProof(2, 5), 'OUT_OF_RANGE')
    await expectError(StoreMerkleLog.open(new MemoryStore(), { maxRangeEntries: 0 }), 'INVALID_OPTION')
    expect(log.size).toBe(4)
  })

  it('gives the reference roots and proofs across the tiles of three tile levels (past 2^16 entries), in appends that end anywhere in a tile', async () => {
    const entries = sampleEntries(70_000)
    const source = sourceOf(levelsOf(entries))
    const store = new MemoryStore()
    const log = await StoreMerkleLog.open(store)
    await appendInBatches(log, entries.slice(0, 65_600), [1_000, 255, 1, 2_000, 4_097])
    const reopened = await StoreMerkleLog.open(store)
    await appendInBatches(reopened, entries.slice(65_600), [3, 600, 4_096])
    const sizes = [1, 255, 256, 257, 65_535, 65_536, 65_537, 65_600, 69_999, 70_000]
    for (const size of sizes) {
      expect(toHex(await reopened.root(size))).toBe(toHex(rootAt(size, source)))
      for (const index of [0, 255, 256, size - 1, Math.floor(size / 3)].filter((i) => i < size)) {
        expect((await reopened.inclusionProof(index, size)).map(toHex)).toEqual(inclusionProof(index, size, source).map(toHex))
      }
      for (const newSize of sizes.filter((n) => n >= size)) {
        expect((await reopened.consistencyProof(size, newSize)).map(toHex)).toEqual(consistencyProof(size, newSize, source).map(toHex))
      }
    }
    expect(await reopened.entries(65_400, 65_700)).toEqual(entries.slice(65_400, 65_700))
  }, 120_000)

  it('reads at most 2·log2(n) + 2 hashes for a proof and popcount(n) for a root at n = 100 000, and O(log n) to reopen', async () => {
    const n = 100_000
    const counting = new CountingStore(await openLevel('large'))
    const log = await StoreMerkleLog.open(counting)
    const entries = Array.from({ length: 10_000 }, (_, i) => Uint8Array.of(i & 255, i >> 8))
    for (let batch = 0; batch < n / entries.length; batch++) await log.append(entries)
    const bound = 2 * Math.log2(n) + 2
    const sizes = [n, n - 1, 65_536, 99_999, 77_777, 3]
    for (const size of sizes) {
      for (const index of [0, size - 1, Math.floor(size / 3)]) {
        counting.reset()
        const proof = await log.inclusionProof(index, size)
        expect(counting.gets).toBeLessThanOrEqual(bound)
        expect(counting.ranges).toBe(0)
        expect(verifyInclusion(leafHash(entries[index % entries.length]!), index, size, proof, await log.root(size))).toBe(true)
      }
      for (const oldSize of [1, size >> 1, size - 1]) {
        counting.reset()
        const proof = await log.consistencyProof(oldSize, n)
        expect(counting.gets).toBeLessThanOrEqual(bound)
        expect(verifyConsistency(oldSize, n, await log.root(oldSize), log.state.root, proof)).toBe(true)
      }
      counting.reset()
      await log.root(size - 1)
      expect(counting.gets).toBeLessThanOrEqual(Math.log2(n) + 1)
    }
    counting.reset()
    const reopened = await StoreMerkleLog.open(counting)
    expect(reopened.state).toEqual(log.state)
    expect(counting.gets).toBeLessThanOrEqual(Math.log2(n) + 2)
    expect(counting.ranges).toBe(1)
    await counting.close()
  }, 120_000)
})
