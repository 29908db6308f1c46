import { isDscsError, type Store, type StoreBatchOp } from '@dscs/interface'
import type { FrpStateCore } from './core/core.js'
import { FrpStateError } from './core/errors.js'
import { VIEWS, type BaseValue, type ValueCodec, type View } from './core/graph.js'
import type { HlcTime } from './core/hlc.js'
import type { Op, OpStatus } from './core/op.js'

const encoder = new TextEncoder()
const decoder = new TextDecoder('utf-8', { fatal: true })

/** What saving and loading bases needs of a graph. */
type SnapshotCodecs = { snapshotCodec(reducer: string): ValueCodec<unknown> }

const STATUS_BYTES: Record<OpStatus, number> = { pending: 0, confirmed: 1, nullified: 2 }
const STATUSES: readonly OpStatus[] = ['pending', 'confirmed', 'nullified']
const ID_BYTES = 32

/** Where a state resumes after a restart: read before its core is built. */
export interface Resume {
  readonly floor: number
  readonly clock: HlcTime
}

/** What {@link OpStore.load} put back. */
export interface LoadReport {
  readonly ops: number
  readonly bases: number
  /** Damaged op records skipped (anti-entropy fetches them again from peers). */
  readonly refused: number
}

/**
 * A state's ops, bases and floor in the `Store` port, under its own prefix:
 * `o<id>` → status byte + envelope, `b<view><reducer>\0<key>` → base value,
 * `m` → floor and clock. Writes go one after another; a compaction (new
 * bases, new floor, its ops deleted) is one atomic batch, so a crash at any
 * point leaves the last checkpoint plus the ops after it: nothing acknowledged
 * is lost and nothing half-written is read.
 */
export class OpStore {
  readonly #store: Store
  readonly #prefix: Uint8Array
  #queue: Promise<void> = Promise.resolve()

  constructor(store: Store, domain: string) {
    this.#store = store
    this.#prefix = encoder.encode(`frp-state/${domain}/`)
  }

  /** The floor and clock of the last compaction, or a fresh start. */
  async resume(): Promise<Resume> {
    const bytes = await this.#store.get(this.#key('m'))
    if (bytes === undefined) return { floor: 0, clock: { wall: 0, counter: 0 } }
    return parseMeta(bytes)
  }

