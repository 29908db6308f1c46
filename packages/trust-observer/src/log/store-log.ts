import type { RangeOptions, Store, StoreBatchOp, StoreEntry } from '@dscs/interface'
import { LogError } from './errors.js'
import { Frontier } from './frontier.js'
import { isCount, type Subtree } from './geometry.js'
import { leafHash, sameHash } from './hash.js'
import { chunksOf, decodeChunk, decodeState, encodeState, LogKeys, packEntries, type PackedEntries } from './layout.js'
import {
  consistencyProof,
  consistencySubtrees,
  inclusionProof,
  inclusionSubtrees,
  rootAt,
  rootSubtrees,
  type SubtreeSource
} from './proof.js'
import { decodeTile, edgeOf, placeOf, TILE_WIDTH, TileEdge, tileLevels, type Tile } from './tiles.js'
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

/** An append ready to store: its leaf hashes, and its entries copied into one buffer that chunk records are cut from. */
interface Leaves {
  readonly hashes: readonly Uint8Array[]
  readonly packed: PackedEntries
}

/**
 * The Merkle log in a `Store` (LevelDB in a node, memory in tests). An
 * append writes, in one atomic batch, its entries in chunks of up to 256
 * (see `layout.ts`), the hash of every perfect subtree it completes (leaves
 * included) in tiles of 8 levels (see `tiles.ts`: a record per 256 leaves,
 * plus the tiles on the right edge it grew), and the new size. Every root,
 * inclusion proof and consistency proof of any past size then folds
 * O(log n) stored hashes, read a tile at a time: at most popcount(size)
 * reads for a root and 2·log2(size) for a proof, however long the log. Only
 * the right edge of the tree (log2 n hashes, and a tile a tile level) is held
 * in memory.
 *
 * Reopening checks the store: a missing or malformed size record, chunks
 * beyond that size or short of it, a missing or malformed edge tile, or a
 * last chunk whose entries do not hash to their leaf hashes fail with
 * `CORRUPT_STORE`; so does any missing or malformed record read later, and
 * any entry `entries()` would serve that no longer hashes to its leaf hash.
 */
export class StoreMerkleLog implements MerkleLog {
  readonly #store: Store
  readonly #keys: LogKeys
  readonly #limits: Limits
  #frontier: Frontier
  #edge: TileEdge
  #root: Uint8Array
  // Appends run one at a time, each on the frontier the previous one committed.
  #appending: Promise<unknown> = Promise.resolve()

  private constructor(store: Store, keys: LogKeys, limits: Limits, frontier: Frontier, edge: TileEdge) {
    this.#store = store
    this.#keys = keys
    this.#limits = limits
    this.#frontier = frontier
    this.#edge = edge
    this.#root = frontier.root()
  }

