import type { TrustGraph } from './graph.js'
import { recordKey, type TrustRecord } from './record.js'

export interface RecordPoolsOptions {
  /** Most records by trusters the node trusts. */
  readonly maxTrusted: number
  /** Most records by others: past it, the oldest of them is forgotten. */
  readonly maxStrangers: number
}

/**
 * Bounds the graph a node holds under a flood. Records whose truster the node
 * trusts (its own viewpoint reaches it) count against `maxTrusted`; past it,
 * new ones are refused. Records of strangers count against `maxStrangers`;
 * past it, the oldest stranger's record is forgotten. A flood of statements
 * by Sybil identities, which nobody the node trusts trusts, thus churns the
 * stranger pool and never pushes out a trusted truster's records. When a
 * truster gains or loses the node's trust, its records move between pools.
 */
export class RecordPools {
  readonly #graph: TrustGraph
  readonly #options: RecordPoolsOptions
  readonly #isTrusted: (truster: string) => boolean
  #trusted = 0
  /** Strangers' record keys, oldest first. */
  readonly #strangers = new Set<string>()

  constructor(graph: TrustGraph, isTrusted: (truster: string) => boolean, options: RecordPoolsOptions) {
    this.#graph = graph
    this.#isTrusted = isTrusted
    this.#options = options
  }

  get trusted(): number {
    return this.#trusted
  }

  get strangers(): number {
    return this.#strangers.size
  }

  /** Whether a new record by `truster` (replacing none) may come in. */
  hasRoom(truster: string): boolean {
    return !this.#isTrusted(truster) || this.#trusted < this.#options.maxTrusted
  }

  /** Counts a record the graph took, replacing `replaced`; returns the records forgotten to make room. */
  added(record: TrustRecord, replaced: TrustRecord | undefined): TrustRecord[] {
    if (replaced !== undefined) this.removed(replaced)
    if (this.#isTrusted(record.truster)) this.#trusted++
    else this.#strangers.add(recordKey(record))
    return this.#evict()
  }

  /** Uncounts a record the graph no longer holds. */
  removed(record: TrustRecord): void {
    if (!this.#strangers.delete(recordKey(record))) this.#trusted--
  }

  /** Moves the records of trusters whose trust crossed zero to their new pool; returns the records forgotten to make room. */
  shifted(trusters: Iterable<string>): TrustRecord[] {
    for (const truster of trusters) {
      const trusted = this.#isTrusted(truster)
      for (const record of this.#graph.recordsOf(truster)) {
        const key = recordKey(record)
        const stranger = this.#strangers.has(key)
        if (trusted && stranger) {
          this.#strangers.delete(key)
          this.#trusted++
        } else if (!trusted && !stranger) {
          this.#strangers.add(key)
          this.#trusted--
        }
      }
    }
    return this.#evict()
  }

  #evict(): TrustRecord[] {
    const evicted: TrustRecord[] = []
    for (const key of this.#strangers) {
      if (this.#strangers.size <= this.#options.maxStrangers) break
      this.#strangers.delete(key)
      evicted.push(this.#graph.remove(key)!)
    }
    return evicted
  }
}
