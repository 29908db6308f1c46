import { LruCache } from './lru.js'

/**
 * Remembers signature verdicts by envelope hash (which covers the signed
 * bytes, author and signature), so an envelope relayed by many peers is
 * verified once. Bounded: the least recently used verdicts are forgotten.
 */
export class VerificationCache {
  readonly #verdicts: LruCache<string, boolean>

  constructor(capacity = 65_536) {
    this.#verdicts = new LruCache(capacity)
  }

  /** The remembered verdict for the envelope with hash `id`, if any. */
  get(id: string): boolean | undefined {
    return this.#verdicts.get(id)
  }

  set(id: string, valid: boolean): void {
    this.#verdicts.set(id, valid)
  }

  get size(): number {
    return this.#verdicts.size
  }
}