  /** Opens the log kept in `store` under `options.prefix`, empty if there is none yet, after checking it (see the class). */
  static async open(store: Store, options: StoreMerkleLogOptions = {}): Promise<StoreMerkleLog> {
    const limits = checkLimits(options)
    const prefix = options.prefix ?? 'log/'
    const keys = new LogKeys(typeof prefix === 'string' ? new TextEncoder().encode(prefix) : prefix.slice())
    const state = await store.get(keys.state)
    const size = state === undefined ? 0 : decodeState(state)
    const last = await lastRecord(store, keys.chunks)
    const lastStart = last === undefined ? 0 : keys.indexOf(last[0])
    const lastEntries = last === undefined ? [] : decodeChunk(last[1], lastStart)
    if (lastStart + lastEntries.length !== size) throw new LogError('CORRUPT_STORE', `the log records ${size} entries, but its chunks end at ${lastStart + lastEntries.length}`)
    await checkEntries(store, keys, lastStart, lastEntries)
    const edge = rootSubtrees(size)
    const hashes = await readHashes(store, keys, edge)
    return new StoreMerkleLog(store, keys, limits, new Frontier(size, edge.map(hashes)), await readEdge(store, keys, size))
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
    if (start === end) return []
    // The chunk holding `start` begins at most 255 entries before it, then chunks follow back to back.
    const first = await lastRecord(this.#store, { gte: this.#keys.chunk(start - (start % TILE_WIDTH)), lte: this.#keys.chunk(start) })
    if (first === undefined) throw new LogError('CORRUPT_STORE', `no chunk holds entry ${start}`)
    const from = this.#keys.indexOf(first[0])
    const entries: Uint8Array[] = []
    for (const [key, record] of await collect(this.#store, { gte: first[0], lt: this.#keys.chunk(end) })) {
      const at = this.#keys.indexOf(key)
      if (at !== from + entries.length) throw new LogError('CORRUPT_STORE', `a chunk at entry ${at} where entry ${from + entries.length} was due`)
      entries.push(...decodeChunk(record, at))
    }
    if (from + entries.length < end) throw new LogError('CORRUPT_STORE', `entries ${start} to ${end}: the chunks end at ${from + entries.length}`)
    const wanted = entries.slice(start - from, end - from)
    await checkEntries(this.#store, this.#keys, start, wanted)
    return wanted
  }

  async #commit({ hashes, packed }: Leaves): Promise<TreeState> {
    if (hashes.length === 0) return this.state
    if (!isCount(this.size + hashes.length)) throw new LogError('OUT_OF_RANGE', `a log of ${this.size} entries cannot take ${hashes.length} more`)
    const ops: StoreBatchOp[] = chunksOf(this.size, packed).map(({ start, record }) => ({ type: 'put', key: this.#keys.chunk(start), value: record }))
    const frontier = this.#frontier.clone()
    const edge = this.#edge.clone()
    const write = (level: number, tile: Tile): void => void ops.push({ type: 'put', key: this.#keys.tile(level, tile.index), value: tile.encode() })
    for (const hash of hashes) frontier.append(hash, (subtree, completed) => edge.add(subtree, completed, write))
    edge.flush(write)
    ops.push({ type: 'put', key: this.#keys.state, value: encodeState(frontier.size) })
    await this.#store.batch(ops)
    this.#frontier = frontier
    this.#edge = edge
    this.#root = frontier.root()
    return this.state
  }

  /** The leaves of `entries`, hashed and encoded now: the caller may reuse its buffers while the append waits its turn. */
  #leaves(entries: readonly Uint8Array[]): Leaves {
    const { maxEntryBytes, maxAppendEntries, maxAppendBytes } = this.#limits
    if (entries.length > maxAppendEntries) throw new LogError('APPEND_TOO_LARGE', `${entries.length} entries in one append, at most ${maxAppendEntries}`)
    let bytes = 0
    for (const entry of entries) {
      if (entry.length > maxEntryBytes) throw new LogError('ENTRY_TOO_LARGE', `an entry of ${entry.length} bytes, at most ${maxEntryBytes}`)
      bytes += entry.length
    }
    if (bytes > maxAppendBytes) throw new LogError('APPEND_TOO_LARGE', `${bytes} bytes in one append, at most ${maxAppendBytes}`)
    return { hashes: entries.map(leafHash), packed: packEntries(entries) }
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

/** Reads the hashes of `subtrees` at once, a tile a record, and answers for them; CORRUPT_STORE if one is missing or malformed. */
async function readHashes(store: Store, keys: LogKeys, subtrees: readonly Subtree[]): Promise<SubtreeSource> {
  const places = subtrees.map(placeOf)
  const wanted = new Map(places.map(({ level, index }) => [`${level}/${index}`, { level, index }]))
  const read = await Promise.all([...wanted.values()].map(({ level, index }) => readTile(store, keys, level, index)))
  const tiles = new Map([...wanted.keys()].map((name, i) => [name, read[i]!]))
  const byPosition = new Map<string, Uint8Array>()
  for (const [i, { level, index, row, position }] of places.entries()) {
    const hash = tiles.get(`${level}/${index}`)!.hash(row, position)
    const { level: height, index: at } = subtrees[i]!
    if (hash === undefined) throw new LogError('CORRUPT_STORE', `the hash of subtree (${height}, ${at}) is missing from its tile`)
    byPosition.set(`${height}/${at}`, hash)
  }
  // The proof functions ask for exactly the subtrees their *Subtrees twins listed.
  return (subtree) => byPosition.get(`${subtree.level}/${subtree.index}`)!
}

/** Tile (`level`, `index`); CORRUPT_STORE if it is missing or malformed. */
async function readTile(store: Store, keys: LogKeys, level: number, index: number): Promise<Tile> {
  const record = await store.get(keys.tile(level, index))
  if (record === undefined) throw new LogError('CORRUPT_STORE', `tile (${level}, ${index}) is missing`)
  return decodeTile(record, level, index)
}

/** The tiles on the right edge of a log of `size` entries: each partly filled one read back, and checked to hold what it should. */
async function readEdge(store: Store, keys: LogKeys, size: number): Promise<TileEdge> {
  const tiles: (Tile | undefined)[] = []
  for (let level = 0; level < tileLevels(size); level++) {
    const { index, width } = edgeOf(size, level)
    if (width === 0) {
      tiles.push(undefined)
      continue
    }
    const tile = await readTile(store, keys, level, index)
    if (tile.width !== width) throw new LogError('CORRUPT_STORE', `tile (${level}, ${index}) holds ${tile.width} nodes, the log ${width}`)
    tiles.push(tile)
  }
  return new TileEdge(tiles)
}

/** Checks `entries`, from index `start`, against the leaf hashes in their tiles; CORRUPT_STORE if one does not hash to its own. */
async function checkEntries(store: Store, keys: LogKeys, start: number, entries: readonly Uint8Array[]): Promise<void> {
  const leaves = await readHashes(
    store,
    keys,
    entries.map((_, i) => ({ level: 0, index: start + i }))
  )
  entries.forEach((entry, i) => {
    if (!sameHash(leafHash(entry), leaves({ level: 0, index: start + i }))) {
      throw new LogError('CORRUPT_STORE', `entry ${start + i} does not hash to its leaf hash`)
    }
  })
}
