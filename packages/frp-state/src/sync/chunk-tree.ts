import { LIMBS, addId, addLimbs, subtractId } from './sum256.js'

/** What the tree needs of a chunk: how many ops it holds and the sum of their ids. */
export interface ChunkSummary {
  readonly items: { readonly length: number }
  addSumBefore(offset: number, target: Uint32Array, t: number): void
}

/** Where a rank falls: the chunk, and the offset within it. */
export interface ChunkPlace {
  readonly chunk: number
  readonly offset: number
}

/**
 * A Fenwick tree over the chunks of an index, of their op counts and id sums:
 * the count and sum of all chunks before a given one in O(log m), kept up to
 * date op by op while the chunks themselves neither split nor merge.
 */
export class ChunkTree {
  readonly #counts: Float64Array
  readonly #sums: Uint32Array
  readonly #topStep: number

  constructor(chunks: readonly ChunkSummary[]) {
    const m = chunks.length
    this.#counts = new Float64Array(m + 1)
    this.#sums = new Uint32Array((m + 1) * LIMBS)
    for (let i = 1; i <= m; i++) {
      const chunk = chunks[i - 1]!
      this.#counts[i]! += chunk.items.length
      chunk.addSumBefore(chunk.items.length, this.#sums, i * LIMBS)
      const parent = i + (i & -i)
      if (parent <= m) {
        this.#counts[parent]! += this.#counts[i]!
        addLimbs(this.#sums, parent * LIMBS, this.#sums, i * LIMBS)
      }
    }
    let step = 1
    while (step * 2 <= m) step *= 2
    this.#topStep = m === 0 ? 0 : step
  }

  /** Records `id` added to chunk `chunk`. */
  added(chunk: number, id: Uint8Array): void {
    for (let i = chunk + 1; i < this.#counts.length; i += i & -i) {
      this.#counts[i]!++
      addId(this.#sums, i * LIMBS, id)
    }
  }

  /** Records `id` removed from chunk `chunk`. */
  removed(chunk: number, id: Uint8Array): void {
    for (let i = chunk + 1; i < this.#counts.length; i += i & -i) {
      this.#counts[i]!--
      subtractId(this.#sums, i * LIMBS, id)
    }
  }

  /** Ops in the chunks before `chunk`. */
  countBefore(chunk: number): number {
    let count = 0
    for (let i = chunk; i > 0; i -= i & -i) count += this.#counts[i]!
    return count
  }

  /** Adds the id sum of the chunks before `chunk` to `target` at `offset`. */
  addSumBefore(chunk: number, target: Uint32Array, offset: number): void {
    for (let i = chunk; i > 0; i -= i & -i) addLimbs(target, offset, this.#sums, i * LIMBS)
  }

  /** The chunk holding the op of rank `rank` (or one past the last chunk, offset 0, for the rank after all ops). */
  place(rank: number): ChunkPlace {
    let chunk = 0
    let rest = rank
    for (let step = this.#topStep; step > 0; step >>= 1) {
      const next = chunk + step
      if (next < this.#counts.length && this.#counts[next]! <= rest) {
        chunk = next
        rest -= this.#counts[next]!
      }
    }
    return { chunk, offset: rest }
  }
}
