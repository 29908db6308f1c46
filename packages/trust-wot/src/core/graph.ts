import { Deadlines } from './deadlines.js'
import { EdgeLayer } from './edge-layer.js'
import { TrustWotError } from './errors.js'
import { recordKey, supersedes, type TrustRecord } from './record.js'

/** What the graph makes of a record offered to it. */
export type Admission =
  /** It supersedes what the graph held for its key, or the key was new. */
  | 'new'
  /** The graph holds this very record. */
  | 'known'
  /** A later record of its key is held, or it is too old to matter. */
  | 'stale'

export interface TrustGraphOptions {
  /** Longest a statement may be valid, ms; a record is kept this long after its timestamp. */
  readonly maxLifetime: number
  /** Most records one truster may have. */
  readonly maxRecordsPerTruster: number
}

/**
 * The web of trust as the records say it: the latest record for each truster,
 * trustee and scope, and the edges they make. A statement is an edge at its
 * level until it expires; a revocation, or an expired statement, is no edge
 * but is kept (until `maxLifetime` after its timestamp, when every record it
 * superseded has expired too) so an older statement arriving late cannot
 * count again.
 *
 * Identities are named by dense indices, so the metric works on arrays.
 * {@link layer} gives the edges of a scope: the unscoped edges, overridden by
 * the scope's own where a truster has both.
 */
export class TrustGraph {
  readonly #options: TrustGraphOptions
  readonly #indices = new Map<string, number>()
  readonly #keys: (string | undefined)[] = []
  /** Per index, the records naming it plus the views pinning it: at 0 the index is free for another identity. */
  readonly #uses: number[] = []
  readonly #free: number[] = []
  readonly #records = new Map<string, TrustRecord>()
  /** Each truster's record keys. */
  readonly #byTruster = new Map<string, Set<string>>()
  /** The edges of each scope's own statements; '' holds the unscoped ones, which are also the '' layer. */
  readonly #raw = new Map<string, EdgeLayer>([['', new EdgeLayer()]])
  /** Effective layers of scopes asked for: the unscoped edges overridden by the scope's. */
  readonly #layers = new Map<string, EdgeLayer>()
  readonly #deadlines = new Deadlines()

  constructor(options: TrustGraphOptions) {
    this.#options = options
    this.#layers.set('', this.#raw.get('')!)
  }

  /** Records held. */
  get size(): number {
    return this.#records.size
  }

  /** Identities named by some record or view. */
  get nodes(): number {
    return this.#indices.size
  }

  /**
   * The index of `key` (a public key in hex) for good, e.g. a viewer's: named
   * if it is new, and never given to another identity.
   */
  pin(key: string): number {
    const index = this.#use(key)
    this.#uses[index] = Infinity
    return index
  }

