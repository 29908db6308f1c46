// YUpdateLog: a Y.Doc's updates through the Store port, restored on restart, compacted atomically, safe across crashes.
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import type { RangeOptions, Store, StoreBatchOp, StoreEntry } from '@dscs/interface'
import { LevelStore, MemoryStore } from '@dscs/store'
import * as Y from 'yjs'
import { YDocReplica, YUpdateLog } from '../src/yjs/index.js'
import { encodeRecord } from '../src/yjs/record.js'

const DOC = { domain: 'notes', name: 'todo' }

/** A Store that passes everything to `inner`, except the operations a test breaks. */
class FaultyStore implements Store {
  failPuts = 0
  failBatches = false
  /** Puts that never finish, as a write cut short by a crash. */
  hangPuts = false

  constructor(readonly inner: Store) {}

  get(key: Uint8Array): Promise<Uint8Array | undefined> {
    return this.inner.get(key)
  }

  async put(key: Uint8Array, value: Uint8Array): Promise<void> {
    if (this.hangPuts) return new Promise(() => {})
    if (this.failPuts > 0) {
      this.failPuts--
      throw new Error('disk full')
    }
    return this.inner.put(key, value)
  }

  delete(key: Uint8Array): Promise<void> {
    return this.inner.delete(key)
  }

  async batch(ops: readonly StoreBatchOp[]): Promise<void> {
    if (this.failBatches) throw new Error('crashed before the batch was written')
    return this.inner.batch(ops)
  }

  range(options?: RangeOptions): AsyncIterable<StoreEntry> {
    return this.inner.range(options)
  }

  close(): Promise<void> {
    return this.inner.close()
  }
}

/** A new doc restored from `store`: what a restarted node sees. */
async function restored(store: Store, doc = DOC): Promise<Y.Doc> {
  const restoredDoc = new Y.Doc()
  await (await YUpdateLog.open(store, restoredDoc, doc)).close()
  return restoredDoc
}

async function entries(store: Store): Promise<StoreEntry[]> {
  const all: StoreEntry[] = []
  for await (const entry of store.range()) all.push(entry)
  return all
}

const textOf = (doc: Y.Doc): string => doc.getText('text').toJSON()

