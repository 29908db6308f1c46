import { compareBytes, type RangeOptions, type Store, type StoreBatchOp, type StoreEntry } from '@dscs/interface'
import { StoreError } from './errors.js'

/**
 * A Store in memory, for tests and simulation: keys kept sorted, so range
 * scans cost a binary search plus the entries returned. Values are copied in
 * and out, so callers can never alias stored bytes.
 */
export class MemoryStore implements Store {
  /** Sorted by key. */
  #entries: { key: Uint8Array; value: Uint8Array }[] = []
  #closed = false

  get size(): number {
    return this.#entries.length
  }

  async get(key: Uint8Array): Promise<Uint8Array | undefined> {
    this.#checkOpen()
    const entry = this.#entries[this.#find(key)]
    return entry !== undefined && compareBytes(entry.key, key) === 0 ? entry.value.slice() : undefined
  }

  put(key: Uint8Array, value: Uint8Array): Promise<void> {
    return this.batch([{ type: 'put', key, value }])
  }

  delete(key: Uint8Array): Promise<void> {
    return this.batch([{ type: 'delete', key }])
  }

  async batch(ops: readonly StoreBatchOp[]): Promise<void> {
    this.#checkOpen()
    for (const op of ops) {
      const i = this.#find(op.key)
      const found = i < this.#entries.length && compareBytes(this.#entries[i]!.key, op.key) === 0
      if (op.type === 'put') {
        const entry = { key: op.key.slice(), value: op.value.slice() }
        if (found) this.#entries[i] = entry
        else this.#entries.splice(i, 0, entry)
      } else if (found) {
        this.#entries.splice(i, 1)
      }
    }
  }

  async *range(options: RangeOptions = {}): AsyncGenerator<StoreEntry> {
    this.#checkOpen()
    const lower = options.gt ?? options.gte
    let start = lower === undefined ? 0 : this.#find(lower)
    if (options.gt !== undefined && start < this.#entries.length && compareBytes(this.#entries[start]!.key, options.gt) === 0) start++
    let end = this.#entries.length
    if (options.lt !== undefined) end = this.#find(options.lt)
    else if (options.lte !== undefined) {
      end = this.#find(options.lte)
      if (end < this.#entries.length && compareBytes(this.#entries[end]!.key, options.lte) === 0) end++
    }
    // A snapshot, so writes during iteration do not shift what is returned.
    const selected = this.#entries.slice(start, Math.max(start, end))
    if (options.reverse === true) selected.reverse()
    const limit = options.limit ?? Infinity
    let returned = 0
    for (const { key, value } of selected) {
      if (returned++ >= limit) return
      yield [key.slice(), value.slice()]
    }
  }

  async close(): Promise<void> {
    this.#closed = true
  }

  /** Index of the first entry whose key is ≥ `key`. */
  #find(key: Uint8Array): number {
    let lo = 0
    let hi = this.#entries.length
    while (lo < hi) {
      const mid = (lo + hi) >>> 1
      if (compareBytes(this.#entries[mid]!.key, key) < 0) lo = mid + 1
      else hi = mid
    }
    return lo
  }

  #checkOpen(): void {
    if (this.#closed) throw new StoreError('STORE_CLOSED', 'the memory store is closed')
  }
}
