import type { RangeOptions, Store, StoreBatchOp, StoreEntry } from '@dscs/interface'
import { LogError } from './errors.js'
import { Frontier } from './frontier.js'
import { isCount, type Subtree } from './geometry.js'
import { HASH_BYTES, leafHash, sameHash } from './hash.js'
import { decodeState, encodeState, LogKeys } from './keys.js'
import {
  consistencyProof,
  consistencySubtrees,
  inclusionProof,
  inclusionSubtrees,
  rootAt,
  rootSubtrees,
  type SubtreeSource
} from './proof.js'
import type { MerkleLog, TreeState } from './types.js'

/** Options of {@link StoreMerkleLog}; every one has a default. */
export interface StoreMerkleLogOptions {
  /** What every key of the log starts with, so one store can hold several logs. Default `log/`. */
  readonly prefix?: string | Uint8Array
  /** Longest entry, in bytes: one more fails with `ENTRY_TOO_LARGE`. Default 1 MiB, the largest envelope of @dscs/wire. */
  readonly maxEntryBytes?: number
  /** Most entries in one append: one more fails with `APPEND_TOO_LARGE`. Default 10 000. */
  readonly maxAppendEntries?: number
  /** Most bytes of entries in one append: one more fails with `APPEND_TOO_LARGE`. Default 64 MiB. */
  readonly maxAppendBytes?: number
  /** Most entries `entries(start, end)` returns: a longer range fails with `RANGE_TOO_LARGE`. Default 1 000. */
  readonly maxRangeEntries?: number
}

const DEFAULTS = {
  maxEntryBytes: 1024 * 1024,
  maxAppendEntries: 10_000,
  maxAppendBytes: 64 * 1024 * 1024,
  maxRangeEntries: 1_000
}

type Limits = typeof DEFAULTS

/**
 * The Merkle log in a `Store` (LevelDB in a node, memory in tests). An
 * append writes, in one atomic batch, its entries by index, the hash of
 * every perfect subtree they complete by (level, index) (about two hashes an
 * entry), and the new size. Every root, inclusion proof and consistency
 * proof of any past size then folds O(log n) stored hashes: at most
 * popcount(size) reads for a root and 2·log2(size) for a proof, however long
 * the log. Only the right edge of the tree (log2 n hashes) is held in memory.
 *
 * Reopening checks the store: a missing or malformed size record, entries or
 * leaf hashes beyond that size or short of it, a missing or malformed edge
 * hash, or a last entry that does not hash to its stored leaf hash fail with
 * `CORRUPT_STORE`; so does any missing or malformed record read later.
 */
export class StoreMerkleLog implements MerkleLog {
  readonly #store: Store
  readonly #keys: LogKeys
  readonly #limits: Limits
  #frontier: Frontier
  #root: Uint8Array
  // Appends run one at a time, each on the frontier the previous one committed.
  #appending: Promise<unknown> = Promise.resolve()

  private constructor(store: Store, keys: LogKeys, limits: Limits, frontier: Frontier) {
    this.#store = store
    this.#keys = keys
    this.#limits = limits
    this.#frontier = frontier
    this.#root = frontier.root()
  }

  /** Opens the log kept in `store` under `options.prefix`, empty if there is none yet, after checking it (see the class). */
  static async open(store: Store, options: StoreMerkleLogOptions = {}): Promise<StoreMerkleLog> {
    const limits = checkLimits(options)
    const prefix = options.prefix ?? 'log/'
    const keys = new LogKeys(typeof prefix === 'string' ? new TextEncoder().encode(prefix) : prefix.slice())
    const state = await store.get(keys.state)
    const size = state === undefined ? 0 : decodeState(state)
    const [lastEntry, lastLeafHash] = await Promise.all([lastRecord(store, keys.entries), lastRecord(store, keys.leafHashes)])
    const lastEntryIndex = lastEntry === undefined ? -1 : keys.indexOf(lastEntry[0], 'entry')
    const lastLeafHashIndex = lastLeafHash === undefined ? -1 : keys.indexOf(lastLeafHash[0], 'leaf hash')
    if (lastEntryIndex !== size - 1 || lastLeafHashIndex !== size - 1) {
      throw new LogError('CORRUPT_STORE', `the log records ${size} entries, but its last entry is ${lastEntryIndex} and its last leaf hash ${lastLeafHashIndex}`)
    }
    if (lastEntry !== undefined && lastLeafHash !== undefined && !sameHash(leafHash(lastEntry[1]), lastLeafHash[1])) {
      throw new LogError('CORRUPT_STORE', `entry ${lastEntryIndex} does not hash to its stored leaf hash`)
    }
    const edge = rootSubtrees(size)
    const hashes = await readHashes(store, keys, edge)
    return new StoreMerkleLog(store, keys, limits, new Frontier(size, edge.map(hashes)))
  }

