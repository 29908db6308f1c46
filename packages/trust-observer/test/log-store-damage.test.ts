// A damaged or hostile store: every record the log reads is checked, and what does not fit fails with the typed
// CORRUPT_STORE, never another error and never a wrong answer. (A hash in a tile replaced by other bytes of the same
// length is beyond these checks when a proof reads it: LevelDB's block checksums catch damage on disk, and a proof
// built from it fails verification at the client. Every entry read is checked against its leaf hash in its tile.)
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { isDscsError } from '@dscs/interface'
import { MemoryStore } from '@dscs/store'
import { StoreMerkleLog, consistencyProof, inclusionProof, rootAt } from '../src/index.js'
import { LogKeys, chunksOf, encodeState, packEntries } from '../src/log/layout.js'
import { levelsOf, sampleEntries, sourceOf, toHex } from './log-helpers.js'

// 37 = 32 + 4 + 1: the right edge is the subtrees (5, 0), (2, 8) and (0, 36), all in tile (0, 0); the entries are in
// two chunks, 0 to 19 and 20 to 36.
const SIZE = 37
const ENTRIES = sampleEntries(SIZE)
const SOURCE = sourceOf(levelsOf(ENTRIES))
const keys = new LogKeys(new TextEncoder().encode('log/'))
const encoder = new TextEncoder()
const LAST_CHUNK = keys.chunk(20)
const EDGE_TILE = keys.tile(0, 0)
// The bytes of a tile of width 36 (36 + 18 + 9 + 4 + 2 + 1 hashes): one node short of the log's 37.
const TILE_OF_36 = 70 * 32
const chunkOf = (start: number, ...entries: Uint8Array[]): Uint8Array => chunksOf(start, packEntries(entries))[0]!.record

async function healthyStore(): Promise<MemoryStore> {
  const store = new MemoryStore()
  const log = await StoreMerkleLog.open(store)
  await log.append(ENTRIES.slice(0, 20))
  await log.append(ENTRIES.slice(20))
  return store
}

async function flipByte(store: MemoryStore, key: Uint8Array, at: number): Promise<void> {
  const record = (await store.get(key))!
  record[at]! ^= 1
  await store.put(key, record)
}

const flipLastByte = async (store: MemoryStore, key: Uint8Array): Promise<void> => flipByte(store, key, (await store.get(key))!.length - 1)

async function expectCorrupt(promise: Promise<unknown>): Promise<void> {
  await promise.then(
    () => expect.fail('expected CORRUPT_STORE'),
    (error: unknown) => expect(isDscsError(error, 'CORRUPT_STORE'), String(error)).toBe(true)
  )
}

/** Every read the log serves, each either the healthy answer or CORRUPT_STORE. */
async function readEverything(store: MemoryStore): Promise<number> {
  let failures = 0
  const check = async <T>(read: () => Promise<T>, expected: T): Promise<void> => {
    try {
      expect(await read()).toEqual(expected)
    } catch (error) {
      if (!isDscsError(error, 'CORRUPT_STORE')) throw error
      failures++
    }
  }
  let log: StoreMerkleLog
  try {
    log = await StoreMerkleLog.open(store)
  } catch (error) {
    if (!isDscsError(error, 'CORRUPT_STORE')) throw error
    return 1
  }
  expect(log.size).toBe(SIZE)
  for (let size = 0; size <= SIZE; size++) {
    await check(async () => toHex(await log.root(size)), toHex(rootAt(size, SOURCE)))
    await check(async () => (await log.consistencyProof(size, SIZE)).map(toHex), consistencyProof(size, SIZE, SOURCE).map(toHex))
  }
  for (let index = 0; index < SIZE; index++) {
    await check(async () => (await log.inclusionProof(index, SIZE)).map(toHex), inclusionProof(index, SIZE, SOURCE).map(toHex))
  }
  await check(() => log.entries(0, SIZE), ENTRIES)
  return failures
}

