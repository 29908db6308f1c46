import type { RangeOptions, Store, StoreBatchOp, StoreEntry } from '@dscs/interface'

/** A Store that counts the reads it passes on: what the O(log n) claims of the log are measured with. */
export class CountingStore implements Store {
  gets = 0
  ranges = 0
  readonly #inner: Store

  constructor(inner: Store) {
    this.#inner = inner
  }

  /** Zeroes the counts. */
  reset(): void {
    this.gets = 0
    this.ranges = 0
  }

  get(key: Uint8Array): Promise<Uint8Array | undefined> {
    this.gets++
    return this.#inner.get(key)
  }

  put(key: Uint8Array, value: Uint8Array): Promise<void> {
    return this.#inner.put(key, value)
  }

  delete(key: Uint8Array): Promise<void> {
    return this.#inner.delete(key)
  }

  batch(ops: readonly StoreBatchOp[]): Promise<void> {
    return this.#inner.batch(ops)
  }

  range(options?: RangeOptions): AsyncIterable<StoreEntry> {
    this.ranges++
    return this.#inner.range(options)
  }

  close(): Promise<void> {
    return this.#inner.close()
  }
}