  /** Names `key` for one more use, reusing a freed index when there is one. */
  #use(key: string): number {
    let index = this.#indices.get(key)
    if (index === undefined) {
      index = this.#free.pop() ?? this.#keys.length
      this.#keys[index] = key
      this.#uses[index] = 0
      this.#indices.set(key, index)
    }
    this.#uses[index]!++
    return index
  }

  /** Ends one use of `key`; an identity no record names any more leaves the index (it has no edge left in any layer). */
  #release(key: string): void {
    const index = this.#indices.get(key)!
    if (--this.#uses[index]! > 0) return
    this.#indices.delete(key)
    this.#keys[index] = undefined
    this.#free.push(index)
  }

  /** The index of `key`, or undefined when no record names it. */
  indexOf(key: string): number | undefined {
    return this.#indices.get(key)
  }

  /** The public key (hex) index `node` names. */
  keyOf(node: number): string {
    const key = this.#keys[node]
    if (key === undefined) throw new TrustWotError('INVALID_OPTION', `no identity has index ${node}`)
    return key
  }

  /** The edges of `scope` ('' for unscoped trust), kept up to date from now on. */
  layer(scope: string): EdgeLayer {
    let layer = this.#layers.get(scope)
    if (layer !== undefined) return layer
    layer = new EdgeLayer()
    const general = this.#raw.get('')!
    const own = this.#raw.get(scope)
    for (const [truster, trustee, level] of general.edges()) if (own === undefined || own.level(truster, trustee) === 0) layer.set(truster, trustee, level)
    if (own !== undefined) for (const [truster, trustee, level] of own.edges()) layer.set(truster, trustee, level)
    this.#layers.set(scope, layer)
    return layer
  }

  /** The record held for `key` (see `recordKey`). */
  record(key: string): TrustRecord | undefined {
    return this.#records.get(key)
  }

  *records(): Generator<TrustRecord> {
    yield* this.#records.values()
  }

  /** The records of `truster` (hex). */
  *recordsOf(truster: string): Generator<TrustRecord> {
    for (const key of this.#byTruster.get(truster) ?? []) yield this.#records.get(key)!
  }

  /** Records `truster` (hex) has. */
  countOf(truster: string): number {
    return this.#byTruster.get(truster)?.size ?? 0
  }

  /** What {@link add} would make of `record`; throws TOO_MANY_RECORDS when its truster has no room for it. */
  check(record: TrustRecord, now: number): Admission {
    const held = this.#records.get(recordKey(record))
    if (held?.id === record.id) return 'known'
    if (held !== undefined && !supersedes(record, held)) return 'stale'
    if (record.timestamp + this.#options.maxLifetime <= now) return 'stale'
    if (held === undefined && this.countOf(record.truster) >= this.#options.maxRecordsPerTruster) {
      throw new TrustWotError('TOO_MANY_RECORDS', `truster ${record.truster.slice(0, 16)}… already has ${this.#options.maxRecordsPerTruster} records`)
    }
    return 'new'
  }

  /** Takes `record` when it is new (see {@link check}); returns the record it superseded, if any. */
  add(record: TrustRecord, now: number): { admission: Admission; replaced?: TrustRecord } {
    const admission = this.check(record, now)
    if (admission !== 'new') return { admission }
    const key = recordKey(record)
    const replaced = this.#records.get(key)
    this.#records.set(key, record)
    let keys = this.#byTruster.get(record.truster)
    if (keys === undefined) {
      keys = new Set()
      this.#byTruster.set(record.truster, keys)
    }
    keys.add(key)
    if (replaced === undefined) {
      this.#use(record.truster)
      this.#use(record.trustee)
    }
    if (record.level > 0 && record.expires > now) this.#deadlines.push({ at: record.expires, key, id: record.id })
    this.#deadlines.push({ at: record.timestamp + this.#options.maxLifetime, key, id: record.id })
    this.#setEdge(record, activeLevel(record, now))
    return replaced === undefined ? { admission } : { admission, replaced }
  }

  /** Forgets the record of `key` and its edge; returns it. */
  remove(key: string): TrustRecord | undefined {
    const record = this.#records.get(key)
    if (record === undefined) return undefined
    this.#records.delete(key)
    const keys = this.#byTruster.get(record.truster)!
    keys.delete(key)
    if (keys.size === 0) this.#byTruster.delete(record.truster)
    this.#setEdge(record, 0)
    this.#release(record.truster)
    this.#release(record.trustee)
    return record
  }

  /** Lapses the statements expired by `now` and forgets the records past their lifetime; returns those forgotten. */
  tick(now: number): TrustRecord[] {
    const dropped: TrustRecord[] = []
    for (const { key, id } of this.#deadlines.due(now)) {
      const record = this.#records.get(key)
      if (record?.id !== id) continue
      if (record.timestamp + this.#options.maxLifetime <= now) dropped.push(this.remove(key)!)
      else this.#setEdge(record, 0)
    }
    return dropped
  }

  /** When {@link tick} next has work to do. */
  nextDeadline(): number | undefined {
    return this.#deadlines.next
  }

  /** Sets the edge `record` makes to `level`, in its scope's layer and in every layer it shows through. */
  #setEdge(record: TrustRecord, level: number): void {
    const truster = this.#indices.get(record.truster)!
    const trustee = this.#indices.get(record.trustee)!
    const scope = record.scope
    let own = this.#raw.get(scope)
    if (own === undefined) {
      if (level === 0) return
      own = new EdgeLayer()
      this.#raw.set(scope, own)
    }
    own.set(truster, trustee, level)
    if (scope !== '' && own.size === 0) this.#raw.delete(scope)
    if (scope !== '') {
      this.#layers.get(scope)?.set(truster, trustee, level === 0 ? this.#raw.get('')!.level(truster, trustee) : level)
      return
    }
    // An unscoped edge shows in every scope's layer where the truster has no statement of that scope.
    for (const [layerScope, layer] of this.#layers) {
      if (layerScope !== '' && (this.#raw.get(layerScope)?.level(truster, trustee) ?? 0) === 0) layer.set(truster, trustee, level)
    }
  }
}

/** The level a record gives its edge at `now`: its level until it expires, 0 for a revocation. */
function activeLevel(record: TrustRecord, now: number): number {
  return record.level > 0 && record.expires > now ? record.level : 0
}
