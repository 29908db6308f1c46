import { DscsError } from '@dscs/interface'

/**
 * Remembers signature verdicts by envelope hash (which covers the signed
 * bytes, author and signature), so an envelope relayed by many peers is
 * verified once. Bounded: the `capacity` most recently used verdicts are
 * always kept, and at most twice as many are held.
 *
 * Two generations of `capacity` each: a verdict is set in the young one, and
 * one found in the old one is copied into the young one; when the young one
 * is full it becomes the old one, and the old one is dropped whole. Every
 * envelope of every node is looked up here: a strict LRU's delete and
 * reinsert on each hit cost more than the lookup itself.
 */
export class VerificationCache {
  readonly #capacity: number
  #young = new Map<string, boolean>()
  #old = new Map<string, boolean>()

  constructor(capacity = 65_536) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new DscsError('INVALID_ARGUMENT', 'a verification cache holds at least 1 verdict')
    this.#capacity = capacity
  }

  /** The remembered verdict for the envelope with hash `id`, if any. */
  get(id: string): boolean | undefined {
    const young = this.#young.get(id)
    if (young !== undefined) return young
    const old = this.#old.get(id)
    if (old !== undefined) this.set(id, old)
    return old
  }

  set(id: string, valid: boolean): void {
    if (this.#young.size >= this.#capacity && !this.#young.has(id)) {
      this.#old = this.#young
      this.#young = new Map()
    }
    this.#young.set(id, valid)
  }

  /** Verdicts held (one used in both generations counts twice). */
  get size(): number {
    return this.#young.size + this.#old.size
  }
}
