import type { RangeOptions, Store, StoreBatchOp, StoreEntry } from '@dscs/interface'
import { LogError } from './errors.js'
import { Frontier } from './frontier.js'
import { isCount, type Subtree } from './geometry.js'
import { HASH_BYTES, leafHash, sameHash } from './hash.js'
import { decodeEntry, decodeState, encodeEntries, encodeState, LogKeys, type EntryRecord } from './layout.js'
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

/** An entry ready to store: its leaf hash, and its record (the hash, then the entry). */
interface Leaf {
  readonly hash: Uint8Array
  readonly record: Uint8Array
}

/**
 * The Merkle log in a `Store` (LevelDB in a node, memory in tests). An
 * append writes, in one atomic batch, each entry with its leaf hash under its
 * index, the hash of every larger perfect subtree it completes under
 * (level, index) (about one an entry: two records an entry in all), and the
 * new size. Every root, inclusion proof and consistency proof of any past
 * size then folds O(log n) stored hashes: at most popcount(size) reads for a
 * root and 2·log2(size) for a proof, however long the log. Only the right
 * edge of the tree (log2 n hashes) is held in memory.
 *
 * Reopening checks the store: a missing or malformed size record, entries
 * beyond that size or short of it, a missing or malformed edge hash, or a
 * last entry that does not hash to the leaf hash stored with it fail with
 * `CORRUPT_STORE`; so does any missing or malformed record read later, and
 * any entry `entries()` would serve that no longer hashes to its leaf hash.
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
    const last = await lastRecord(store, keys.entries)
    const lastIndex = last === undefined ? -1 : keys.indexOf(last[0])
    if (lastIndex !== size - 1) throw new LogError('CORRUPT_STORE', `the log records ${size} entries, but its last entry is ${lastIndex}`)
    if (last !== undefined) checkEntry(decodeEntry(last[1], lastIndex), lastIndex)
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
    return { size: this.size, root: this.#root.slice() }
  }

  async root(size = this.size): Promise<Uint8Array> {
    this.#checkSize(size)
    if (size === this.size) return this.#root.slice()
    return rootAt(size, await readHashes(this.#store, this.#keys, rootSubtrees(size)))
  }

  /**
   * Appends `entries` (copied) in one atomic batch and resolves with the new
   * state once the store has written it; nothing is committed if it fails.
   * Fails with `ENTRY_TOO_LARGE` or `APPEND_TOO_LARGE` beyond the limits, before
   * anything is written.
   */
  async append(entries: readonly Uint8Array[]): Promise<TreeState> {
    const leaves = this.#leaves(entries)
    const appended = this.#appending.then(() => this.#commit(leaves))
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
    const records = await collect(this.#store, { gte: this.#keys.entry(start), lt: this.#keys.entry(end) })
    if (records.length !== end - start) throw new LogError('CORRUPT_STORE', `entries ${start} to ${end}: ${records.length} stored`)
    return records.map(([key, record], i) => {
      const index = start + i
      if (this.#keys.indexOf(key) !== index) throw new LogError('CORRUPT_STORE', `entry ${index} is out of place`)
      return checkEntry(decodeEntry(record, index), index)
    })
  }

  async #commit(leaves: readonly Leaf[]): Promise<TreeState> {
    if (leaves.length === 0) return this.state
    if (!isCount(this.size + leaves.length)) throw new LogError('OUT_OF_RANGE', `a log of ${this.size} entries cannot take ${leaves.length} more`)
    const frontier = this.#frontier.clone()
    const ops: StoreBatchOp[] = []
    for (const { hash, record } of leaves) {
      ops.push({ type: 'put', key: this.#keys.entry(frontier.size), value: record })
      frontier.append(hash, (subtree, completed) => {
        if (subtree.level > 0) ops.push({ type: 'put', key: this.#keys.hash(subtree), value: completed })
      })
    }
    ops.push({ type: 'put', key: this.#keys.state, value: encodeState(frontier.size) })
    await this.#store.batch(ops)
    this.#frontier = frontier
    this.#root = frontier.root()
    return this.state
  }

  /** The leaves of `entries`, hashed and encoded now: the caller may reuse its buffers while the append waits its turn. */
  #leaves(entries: readonly Uint8Array[]): Leaf[] {
    const { maxEntryBytes, maxAppendEntries, maxAppendBytes } = this.#limits
    if (entries.length > maxAppendEntries) throw new LogError('APPEND_TOO_LARGE', `${entries.length} entries in one append, at most ${maxAppendEntries}`)
    let bytes = 0
    for (const entry of entries) {
      if (entry.length > maxEntryBytes) throw new LogError('ENTRY_TOO_LARGE', `an entry of ${entry.length} bytes, at most ${maxEntryBytes}`)
      bytes += entry.length
    }
    if (bytes > maxAppendBytes) throw new LogError('APPEND_TOO_LARGE', `${bytes} bytes in one append, at most ${maxAppendBytes}`)
    const hashes = entries.map(leafHash)
    const records = encodeEntries(entries, hashes)
    return hashes.map((hash, i) => ({ hash, record: records[i]! }))
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

/** Reads the hashes of `subtrees` at once and answers for them; CORRUPT_STORE if one is missing or malformed. */
async function readHashes(store: Store, keys: LogKeys, subtrees: readonly Subtree[]): Promise<SubtreeSource> {
  const records = await Promise.all(subtrees.map((subtree) => store.get(keys.hash(subtree))))
  const byPosition = new Map<string, Uint8Array>()
  subtrees.forEach((subtree, i) => {
    const record = records[i]
    // A leaf hash is read with its entry, and checked against it: one SHA-256 of a short entry, at most two a proof.
    const hash = record !== undefined && subtree.level === 0 ? leafOf(decodeEntry(record, subtree.index), subtree.index) : record
    if (hash?.length !== HASH_BYTES) {
      throw new LogError('CORRUPT_STORE', `the hash of subtree (${subtree.level}, ${subtree.index}) is ${hash === undefined ? 'missing' : `${hash.length} bytes`}`)
    }
    byPosition.set(position(subtree), hash)
  })
  // The proof functions ask for exactly the subtrees their *Subtrees twins listed.
  return (subtree) => byPosition.get(position(subtree))!
}

/** The entry of a decoded record, once it is seen to hash to the leaf hash stored with it; CORRUPT_STORE if not. */
function checkEntry(record: EntryRecord, index: number): Uint8Array {
  leafOf(record, index)
  return record.entry
}

/** The leaf hash of a decoded record, once its entry is seen to hash to it; CORRUPT_STORE if not. */
function leafOf({ leaf, entry }: EntryRecord, index: number): Uint8Array {
  if (!sameHash(leafHash(entry), leaf)) throw new LogError('CORRUPT_STORE', `entry ${index} does not hash to the leaf hash stored with it`)
  return leaf
}

function position({ level, index }: Subtree): string {
  return `${level}/${index}`
}
