import { FrpStateError } from './errors.js'
import type { BaseValue, StateGraph } from './graph.js'
import type { Op, OpStatus } from './op.js'
import { OpIndex } from '../sync/op-index.js'

/** An op held in the log, with what the trust policy has said about it. */
export interface OpEntry<P> {
  readonly op: Op<P>
  status: OpStatus
}

/**
 * The set of ops a state holds, each with its status, kept in step with the
 * graph: a pending op is in the predicted view, a confirmed one in both, a
 * nullified one in neither (its entry stays, so a copy arriving again is
 * still a duplicate). Ops before the `floor` are folded into the graph's
 * bases and forgotten.
 */
export class OpLog<P> {
  /** Every op held, in the canonical order, fingerprinted for anti-entropy. */
  readonly index = new OpIndex<Op<P>>()
  readonly #graph: StateGraph<P>
  readonly #entries = new Map<string, OpEntry<P>>()
  readonly #pending = new Set<OpEntry<P>>()
  readonly #maxOps: number
  #floor: number

  constructor(graph: StateGraph<P>, options: { maxOps: number; floor?: number }) {
    this.#graph = graph
    this.#maxOps = options.maxOps
    this.#floor = options.floor ?? 0
  }

  get size(): number {
    return this.#entries.size
  }

  /** Wall time (ms) before which every op is final and folded away: older ops are refused. */
  get floor(): number {
    return this.#floor
  }

  get(key: string): OpEntry<P> | undefined {
    return this.#entries.get(key)
  }

  /** Every op held, in no particular order. */
  entries(): IterableIterator<OpEntry<P>> {
    return this.#entries.values()
  }

  /** Adds a new op with its first status; it shows in the views at once. */
  add(op: Op<P>, status: OpStatus): OpEntry<P> {
    if (this.#entries.has(op.key)) throw new FrpStateError('DUPLICATE_OP', `op ${op.key.slice(0, 16)}… is held already`)
    if (op.wall < this.#floor) throw new FrpStateError('BEYOND_HORIZON', `op at ${op.wall} is before the final floor ${this.#floor}`)
    if (this.#entries.size >= this.#maxOps) throw new FrpStateError('LOG_FULL', `the log holds ${this.#maxOps} ops, the most allowed`)
    const entry: OpEntry<P> = { op, status }
    this.#entries.set(op.key, entry)
    this.index.insert(op)
    if (status === 'pending') this.#pending.add(entry)
    if (status !== 'nullified') this.#graph.insert(op, status === 'confirmed' ? ['predicted', 'confirmed'] : ['predicted'])
    return entry
  }

  /**
   * Settles an op as its trust policy decided; answers the entry when its
   * status changed. A nullified op may be confirmed later (a transaction
   * mined again after a reorganisation): it comes back into both views.
   */
  settle(key: string, status: 'confirmed' | 'nullified'): OpEntry<P> | undefined {
    const entry = this.#entries.get(key)
    if (entry === undefined || entry.status === status) return undefined
    const was = entry.status
    entry.status = status
    this.#pending.delete(entry)
    if (status === 'confirmed') this.#graph.insert(entry.op, was === 'nullified' ? ['predicted', 'confirmed'] : ['confirmed'])
    else this.#graph.remove(entry.op, was === 'confirmed' ? ['predicted', 'confirmed'] : ['predicted'])
    return entry
  }

  /**
   * Makes every op older than `wall` final, except that a pending op holds
   * the floor before it: folds them into the graph's bases and forgets them.
   * Returns the ops removed and the bases changed, for the disk to follow.
   */
  compact(wall: number): { removed: Op<P>[]; bases: BaseValue[] } {
    let cutoff = wall
    for (const entry of this.#pending) cutoff = Math.min(cutoff, entry.op.wall)
    if (cutoff <= this.#floor) return { removed: [], bases: [] }
    this.#floor = cutoff
    const bases = this.#graph.compact((op) => op.wall < cutoff)
    const removed: Op<P>[] = []
    for (const [key, entry] of this.#entries) {
      if (entry.op.wall >= cutoff) continue
      this.#entries.delete(key)
      this.index.delete(entry.op.id)
      removed.push(entry.op)
    }
    return { removed, bases }
  }
}