describe('YUpdateLog', () => {
  const dirs: string[] = []
  afterEach(async () => {
    await Promise.all(dirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })))
  })

  async function levelStore(): Promise<{ dir: string; store: LevelStore }> {
    const dir = await mkdtemp(join(tmpdir(), 'dscs-yjs-'))
    dirs.push(dir)
    return { dir, store: await LevelStore.open(dir) }
  }

  it('stores local and remote updates and restores the doc from them after a restart on LevelDB', async () => {
    const { dir, store } = await levelStore()
    const doc = new Y.Doc()
    const log = await YUpdateLog.open(store, doc, DOC)
    doc.getText('text').insert(0, 'local')
    const remote = new Y.Doc()
    remote.getMap('meta').set('from', 'afar')
    new YDocReplica(doc).applyRemote(Y.encodeStateAsUpdate(remote))
    await log.flushed()
    expect(log.records).toBe(2)
    await log.close()
    await store.close()

    const reopened = await LevelStore.open(dir)
    try {
      const again = await restored(reopened)
      expect(textOf(again)).toBe('local')
      expect(again.getMap('meta').get('from')).toBe('afar')
      expect(Y.encodeStateVector(again)).toEqual(Y.encodeStateVector(doc))
    } finally {
      await reopened.close()
    }
  })

  it('restores without writing the restored records again, and keeps documents apart', async () => {
    const store = new MemoryStore()
    const doc = new Y.Doc()
    const log = await YUpdateLog.open(store, doc, DOC)
    doc.getText('text').insert(0, 'a')
    doc.getText('text').insert(1, 'b')
    await log.close()
    const other = await YUpdateLog.open(store, new Y.Doc(), { domain: 'notes', name: 'todo2' })
    expect(other.records).toBe(0) // 'todo' is a prefix of 'todo2' as a string, never as a key
    await other.close()

    const again = new Y.Doc()
    const reopened = await YUpdateLog.open(store, again, DOC)
    await reopened.flushed()
    expect(reopened.records).toBe(2)
    expect(textOf(again)).toBe('ab')
    await reopened.close()
  })

  it('stores what the doc held before the log was opened, and what it gained while the records were read', async () => {
    const store = new MemoryStore()
    const before = new Y.Doc()
    before.getText('text').insert(0, 'already here')
    await (await YUpdateLog.open(store, before, { domain: 'notes', name: 'before' })).close()
    expect(textOf(await restored(store, { domain: 'notes', name: 'before' }))).toBe('already here')

    const during = new Y.Doc()
    const opening = YUpdateLog.open(store, during, DOC)
    during.getMap('meta').set('during', 'the read') // the log is not listening yet
    await (await opening).close()
    expect((await restored(store)).getMap('meta').get('during')).toBe('the read')
  })

  it('compacts into one record past the threshold, and on demand', async () => {
    const store = new MemoryStore()
    const doc = new Y.Doc()
    const log = await YUpdateLog.open(store, doc, { ...DOC, compactAfter: 5 })
    for (let i = 0; i < 23; i++) doc.getText('text').insert(i, String(i % 10))
    await log.flushed()
    expect(log.records).toBeLessThanOrEqual(5)
    await log.compact()
    expect(log.records).toBe(1)
    expect(await entries(store)).toHaveLength(1)
    await log.close()
    expect(textOf(await restored(store))).toBe('01234567890123456789012')
  })

  it('loses and corrupts nothing when compaction is cut short: the records stay as they were', async () => {
    const { dir, store } = await levelStore()
    const faulty = new FaultyStore(store)
    const doc = new Y.Doc()
    const log = await YUpdateLog.open(faulty, doc, DOC)
    for (const word of ['one ', 'two ', 'three']) doc.getText('text').insert(textOf(doc).length, word)
    await log.flushed()
    const before = await entries(store)

    faulty.failBatches = true
    await expect(log.compact()).rejects.toMatchObject({ code: 'STORE_WRITE_FAILED' })
    expect(await entries(store)).toEqual(before)
    doc.getText('text').insert(0, '> ') // the log goes on after the failed compaction
    await log.flushed()
    await store.close() // the process dies here: no close of the log

    const reopened = await LevelStore.open(dir)
    try {
      expect(textOf(await restored(reopened))).toBe('> one two three')
    } finally {
      await reopened.close()
    }
  })

  it('keeps every acknowledged update when the process dies in the middle of a write', async () => {
    const store = new MemoryStore()
    const faulty = new FaultyStore(store)
    const doc = new Y.Doc()
    const log = await YUpdateLog.open(faulty, doc, DOC)
    doc.getText('text').insert(0, 'acknowledged')
    await log.flushed()
    faulty.hangPuts = true
    doc.getText('text').insert(0, 'in flight: ') // its write never completes; flushed() would never resolve

    const again = await restored(store)
    expect(textOf(again)).toBe('acknowledged')
  })

  it('reports a failed write until a later one stores the whole doc, which makes the lost update durable again', async () => {
    const store = new MemoryStore()
    const faulty = new FaultyStore(store)
    const doc = new Y.Doc()
    const log = await YUpdateLog.open(faulty, doc, DOC)
    faulty.failPuts = 1
    doc.getText('text').insert(0, 'lost write')
    await expect(log.flushed()).rejects.toMatchObject({ code: 'STORE_WRITE_FAILED' })
    expect(textOf(await restored(store))).toBe('')

    doc.getMap('meta').set('next', true)
    await log.flushed()
    const again = await restored(store)
    expect(textOf(again)).toBe('lost write')
    expect(again.getMap('meta').get('next')).toBe(true)
    await log.close()
  })

  it('refuses damaged records with CORRUPT_STORE before touching the doc', async () => {
    const damaged = async (damage: (store: MemoryStore, key: Uint8Array, value: Uint8Array) => Promise<void>) => {
      const store = new MemoryStore()
      const source = new Y.Doc()
      const log = await YUpdateLog.open(store, source, DOC)
      source.getText('text').insert(0, 'hello')
      await log.close()
      const [[key, value]] = (await entries(store)) as [StoreEntry]
      await damage(store, key, value)
      const doc = new Y.Doc()
      await expect(YUpdateLog.open(store, doc, DOC)).rejects.toMatchObject({ code: 'CORRUPT_STORE' })
      expect(doc.store.clients.size).toBe(0)
    }
    // A flipped bit in the text: still a decodable update, caught by the checksum.
    await damaged((store, key, value) => store.put(key, value.map((byte, i) => (i === value.length - 3 ? byte ^ 1 : byte))))
    await damaged((store, key, value) => store.put(key, value.subarray(0, 3)))
    await damaged((store, key, value) => store.put(key, Uint8Array.of(9, ...value.subarray(1))))
    await damaged((store, key) => store.put(key, encodeRecord(new Uint8Array([1, 1, 2, 0, 0xff, 0xff])))) // checksum fine, no valid update
    await damaged((store, key, value) => store.put(Uint8Array.of(...key, 0), value)) // a key that is no record key
  })
})
