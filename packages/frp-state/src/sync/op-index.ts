import { AUTHOR_BYTES, HASH_BYTES } from '@dscs/wire'
import { FrpStateError } from '../core/errors.js'
import { MAX_HLC_COUNTER, compareOps, type OpPosition } from '../core/hlc.js'
import { isBefore, type Bound } from './bound.js'
import { CHUNK_MAX, Chunk } from './chunk.js'
import { ChunkTree, type ChunkPlace } from './chunk-tree.js'
import { idKey } from './keys.js'
import { rangeFingerprint } from './fingerprint.js'
import { LIMBS, subtractLimbs } from './sum256.js'

/** A chunk this small merges with a neighbour, so deletions cannot leave a long tail of tiny chunks. */
const CHUNK_MIN = 16
/** Chunks built in bulk are this full, leaving room for inserts before they split. */
const CHUNK_FILL = 48

// Scratch sums of fingerprintOf: two 256-bit sums, reused by every call.
const scratch = new Uint32Array(2 * LIMBS)

/**
 * The op log as an ordered set of {@link OpPosition}s in the canonical order
 * (`compareOps`), for range-based reconciliation: it counts, fingerprints and
 * lists the ops of any range in O(log n), and inserts and deletes in
 * O(log n + 64) amortised.
 *
 * Ops sit in sorted chunks of at most 64, each with the running sums of its
 * ids; a Fenwick tree over the chunks gives the sum before any chunk. Ranks (an op's
 * place in the order, from 0) are how ranges are addressed inside; bounds
 * (see {@link Bound}) are how they are named on the wire.
 *
 * `T` may carry more than the position (e.g. the whole `Op`): the index hands
 * back the objects it was given.
 */
export class OpIndex<T extends OpPosition = OpPosition> {
  readonly #chunks: Chunk<T>[] = []
  readonly #byId = new Map<string, T>()
  // Rebuilt lazily after chunks split or merge; kept up to date op by op otherwise.
  #tree: ChunkTree | undefined

