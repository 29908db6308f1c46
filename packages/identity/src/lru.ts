import { DscsError } from '@dscs/interface'

/**
 * A bounded map that forgets the least recently used entry when full. Every
 * cache keyed by remote data uses one, so memory stays bounded.
 */
export class LruCache<K, V> {
  readonly #map = new Map<K, V>()
  readonly capacity: number

  constructor(capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new DscsError('INVALID_ARGUMENT', 'LRU capacity must be a positive integer')
    this.capacity = capacity
  }

  get size(): number {
    return this.#map.size
  }

  /** The value for `key`, marking it most recently used. */
  get(key: K): V | undefined {
    const value = this.#map.get(key)
    if (value !== undefined) {
      // Re-inserting moves the key to the end of Map's insertion order.
      this.#map.delete(key)
      this.#map.set(key, value)
    }
    return value
  }

  set(key: K, value: V): void {
    this.#map.delete(key)
    this.#map.set(key, value)
    if (this.#map.size > this.capacity) this.#map.delete(this.#map.keys().next().value as K)
  }

  delete(key: K): void {
    this.#map.delete(key)
  }

  has(key: K): boolean {
    return this.#map.has(key)
  }

  clear(): void {
    this.#map.clear()
  }
}
