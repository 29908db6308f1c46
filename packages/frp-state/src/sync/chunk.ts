import type { OpPosition } from '../core/hlc.js'
import { LIMBS, addLimbs, sumWithId } from './sum256.js'

/** A chunk splits above this many ops: short enough that bringing its running sums up to date is cheap. */
export const CHUNK_MAX = 64

/**
 * A run of ops in order, with the running sums of their ids (mod 2^256), so
 * the sum of any prefix of the chunk is one lookup. The sums are brought up to
 * date when read, so a burst of inserts costs nothing until the next query.
 */
export class Chunk<T extends OpPosition> {
  readonly items: T[]
  // Entry k (LIMBS limbs at k * LIMBS) is the sum of the ids of items[0…k); room for one op past CHUNK_MAX before a split.
  readonly #running = new Uint32Array((CHUNK_MAX + 2) * LIMBS)
  // Entries 0…#valid are up to date.
  #valid = 0

  constructor(items: T[]) {
    this.items = items
  }

  /** Puts `op` at `offset`. */
  insert(offset: number, op: T): void {
    this.items.splice(offset, 0, op)
    this.#valid = Math.min(this.#valid, offset)
  }

  /** Takes out the op at `offset`. */
  remove(offset: number): void {
    this.items.splice(offset, 1)
    this.#valid = Math.min(this.#valid, offset)
  }

  /** Adds the id sum of items[0…offset) to `target` at `t`. */
  addSumBefore(offset: number, target: Uint32Array, t: number): void {
    const running = this.#running
    for (; this.#valid < offset; this.#valid++) {
      sumWithId(running, (this.#valid + 1) * LIMBS, running, this.#valid * LIMBS, this.items[this.#valid]!.id)
    }
    addLimbs(target, t, running, offset * LIMBS)
  }
}
