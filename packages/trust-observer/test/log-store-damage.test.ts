// A damaged or hostile store: every record the log reads is checked, and what does not fit fails with the typed
// CORRUPT_STORE, never another error and never a wrong answer. (An inner hash replaced by other bytes of the same
// length is beyond these checks: LevelDB's block checksums catch damage on disk, and a proof built from it fails
// verification at the client. A leaf hash is stored, and checked, with its entry.)
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { isDscsError } from '@dscs/interface'
import { MemoryStore } from '@dscs/store'
import { StoreMerkleLog, consistencyProof, inclusionProof, rootAt } from '../src/index.js'
import { LogKeys, encodeState } from '../src/log/layout.js'
import { levelsOf, sampleEntries, sourceOf, toHex } from './log-helpers.js'

// 37 = 32 + 4 + 1: the right edge is the subtrees (5, 0), (2, 8) and (0, 36).
const SIZE = 37
const ENTRIES = sampleEntries(SIZE)
const SOURCE = sourceOf(levelsOf(ENTRIES))
const keys = new LogKeys(new TextEncoder().encode('log/'))
const encoder = new TextEncoder()

async function healthyStore(): Promise<MemoryStore> {
  const store = new MemoryStore()
  const log = await StoreMerkleLog.open(store)
  await log.append(ENTRIES.slice(0, 20))
  await log.append(ENTRIES.slice(20))
  return store
}

async function flipLastByte(store: MemoryStore, key: Uint8Array): Promise<void> {
  const record = (await store.get(key))!
  record[record.length - 1]! ^= 1
  await store.put(key, record)
}

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
    ['a state record of another version', (s: MemoryStore) => s.put(keys.state, Uint8Array.of(2, ...encodeState(SIZE).subarray(1)))],
    ['a size of 2^53', (s: MemoryStore) => s.put(keys.state, Uint8Array.of(1, 0, 0x20, 0, 0, 0, 0, 0, 0))],
    ['a size one short of the entries', (s: MemoryStore) => s.put(keys.state, encodeState(SIZE - 1))],
    ['a size one beyond the entries', (s: MemoryStore) => s.put(keys.state, encodeState(SIZE + 1))],
    ['entries without a state record', (s: MemoryStore) => s.delete(keys.state)],
    ['the last entry missing', (s: MemoryStore) => s.delete(keys.entry(SIZE - 1))],
    ['an entry beyond the size', (s: MemoryStore) => s.put(keys.entry(SIZE), Uint8Array.of(1))],
    ['a stray key after the entries', (s: MemoryStore) => s.put(Uint8Array.of(...encoder.encode('log/e'), 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0), Uint8Array.of(1))],
    ['a last entry record too short for its leaf hash', (s: MemoryStore) => s.put(keys.entry(SIZE - 1), new Uint8Array(31))],
    ['a last entry that does not hash to its leaf hash', (s: MemoryStore) => s.put(keys.entry(SIZE - 1), new Uint8Array(40))],
    ['an edge hash missing', (s: MemoryStore) => s.delete(keys.hash({ level: 5, index: 0 }))],
    ['an edge hash of 31 bytes', (s: MemoryStore) => s.put(keys.hash({ level: 2, index: 8 }), new Uint8Array(31))]
  ])('refuses to open with %s', async (_what, damage) => {
    const store = await healthyStore()
    await damage(store)
    await expectCorrupt(StoreMerkleLog.open(store))
  })

  it.each([
    ['a sibling leaf missing', (s: MemoryStore) => s.delete(keys.entry(3)), (log: StoreMerkleLog) => log.inclusionProof(2, SIZE)],
    ['a sibling leaf changed', (s: MemoryStore) => flipLastByte(s, keys.entry(3)), (log: StoreMerkleLog) => log.inclusionProof(2, SIZE)],
    ['an inner hash missing', (s: MemoryStore) => s.delete(keys.hash({ level: 3, index: 1 })), (log: StoreMerkleLog) => log.inclusionProof(2, SIZE)],
    ['an inner hash of 33 bytes', (s: MemoryStore) => s.put(keys.hash({ level: 1, index: 4 }), new Uint8Array(33)), (log: StoreMerkleLog) => log.consistencyProof(10, SIZE)],
    ['a past root missing', (s: MemoryStore) => s.delete(keys.hash({ level: 4, index: 0 })), (log: StoreMerkleLog) => log.root(20)],
    ['an entry cut short of its leaf hash', (s: MemoryStore) => s.put(keys.entry(10), Uint8Array.of(7)), (log: StoreMerkleLog) => log.entries(0, SIZE)],
    ['an entry changed', (s: MemoryStore) => flipLastByte(s, keys.entry(10)), (log: StoreMerkleLog) => log.entries(10, 11)],
    ['an entry missing', (s: MemoryStore) => s.delete(keys.entry(10)), (log: StoreMerkleLog) => log.entries(5, 15)],
    ['a stray entry key', (s: MemoryStore) => s.put(Uint8Array.of(...keys.entry(10), 0), new Uint8Array(40)), (log: StoreMerkleLog) => log.entries(5, 15)]
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
        fc.constantFrom('remove', 'cut', 'lengthen', 'replace entry or state', 'add'),
        fc.uint8Array({ maxLength: 40 }),
        async (pick, how, bytes) => {
          const store = await healthyStore()
          const [key, value] = records[pick % records.length]!
          let damaged: Uint8Array | undefined
          if (how === 'remove') await store.delete(key)
          else if (how === 'cut') damaged = value.subarray(0, Math.max(0, value.length - 1 - ((bytes[0] ?? 0) % Math.max(1, value.length))))
          else if (how === 'lengthen') damaged = Uint8Array.of(...value, ...bytes, 0)
          else if (how === 'replace entry or state') damaged = key[4] === 0x68 ? value : bytes
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