  /** An index of `ops`, sorted once and cut into chunks: faster than inserting them one by one. Later duplicates of an id are ignored. */
  static from<T extends OpPosition>(ops: Iterable<T>): OpIndex<T> {
    const index = new OpIndex<T>()
    for (const op of ops) {
      checkPosition(op)
      const key = idKey(op.id)
      if (!index.#byId.has(key)) index.#byId.set(key, op)
    }
    const sorted = [...index.#byId.values()].sort(compareOps)
    for (let i = 0; i < sorted.length; i += CHUNK_FILL) index.#chunks.push(new Chunk(sorted.slice(i, i + CHUNK_FILL)))
    index.#treeNow() // sums every chunk now, so the first query does not pay for the build
    return index
  }

  /** Number of ops. */
  get size(): number {
    return this.#byId.size
  }

  /** True when the op with this id (32 bytes) is in the index. */
  has(id: Uint8Array): boolean {
    return this.#byId.has(idKey(id))
  }

  /** The op with this id, if present. */
  get(id: Uint8Array): T | undefined {
    return this.#byId.get(idKey(id))
  }

  /** Adds `op`; false, changing nothing, when an op with its id is already present. Throws `BAD_OP_POSITION`. */
  insert(op: T): boolean {
    checkPosition(op)
    const key = idKey(op.id)
    if (this.#byId.has(key)) return false
    this.#byId.set(key, op)
    if (this.#chunks.length === 0) {
      this.#chunks.push(new Chunk([op]))
      this.#tree = undefined
      return true
    }
    // The first chunk whose last op comes after `op`, or the last chunk when `op` comes after everything.
    const c = Math.min(
      lowerBound(this.#chunks.length, (i) => compareOps(this.#chunks[i]!.items.at(-1)!, op) < 0),
      this.#chunks.length - 1
    )
    const chunk = this.#chunks[c]!
    chunk.insert(
      lowerBound(chunk.items.length, (i) => compareOps(chunk.items[i]!, op) < 0),
      op
    )
    if (chunk.items.length > CHUNK_MAX) {
      const half = chunk.items.length >> 1
      this.#chunks.splice(c, 1, new Chunk(chunk.items.slice(0, half)), new Chunk(chunk.items.slice(half)))
      this.#tree = undefined
    } else {
      this.#tree?.added(c, op.id)
    }
    return true
  }

  /** Removes the op with this id; false when there is none. */
  delete(id: Uint8Array): boolean {
    const key = idKey(id)
    const op = this.#byId.get(key)
    if (op === undefined) return false
    this.#byId.delete(key)
    const c = lowerBound(this.#chunks.length, (i) => compareOps(this.#chunks[i]!.items.at(-1)!, op) < 0)
    const chunk = this.#chunks[c]!
    chunk.remove(lowerBound(chunk.items.length, (i) => compareOps(chunk.items[i]!, op) < 0))
    if (chunk.items.length < CHUNK_MIN && this.#mergeSmall(c)) this.#tree = undefined
    else this.#tree?.removed(c, op.id)
    return true
  }

  /** The number of ops before `bound`: the rank at which a range starting at `bound` begins. */
  rank(bound: Bound): number {
    const chunks = this.#chunks
    const c = lowerBound(chunks.length, (i) => isBefore(chunks[i]!.items.at(-1)!, bound))
    if (c === chunks.length) return this.size
    const items = chunks[c]!.items
    return this.#treeNow().countBefore(c) + lowerBound(items.length, (i) => isBefore(items[i]!, bound))
  }

  /** The op of rank `rank`, 0 ≤ rank < size. */
  at(rank: number): T {
    if (rank === this.size) throw new FrpStateError('INVALID_OPTION', `rank ${rank} is past the last op`)
    const { chunk, offset } = this.#place(rank)
    return this.#chunks[chunk]!.items[offset]!
  }

  /** The ops of ranks [from, to), in order. */
  slice(from: number, to: number): T[] {
    this.#checkRanks(from, to)
    const out: T[] = []
    let { chunk, offset } = this.#place(from)
    for (let left = to - from; left > 0; chunk++, offset = 0) {
      const items = this.#chunks[chunk]!.items
      const end = Math.min(items.length, offset + left)
      for (let i = offset; i < end; i++) out.push(items[i]!)
      left -= end - offset
    }
    return out
  }

  /** The fingerprint (16 bytes) of the ops of ranks [from, to); see `rangeFingerprint` for its construction. */
  fingerprintOf(from: number, to: number): Uint8Array {
    this.#checkRanks(from, to)
    scratch.fill(0)
    const start = this.#place(from)
    const end = this.#place(to)
    if (start.chunk !== end.chunk) {
      this.#treeNow().addSumBefore(end.chunk, scratch, 0)
      this.#treeNow().addSumBefore(start.chunk, scratch, LIMBS)
    }
    this.#chunks[end.chunk]?.addSumBefore(end.offset, scratch, 0)
    this.#chunks[start.chunk]?.addSumBefore(start.offset, scratch, LIMBS)
    subtractLimbs(scratch, 0, scratch, LIMBS)
    return rangeFingerprint(scratch, 0, to - from)
  }

  /** The number of ops in [lower, upper). */
  count(lower: Bound, upper: Bound): number {
    return Math.max(0, this.rank(upper) - this.rank(lower))
  }

  /** The fingerprint of the ops in [lower, upper). */
  fingerprint(lower: Bound, upper: Bound): Uint8Array {
    const from = this.rank(lower)
    return this.fingerprintOf(from, Math.max(from, this.rank(upper)))
  }

  /** The ops in [lower, upper), in order. */
  list(lower: Bound, upper: Bound): T[] {
    const from = this.rank(lower)
    return this.slice(from, Math.max(from, this.rank(upper)))
  }

  #place(rank: number): ChunkPlace {
    this.#checkRanks(rank, rank)
    return this.#treeNow().place(rank)
  }

  #checkRanks(from: number, to: number): void {
    if (!Number.isInteger(from) || !Number.isInteger(to) || from < 0 || from > to || to > this.size) {
      throw new FrpStateError('INVALID_OPTION', `ranks ${from}…${to} are not a range within 0…${this.size}`)
    }
  }

  /** Merges small chunk `c` into a neighbour, or drops it when empty; true when the chunks changed. */
  #mergeSmall(c: number): boolean {
    const neighbour = c > 0 ? c - 1 : c + 1
    const other = this.#chunks[neighbour]
    if (other !== undefined && other.items.length + this.#chunks[c]!.items.length <= CHUNK_MAX) {
      const first = Math.min(c, neighbour)
      this.#chunks.splice(first, 2, new Chunk([...this.#chunks[first]!.items, ...this.#chunks[first + 1]!.items]))
      return true
    }
    if (this.#chunks[c]!.items.length > 0) return false
    this.#chunks.splice(c, 1)
    return true
  }

  #treeNow(): ChunkTree {
    return (this.#tree ??= new ChunkTree(this.#chunks))
  }
}

/** The first i in [0, length) for which `isLess(i)` is false, or `length`; `isLess` must hold on a prefix. */
function lowerBound(length: number, isLess: (i: number) => boolean): number {
  let low = 0
  let high = length
  while (low < high) {
    const mid = (low + high) >>> 1
    if (isLess(mid)) low = mid + 1
    else high = mid
  }
  return low
}

function checkPosition(op: OpPosition): void {
  if (op.author.length !== AUTHOR_BYTES || op.id.length !== HASH_BYTES) {
    throw new FrpStateError('BAD_OP_POSITION', `author key of ${op.author.length} and id of ${op.id.length} bytes; both are 32`)
  }
  if (!Number.isSafeInteger(op.wall) || op.wall < 0 || !Number.isInteger(op.counter) || op.counter < 0 || op.counter > MAX_HLC_COUNTER) {
    throw new FrpStateError('BAD_OP_POSITION', `time ${op.wall}.${op.counter} is out of range`)
  }
}