  /**
   * Puts the bases, then every stored op, back into a new core (built with
   * {@link resume}'s answer). A damaged base fails the load with
   * `CORRUPT_STORE`, since the state could not be right without it; a
   * damaged op is skipped and counted.
   */
  async load<P>(core: FrpStateCore<P>, now: number): Promise<LoadReport> {
    let bases = 0
    for await (const [key, value] of this.#store.range(this.#bounds('b'))) {
      const { reducer, view, name } = this.#parseBaseKey(key)
      core.graph.restoreBase(reducer, view, name, decodeBase(core.graph, reducer, value))
      bases++
    }
    let ops = 0
    let refused = 0
    for await (const [key, value] of this.#store.range(this.#bounds('o'))) {
      const id = key.subarray(this.#prefix.length + 1)
      const status = STATUSES[value[0] ?? -1]
      try {
        if (id.length !== ID_BYTES || status === undefined) throw new FrpStateError('CORRUPT_STORE', 'op record with a bad key or status')
        core.restore(value.subarray(1), id, status, now)
        ops++
      } catch (error) {
        if (!isDscsError(error)) throw error
        refused++
      }
    }
    return { ops, bases, refused }
  }

  /** Saves an op with its status; resolves once it is on disk. */
  saveOp(op: Op<unknown>, status: OpStatus): Promise<void> {
    return this.#write(() => this.#store.put(this.#opKey(op), record(op, status)))
  }

  /**
   * Saves a compaction atomically: the changed bases, the new floor and
   * clock, and the removal of the ops folded into them.
   */
  saveCompaction(graph: SnapshotCodecs, floor: number, clock: HlcTime, removed: readonly Op<unknown>[], bases: readonly BaseValue[]): Promise<void> {
    const batch: StoreBatchOp[] = [
      ...bases.map((base): StoreBatchOp => ({ type: 'put', key: this.#baseKey(base), value: graph.snapshotCodec(base.reducer).encode(base.value) })),
      { type: 'put', key: this.#key('m'), value: encoder.encode(JSON.stringify({ floor, clock })) },
      ...removed.map((op): StoreBatchOp => ({ type: 'delete', key: this.#opKey(op) }))
    ]
    return this.#write(() => this.#store.batch(batch))
  }

  /** Resolves when every write so far is on disk. */
  async flush(): Promise<void> {
    await this.#queue
  }

  // One write at a time, in order: a status update never races the compaction that deletes its op.
  #write(write: () => Promise<void>): Promise<void> {
    const done = this.#queue.then(write)
    this.#queue = done.catch(() => {})
    return done
  }

  #key(type: string, rest: Uint8Array = new Uint8Array(0)): Uint8Array {
    const key = new Uint8Array(this.#prefix.length + 1 + rest.length)
    key.set(this.#prefix)
    key[this.#prefix.length] = type.charCodeAt(0)
    key.set(rest, this.#prefix.length + 1)
    return key
  }

  #opKey(op: Op<unknown>): Uint8Array {
    return this.#key('o', op.id)
  }

  #baseKey(base: BaseValue): Uint8Array {
    return this.#key('b', encoder.encode(`${base.view === 'predicted' ? 'p' : 'c'}${base.reducer}\0${base.key}`))
  }

  #parseBaseKey(key: Uint8Array): { reducer: string; view: View; name: string } {
    const text = decodeText(key.subarray(this.#prefix.length + 1))
    const view = VIEWS.find((v) => v[0] === text[0])
    const split = text.indexOf('\0')
    if (view === undefined || split < 2) throw new FrpStateError('CORRUPT_STORE', 'base record with a malformed key')
    return { view, reducer: text.slice(1, split), name: text.slice(split + 1) }
  }

  // Every key of one record type: the prefix and type byte, up to the next type byte.
  #bounds(type: string): { gte: Uint8Array; lt: Uint8Array } {
    return { gte: this.#key(type), lt: this.#key(String.fromCharCode(type.charCodeAt(0) + 1)) }
  }
}

function record(op: Op<unknown>, status: OpStatus): Uint8Array {
  const out = new Uint8Array(1 + op.envelope.length)
  out[0] = STATUS_BYTES[status]
  out.set(op.envelope, 1)
  return out
}

function decodeText(bytes: Uint8Array): string {
  try {
    return decoder.decode(bytes)
  } catch (error) {
    throw new FrpStateError('CORRUPT_STORE', 'stored text is not UTF-8', { cause: error })
  }
}

function decodeBase(graph: SnapshotCodecs, reducer: string, bytes: Uint8Array): unknown {
  try {
    return graph.snapshotCodec(reducer).decode(bytes)
  } catch (error) {
    if (isDscsError(error)) throw error
    throw new FrpStateError('CORRUPT_STORE', `stored base of reducer ${reducer} does not decode`, { cause: error })
  }
}

function parseMeta(bytes: Uint8Array): Resume {
  let meta: unknown
  try {
    meta = JSON.parse(decodeText(bytes))
  } catch (error) {
    throw new FrpStateError('CORRUPT_STORE', 'stored floor and clock are not JSON', { cause: error })
  }
  const { floor, clock } = (meta ?? {}) as { floor?: unknown; clock?: { wall?: unknown; counter?: unknown } }
  if (!isTime(floor) || !isTime(clock?.wall) || !isTime(clock.counter)) throw new FrpStateError('CORRUPT_STORE', 'stored floor and clock are malformed')
  return { floor, clock: { wall: clock.wall, counter: clock.counter } }
}

function isTime(value: unknown): value is number {
  return Number.isSafeInteger(value) && (value as number) >= 0
}
