import type { Transaction } from './transaction.js'

export interface MempoolOptions {
  readonly maxTxs: number
  readonly maxBytes: number
  /** A transaction's priority: the lowest are evicted first, the highest mined first; ties go by age. Default: all equal. */
  readonly priority?: (tx: Transaction) => number
}

interface Entry {
  readonly tx: Transaction
  readonly priority: number
}

/**
 * Transactions waiting for a block, bounded in count and bytes. Over a bound,
 * the lowest-priority transaction goes, the oldest among equals (which may be
 * the newcomer when it ranks below everything held).
 */
export class Mempool {
  // Insertion order is age order.
  readonly #entries = new Map<string, Entry>()
  readonly #options: MempoolOptions
  #bytes = 0

  constructor(options: MempoolOptions) {
    this.#options = options
  }

  get size(): number {
    return this.#entries.size
  }

  get bytes(): number {
    return this.#bytes
  }

  has(id: string): boolean {
    return this.#entries.has(id)
  }

  ids(): IterableIterator<string> {
    return this.#entries.keys()
  }

  /** Adds `tx` and returns the ids evicted to make room (possibly its own). */
  add(tx: Transaction): string[] {
    if (this.#entries.has(tx.id)) return []
    this.#entries.set(tx.id, { tx, priority: this.#options.priority?.(tx) ?? 0 })
    this.#bytes += tx.bytes.length
    const evicted: string[] = []
    while (this.#entries.size > this.#options.maxTxs || this.#bytes > this.#options.maxBytes) {
      const victim = this.#lowest()
      this.remove(victim)
      evicted.push(victim)
    }
    return evicted
  }

  remove(id: string): void {
    const entry = this.#entries.get(id)
    if (entry === undefined) return
    this.#entries.delete(id)
    this.#bytes -= entry.tx.bytes.length
  }

  /** Transactions for a new block: highest priority first, oldest first among equals, within the counts given, each counted with `overhead` bytes of framing. */
  select(maxTxs: number, maxBytes: number, overhead = 0): Transaction[] {
    const ranked = [...this.#entries.values()].sort((a, b) => b.priority - a.priority)
    const chosen: Transaction[] = []
    let bytes = 0
    for (const { tx } of ranked) {
      if (chosen.length >= maxTxs) break
      if (bytes + tx.bytes.length + overhead > maxBytes) continue
      chosen.push(tx)
      bytes += tx.bytes.length + overhead
    }
    return chosen
  }

  #lowest(): string {
    let lowest: [string, Entry] | undefined
    for (const pair of this.#entries) if (lowest === undefined || pair[1].priority < lowest[1].priority) lowest = pair
    return lowest![0]
  }
}
