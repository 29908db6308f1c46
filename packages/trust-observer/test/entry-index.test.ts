import { describe, expect, it } from 'vitest'
import { concatBytes } from '@noble/hashes/utils.js'
import { MemoryStore } from '@dscs/store'
import { EntryIndex, entryIdOf, StoreMerkleLog } from '../src/index.js'
import { ALICE, envelope, T0 } from './fixtures.js'

describe('the entry index', () => {
  it('finds entries by id, and catches up on reopening with what the log holds past its mark', async () => {
    const store = new MemoryStore()
    const log = await StoreMerkleLog.open(store)
    const entries = Array.from({ length: 5 }, (_, i) => envelope(ALICE, T0 + i))
    await log.append(entries)
    const index = await EntryIndex.open(store, 'o/', log)
    // Opened on a log of five it indexed them all; the next two are added as a commit would.
    const more = [envelope(ALICE, T0), envelope(ALICE, T0)]
    await log.append(more)
    await index.add(5, concatBytes(...more.map((entry) => entryIdOf(entry)!)))
    for (const [i, entry] of [...entries, ...more].entries()) expect(await index.lookup(entryIdOf(entry)!)).toBe(i)
    expect(await index.lookup(new Uint8Array(32))).toBeUndefined()

    // A crash between the log's append and the index's write: reopening indexes the rest.
    const lost = envelope(ALICE, T0)
    await log.append([lost, new Uint8Array([1, 2, 3])])
    const reopened = await EntryIndex.open(store, 'o/', log)
    expect(await reopened.lookup(entryIdOf(lost)!)).toBe(7)
  })
})

describe('the entry index on a failing store', () => {
  it('keeps its mark before a range it could not write, so reopening indexes it', async () => {
    const store = new MemoryStore()
    const log = await StoreMerkleLog.open(store)
    const index = await EntryIndex.open(store, 'o/', log)
    const [a, b] = [envelope(ALICE, T0), envelope(ALICE, T0)]
    await log.append([a, b])
    const batch = store.batch.bind(store)
    store.batch = async () => {
      store.batch = batch // fails once
      throw new Error('disk full')
    }
    await expect(index.add(0, entryIdOf(a)!)).rejects.toThrow('disk full')
    await index.add(1, entryIdOf(b)!)
    expect(await index.lookup(entryIdOf(a)!)).toBeUndefined()
    const reopened = await EntryIndex.open(store, 'o/', log)
    expect(await reopened.lookup(entryIdOf(a)!)).toBe(0)
    expect(await reopened.lookup(entryIdOf(b)!)).toBe(1)
  })
})