describe('StoreMerkleLog on a damaged store', () => {
  it.each([
    ['a state record of 8 bytes', (s: MemoryStore) => s.put(keys.state, encodeState(SIZE).subarray(1))],
    ['a state record of version 1, the layout before tiles', (s: MemoryStore) => s.put(keys.state, Uint8Array.of(1, ...encodeState(SIZE).subarray(1)))],
    ['a state record of a later version', (s: MemoryStore) => s.put(keys.state, Uint8Array.of(3, ...encodeState(SIZE).subarray(1)))],
    ['a size of 2^53', (s: MemoryStore) => s.put(keys.state, Uint8Array.of(2, 0, 0x20, 0, 0, 0, 0, 0, 0))],
    ['a size one short of the entries', (s: MemoryStore) => s.put(keys.state, encodeState(SIZE - 1))],
    ['a size one beyond the entries', (s: MemoryStore) => s.put(keys.state, encodeState(SIZE + 1))],
    ['entries without a state record', (s: MemoryStore) => s.delete(keys.state)],
    ['the last chunk missing', (s: MemoryStore) => s.delete(LAST_CHUNK)],
    ['a chunk beyond the size', (s: MemoryStore) => s.put(keys.chunk(SIZE), chunkOf(SIZE, Uint8Array.of(1)))],
    ['a stray key after the chunks', (s: MemoryStore) => s.put(Uint8Array.of(...encoder.encode('log/c'), 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0), Uint8Array.of(1))],
    ['a last chunk cut inside a length', (s: MemoryStore) => s.put(LAST_CHUNK, new Uint8Array(3))],
    ['a last chunk with an entry claiming more bytes than it holds', (s: MemoryStore) => s.put(LAST_CHUNK, Uint8Array.of(0, 0, 1, 0, 7))],
    ['a last chunk of more entries than its tile has room for', (s: MemoryStore) => s.put(LAST_CHUNK, new Uint8Array(4 * 237))],
    ['a last chunk whose entry does not hash to its leaf hash', (s: MemoryStore) => flipLastByte(s, LAST_CHUNK)],
    ['the edge tile missing', (s: MemoryStore) => s.delete(EDGE_TILE)],
    ['an edge tile of 31 bytes', (s: MemoryStore) => s.put(EDGE_TILE, new Uint8Array(31))],
    ['an edge tile one node short', async (s: MemoryStore) => s.put(EDGE_TILE, (await s.get(EDGE_TILE))!.subarray(0, TILE_OF_36))]
  ])('refuses to open with %s', async (_what, damage) => {
    const store = await healthyStore()
    await damage(store)
    await expectCorrupt(StoreMerkleLog.open(store))
  })

  it.each([
    ['a leaf hash changed', (s: MemoryStore) => flipByte(s, EDGE_TILE, 3 * 32), (log: StoreMerkleLog) => log.entries(0, SIZE)],
    ['a chunk changed', (s: MemoryStore) => flipLastByte(s, keys.chunk(0)), (log: StoreMerkleLog) => log.entries(15, 20)],
    ['a chunk cut inside an entry', (s: MemoryStore) => s.put(keys.chunk(0), Uint8Array.of(0, 0, 0, 9, 1)), (log: StoreMerkleLog) => log.entries(0, SIZE)],
    ['a chunk missing', (s: MemoryStore) => s.delete(keys.chunk(0)), (log: StoreMerkleLog) => log.entries(5, 15)],
    ['a chunk where none is due', (s: MemoryStore) => s.put(keys.chunk(10), chunkOf(10, ENTRIES[10]!)), (log: StoreMerkleLog) => log.entries(5, 15)],
    ['a chunk read from where another is', (s: MemoryStore) => s.put(keys.chunk(17), chunkOf(17, ...ENTRIES.slice(0, 20))), (log: StoreMerkleLog) => log.entries(18, 19)],
    ['a stray chunk key', (s: MemoryStore) => s.put(Uint8Array.of(...keys.chunk(10), 0), new Uint8Array(40)), (log: StoreMerkleLog) => log.entries(5, 15)]
  ])('opens with %s, and fails the read that meets it', async (_what, damage, read) => {
    const store = await healthyStore()
    await damage(store)
    const log = await StoreMerkleLog.open(store)
    await expectCorrupt(read(log))
  })

  it('answers every read rightly or with CORRUPT_STORE, whatever record is removed, cut, lengthened, replaced or added', async () => {
    const healthy = await healthyStore()
    const records: [Uint8Array, Uint8Array][] = []
    for await (const [key, value] of healthy.range()) records.push([key, value])
    await fc.assert(
      fc.asyncProperty(
        fc.nat(),
        fc.constantFrom('remove', 'cut', 'lengthen', 'replace chunk or state', 'add'),
        fc.uint8Array({ maxLength: 40 }),
        async (pick, how, bytes) => {
          const store = await healthyStore()
          const [key, value] = records[pick % records.length]!
          let damaged: Uint8Array | undefined
          if (how === 'remove') await store.delete(key)
          else if (how === 'cut') damaged = value.subarray(0, Math.max(0, value.length - 1 - ((bytes[0] ?? 0) % Math.max(1, value.length))))
          else if (how === 'lengthen') damaged = Uint8Array.of(...value, ...bytes, 0)
          else if (how === 'replace chunk or state') damaged = key[4] === 0x74 ? value : bytes
          if (damaged !== undefined) await store.put(key, damaged)
          if (how === 'add') {
            const stray = Uint8Array.of(...key.subarray(0, 5), ...bytes)
            if ((await store.get(stray)) === undefined) await store.put(stray, value)
          }
          const failures = await readEverything(store)
          // Every record is read by some root, proof or range: removing or resizing one is always noticed.
          const resized = how === 'remove' || (damaged !== undefined && damaged.length !== value.length)
          if (resized) expect(failures).toBeGreaterThan(0)
        }
      ),
      { numRuns: 150 }
    )
  }, 60_000)

  it('reads a healthy store without a failure', async () => {
    expect(await readEverything(await healthyStore())).toBe(0)
  })
})