  /** How many entries are durably committed. */
  get size(): number {
    return this.#frontier.size
  }

  /** The committed size and root, from memory. */
  get state(): TreeState {
    return { size: this.size, root: this.#root }
  }

  async root(size = this.size): Promise<Uint8Array> {
    this.#checkSize(size)
    if (size === this.size) return this.#root
    return rootAt(size, await readHashes(this.#store, this.#keys, rootSubtrees(size)))
  }

  /**
   * Appends `entries` (copied) in one atomic batch and resolves with the new
   * state once the store has written it; nothing is committed if it fails.
   * Fails with `ENTRY_TOO_LARGE` or `APPEND_TOO_LARGE` beyond the limits, before
   * anything is written.
   */
  async append(entries: readonly Uint8Array[]): Promise<TreeState> {
    const copies = this.#checkAppend(entries)
    const appended = this.#appending.then(() => this.#commit(copies))
    this.#appending = appended.catch(() => undefined)
    return appended
  }

  async inclusionProof(index: number, size: number): Promise<Uint8Array[]> {
    this.#checkSize(size)
    return inclusionProof(index, size, await readHashes(this.#store, this.#keys, inclusionSubtrees(index, size)))
  }

  async consistencyProof(oldSize: number, newSize: number): Promise<Uint8Array[]> {
    this.#checkSize(newSize)
    return consistencyProof(oldSize, newSize, await readHashes(this.#store, this.#keys, consistencySubtrees(oldSize, newSize)))
  }

  /**
   * Entries `start` (inclusive) to `end` (exclusive) of the committed log,
   * each checked against its stored leaf hash (`CORRUPT_STORE` if one is
   * damaged). Fails with `OUT_OF_RANGE` beyond the log and `RANGE_TOO_LARGE`
   * for more than `maxRangeEntries`.
   */
  async entries(start: number, end: number): Promise<Uint8Array[]> {
    if (!isCount(start) || !isCount(end) || start > end || end > this.size) {
      throw new LogError('OUT_OF_RANGE', `no entries ${start} to ${end} in a log of ${this.size}`)
    }
    if (end - start > this.#limits.maxRangeEntries) {
      throw new LogError('RANGE_TOO_LARGE', `${end - start} entries asked for, at most ${this.#limits.maxRangeEntries} at once`)
    }
    const [entries, hashes] = await Promise.all([
      collect(this.#store, { gte: this.#keys.entry(start), lt: this.#keys.entry(end) }),
      collect(this.#store, { gte: this.#keys.hash({ level: 0, index: start }), lt: this.#keys.hash({ level: 0, index: end }) })
    ])
    if (entries.length !== end - start || hashes.length !== end - start) {
      throw new LogError('CORRUPT_STORE', `entries ${start} to ${end}: ${entries.length} entries and ${hashes.length} leaf hashes stored`)
    }
    return entries.map(([key, entry], i) => {
      const index = start + i
      const [hashKey, hash] = hashes[i]!
      if (this.#keys.indexOf(key, 'entry') !== index || this.#keys.indexOf(hashKey, 'leaf hash') !== index || !sameHash(leafHash(entry), hash)) {
        throw new LogError('CORRUPT_STORE', `entry ${index} is out of place, or does not hash to its stored leaf hash`)
      }
      return entry
    })
  }

  async #commit(entries: readonly Uint8Array[]): Promise<TreeState> {
    if (entries.length === 0) return this.state
    if (!isCount(this.size + entries.length)) throw new LogError('OUT_OF_RANGE', `a log of ${this.size} entries cannot take ${entries.length} more`)
    const frontier = this.#frontier.clone()
    const ops: StoreBatchOp[] = []
    for (const entry of entries) {
      ops.push({ type: 'put', key: this.#keys.entry(frontier.size), value: entry })
      frontier.append(leafHash(entry), (subtree, hash) => ops.push({ type: 'put', key: this.#keys.hash(subtree), value: hash }))
    }
    ops.push({ type: 'put', key: this.#keys.state, value: encodeState(frontier.size) })
    await this.#store.batch(ops)
    this.#frontier = frontier
    this.#root = frontier.root()
    return this.state
  }

  #checkAppend(entries: readonly Uint8Array[]): Uint8Array[] {
    const { maxEntryBytes, maxAppendEntries, maxAppendBytes } = this.#limits
    if (entries.length > maxAppendEntries) throw new LogError('APPEND_TOO_LARGE', `${entries.length} entries in one append, at most ${maxAppendEntries}`)
    let bytes = 0
    for (const entry of entries) {
      if (entry.length > maxEntryBytes) throw new LogError('ENTRY_TOO_LARGE', `an entry of ${entry.length} bytes, at most ${maxEntryBytes}`)
      bytes += entry.length
    }
    if (bytes > maxAppendBytes) throw new LogError('APPEND_TOO_LARGE', `${bytes} bytes in one append, at most ${maxAppendBytes}`)
    // Copied now: the caller may reuse its buffers while the append waits for the one before it.
    return entries.map((entry) => entry.slice())
  }

  #checkSize(size: number): void {
    if (!isCount(size) || size > this.size) throw new LogError('OUT_OF_RANGE', `no tree of ${size} entries in a log of ${this.size}`)
  }
}

function checkLimits(options: StoreMerkleLogOptions): Limits {
  const limits = { ...DEFAULTS }
  for (const name of Object.keys(DEFAULTS) as (keyof Limits)[]) {
    const value = options[name]
    if (value === undefined) continue
    if (!Number.isSafeInteger(value) || value < 1) throw new LogError('INVALID_OPTION', `${name} must be a whole number ≥ 1, not ${value}`)
    limits[name] = value
  }
  return limits
}

/** The last record within `bounds`, if any. */
async function lastRecord(store: Store, bounds: RangeOptions): Promise<StoreEntry | undefined> {
  for await (const record of store.range({ ...bounds, reverse: true, limit: 1 })) return record
  return undefined
}

/** Every record within `bounds`, in key order. */
async function collect(store: Store, bounds: RangeOptions): Promise<StoreEntry[]> {
  const records: StoreEntry[] = []
  for await (const record of store.range(bounds)) records.push(record)
  return records
}

/** Reads the hashes of `subtrees` at once and answers for them; CORRUPT_STORE if one is missing or not 32 bytes. */
async function readHashes(store: Store, keys: LogKeys, subtrees: readonly Subtree[]): Promise<SubtreeSource> {
  const hashes = await Promise.all(subtrees.map((subtree) => store.get(keys.hash(subtree))))
  const byPosition = new Map<string, Uint8Array>()
  subtrees.forEach((subtree, i) => {
    const hash = hashes[i]
    if (hash?.length !== HASH_BYTES) {
      throw new LogError('CORRUPT_STORE', `the hash of subtree (${subtree.level}, ${subtree.index}) is ${hash === undefined ? 'missing' : `${hash.length} bytes`}`)
    }
    byPosition.set(position(subtree), hash)
  })
  // The proof functions ask for exactly the subtrees their *Subtrees twins listed.
  return (subtree) => byPosition.get(position(subtree))!
}

function position({ level, index }: Subtree): string {
  return `${level}/${index}`
}
