import type { Unsubscribe } from '@dscs/interface'
import { CheckpointBudget } from './checkpoints.js'
import { FrpStateError } from './errors.js'
import { KeyedLog } from './keyed-log.js'
import type { Op } from './op.js'
import type { ExternalSource } from './source.js'

/** `predicted`: every op not nullified. `confirmed`: only the ops the trust policy confirmed. */
export type View = 'predicted' | 'confirmed'
export const VIEWS: readonly View[] = ['predicted', 'confirmed']

/** A keyed reducer: the ops it takes, folded per key into a value. */
export interface ReducerSpec<P, S> {
  /** Names the reducer in changes and snapshots; unique within a state. */
  readonly name: string
  /** The key an op updates, or undefined when the op is not for this reducer. */
  key(op: Op<P>): string | undefined
  /** The value after `op`; must be pure and deterministic, since every peer replays it. Throwing leaves the value unchanged. */
  reduce(previous: S, op: Op<P>): S
  /** The value of a key no op has touched. */
  readonly initial: S
  /** Whether two values are the same, for the equality cut-off. Default `Object.is`. */
  equals?(a: S, b: S): boolean
  /** How a value is saved in a snapshot and read back. Default JSON, for plain data. */
  readonly snapshot?: ValueCodec<S>
}

/** Turns a reducer's values into bytes for snapshots; `decode` gets bytes from disk and must check them. */
export interface ValueCodec<S> {
  encode(value: S): Uint8Array
  decode(bytes: Uint8Array): S
}

/** A key's base value: the fold of every op compacted away. */
export interface BaseValue {
  readonly reducer: string
  readonly view: View
  readonly key: string
  readonly value: unknown
}

export interface Reducer<P, S> {
  readonly type: 'reducer'
  readonly name: string
  readonly spec: ReducerSpec<P, S>
}

/** Reads state inside a computation and records what the computation depends on. */
export interface Reader<P> {
  /** The value of `key` of a reducer. */
  get<S>(reducer: Reducer<P, S>, key: string): S
  /** The value of another computed value, in the same view. */
  get<T>(computed: Computed<P, T>): T
  /** The keys of a reducer that have ops, in no particular order. */
  keys(reducer: Reducer<P, unknown>): readonly string[]
  /** The current value of an external source (a Y.Doc type, a setting). */
  read<T>(source: Source<T>): T
}

export interface Computed<P, T> {
  readonly type: 'computed'
  readonly name: string
  readonly compute: (read: Reader<P>) => T
  readonly equals: (a: T, b: T) => boolean
}

export interface Source<T> {
  readonly type: 'source'
  readonly name: string
  readonly source: ExternalSource<T>
}

/** One value that changed in a batch. */
export interface Change {
  readonly view: View
  /** The reducer, computed value or source that changed. */
  readonly name: string
  /** The reducer key, for reducer values. */
  readonly key?: string
  readonly value: unknown
  readonly previous: unknown
  /** True when the change rewrote the past: a late op, a nullified op, or a value derived from one. */
  readonly correction: boolean
}

/** The one notification a batch gives: every value that ends it different from how it began. */
export interface Batch {
  readonly changes: readonly Change[]
  /** True when any change is a correction. */
  readonly correction: boolean
}

export interface StateGraphOptions {
  /** Ops between two checkpoints of one key, so a late op replays at most this many. Default 32. */
  readonly checkpointEvery?: number
  /** Most checkpoints kept across all keys; past it the spacing doubles. Default 200 000. */
  readonly maxCheckpoints?: number
  /**
   * Told when application code throws: a reducer on an op (the op then leaves
   * that value unchanged) or a computation (it keeps its previous value).
   */
  readonly onUserError?: (node: string, error: unknown, op?: Op) => void
}

abstract class Cell {
  readonly dependents = new Set<ComputedCell>()
  height = 0
  abstract current(): unknown
}

class KeyCell extends Cell {
  constructor(
    readonly reducer: Reducer<unknown, unknown>,
    readonly key: string,
    readonly view: View,
    readonly log: KeyedLog<unknown>
  ) {
    super()
  }

  current(): unknown {
    return this.log.value
  }
}

/** The set of keys of one reducer in one view: computations that list keys depend on it. */
class KeySetCell extends Cell {
  constructor(readonly logs: Map<string, KeyCell>) {
    super()
  }

  current(): unknown {
    return this.logs.size
  }
}

class SourceCell extends Cell {
  constructor(
    readonly node: Source<unknown>,
    readonly unsubscribe: Unsubscribe
  ) {
    super()
  }

  current(): unknown {
    return this.node.source.read()
  }
}

class ComputedCell extends Cell {
  deps = new Set<Cell>()
  value: unknown
  evaluated = false
  dirty = false
  computing = false

  constructor(
    readonly node: Computed<unknown, unknown>,
    readonly view: View
  ) {
    super()
  }

  current(): unknown {
    return this.value
  }
}

interface ReducerState {
  readonly reducer: Reducer<unknown, unknown>
  readonly logs: Record<View, Map<string, KeyCell>>
  readonly keySets: Record<View, KeySetCell>
}

/** What a batch recorded about a cell the first time it changed. */
interface Pending {
  readonly previous: unknown
  correction: boolean
}

/**
 * The reactive graph: keyed reducers over the op log, computed values over
 * reducers, sources and each other, in two views. Changes are batched: at the
 * end of the outermost batch, dirty computed values rerun in height order
 * (reading a dirty one reruns it first, so none sees a stale input), a value
 * equal to its old one stops propagation there, and subscribers get one
 * notification with every value that changed.
 */
export class StateGraph<P = unknown> {
  readonly #reducers = new Map<string, ReducerState>()
  readonly #computed = new Map<Computed<P, unknown>, Record<View, ComputedCell>>()
  readonly #sources = new Map<Source<unknown>, SourceCell>()
  readonly #listeners = new Set<(batch: Batch) => void>()
  readonly #budget: CheckpointBudget
  readonly #onUserError: StateGraphOptions['onUserError']
  readonly #changed = new Map<Cell, Pending>()
  readonly #dirty = new Set<ComputedCell>()
  #depth = 0
  #sealed = false
  // Computations running now: declaring nodes inside one would make a new node (and subscription) per run.
  #evaluating = 0

  constructor(options: StateGraphOptions = {}) {
    this.#budget = new CheckpointBudget(
      positiveInteger(options.checkpointEvery, 32, 'checkpointEvery'),
      positiveInteger(options.maxCheckpoints, 200_000, 'maxCheckpoints'),
      (every) => this.#thinAll(every)
    )
    this.#onUserError = options.onUserError
  }

  /** Declares a keyed reducer; all reducers come before the first op. */
  reducer<S>(spec: ReducerSpec<P, S>): Reducer<P, S> {
    if (this.#sealed) throw new FrpStateError('GRAPH_SEALED', `reducer ${spec.name} declared after ops were applied; declare reducers first`)
    if (this.#reducers.has(spec.name)) throw new FrpStateError('DUPLICATE_NAME', `a reducer named ${spec.name} exists already`)
    const reducer: Reducer<P, S> = { type: 'reducer', name: spec.name, spec }
    const logs = { predicted: new Map<string, KeyCell>(), confirmed: new Map<string, KeyCell>() }
    this.#reducers.set(spec.name, {
      reducer: reducer,
      logs,
      keySets: { predicted: new KeySetCell(logs.predicted), confirmed: new KeySetCell(logs.confirmed) }
    })
    return reducer
  }

  /** Declares a value computed from reducers, sources and other computed values. */
  computed<T>(name: string, compute: (read: Reader<P>) => T, options: { equals?: (a: T, b: T) => boolean } = {}): Computed<P, T> {
    this.#notInComputation('computed', name)
    const node: Computed<P, T> = { type: 'computed', name, compute, equals: options.equals ?? Object.is }
    const erased = node as unknown as Computed<unknown, unknown>
    this.#computed.set(node as Computed<P, unknown>, { predicted: new ComputedCell(erased, 'predicted'), confirmed: new ComputedCell(erased, 'confirmed') })
    return node
  }

  /** Feeds an external source into the graph: computed values reading it rerun after each of its changes. */
  source<T>(name: string, source: ExternalSource<T>): Source<T> {
    this.#notInComputation('source', name)
    const node: Source<T> = { type: 'source', name, source }
    const cell: SourceCell = new SourceCell(node, source.subscribe(() => this.batch(() => this.#record(cell, false))))
    this.#sources.set(node, cell)
    return node
  }

  /** Stops listening to every source. */
  close(): void {
    for (const cell of this.#sources.values()) cell.unsubscribe()
    this.#sources.clear()
  }

  /** A reducer value, computed value or source value in `view`. */
  get<S>(view: View, reducer: Reducer<P, S>, key: string): S
  get<T>(view: View, computed: Computed<P, T>): T
  get<T>(view: View, source: Source<T>): T
  get(view: View, node: Reducer<P, unknown> | Computed<P, unknown> | Source<unknown>, key?: string): unknown {
    return this.#valueOf(this.#cellOf(view, node, key))
  }

  /** The keys of `reducer` that have ops in `view`, with their values. */
  entries<S>(view: View, reducer: Reducer<P, S>): [string, S][] {
    return [...this.#state(reducer).logs[view]].filter(([, cell]) => cell.log.size > 0 || cell.log.base !== reducer.spec.initial).map(([key, cell]) => [key, cell.log.value as S])
  }

  /** Listens to every batch that changed something. */
  subscribe(listener: (batch: Batch) => void): Unsubscribe {
    this.#listeners.add(listener)
    return () => this.#listeners.delete(listener)
  }

  /** Runs `fn`; subscribers hear once, after the outermost batch ends, about everything it changed. */
  batch<T>(fn: () => T): T {
    this.#depth++
    try {
      return fn()
    } finally {
      if (--this.#depth === 0) this.#flush()
    }
  }

  /** Adds an op to `views`: both for a confirmed op, `predicted` for a pending one, `confirmed` when a pending op is confirmed. */
  insert(op: Op<P>, views: readonly View[]): void {
    this.#sealed = true
    this.#depth++ // a batch, without a closure per op: this is the hot path
    try {
      for (const state of this.#reducers.values()) {
        const key = this.#keyOf(state, op)
        if (key === undefined) continue
        for (const view of views) {
          const cell = this.#keyCell(state, view, key)
          const isNew = cell.log.size === 0
          const before = cell.log.value
          const correction = cell.log.insert(op)
          this.#recordIfChanged(cell, correction, before)
          if (isNew) this.#record(state.keySets[view], false, cell.log.size - 1)
        }
      }
    } finally {
      if (--this.#depth === 0) this.#flush()
    }
  }

  /** Takes an op out of `views` (a nullified op); its removal is a correction. */
  remove(op: Op<P>, views: readonly View[]): void {
    this.batch(() => {
      for (const state of this.#reducers.values()) {
        const key = this.#keyOf(state, op)
        if (key === undefined) continue
        for (const view of views) {
          const cell = state.logs[view].get(key)
          if (cell === undefined) continue
          const before = cell.log.value
          if (cell.log.remove(op)) this.#recordIfChanged(cell, true, before)
        }
      }
    })
  }

  /**
   * Folds every op that `isFinal` says is settled, up to the first that is
   * not, into each key's base; returns the bases that changed, to be saved.
   */
  compact(isFinal: (op: Op) => boolean): BaseValue[] {
    const changed: BaseValue[] = []
    for (const state of this.#reducers.values()) {
      for (const view of VIEWS) {
        for (const [key, cell] of state.logs[view]) {
          if (cell.log.compact(isFinal)) changed.push({ reducer: state.reducer.name, view, key, value: cell.log.base })
        }
      }
    }
    return changed
  }

  /** The snapshot codec of `reducer`. */
  snapshotCodec(reducer: string): ValueCodec<unknown> {
    const state = this.#reducers.get(reducer)
    if (state === undefined) throw new FrpStateError('UNKNOWN_REDUCER', `no reducer named ${reducer}`)
    return state.reducer.spec.snapshot ?? jsonValues
  }

  /** Every reducer key's base value in both views: what {@link compact} folded away, for a snapshot. */
  bases(): BaseValue[] {
    const out: BaseValue[] = []
    for (const state of this.#reducers.values()) {
      for (const view of VIEWS) {
        for (const [key, cell] of state.logs[view]) {
          if (cell.log.base !== state.reducer.spec.initial) out.push({ reducer: state.reducer.name, view, key, value: cell.log.base })
        }
      }
    }
    return out
  }

  /** Restores a base value saved by {@link bases}; only before the first op. */
  restoreBase(reducer: string, view: View, key: string, value: unknown): void {
    if (this.#sealed) throw new FrpStateError('GRAPH_SEALED', 'bases are restored before any op is applied')
    const state = this.#reducers.get(reducer)
    if (state === undefined) throw new FrpStateError('UNKNOWN_REDUCER', `no reducer named ${reducer}`)
    const log = new KeyedLog<unknown>(value, this.#fold(state.reducer), this.#budget)
    state.logs[view].set(key, new KeyCell(state.reducer, key, view, log))
  }

  /** Checkpoints held now across all keys, and their spacing. */
  checkpoints(): { count: number; every: number } {
    return { count: this.#budget.count, every: this.#budget.every }
  }

  #notInComputation(what: string, name: string): void {
    if (this.#evaluating > 0) throw new FrpStateError('DECLARED_IN_COMPUTATION', `${what} ${name} declared inside a computation; declare it once, outside`)
  }

  #state(reducer: Reducer<P, unknown>): ReducerState {
    const state = this.#reducers.get(reducer.name)
    if (state === undefined || state.reducer !== (reducer as Reducer<unknown, unknown>)) {
      throw new FrpStateError('UNKNOWN_REDUCER', `reducer ${reducer.name} belongs to another state`)
    }
    return state
  }

  #keyOf(state: ReducerState, op: Op<P>): string | undefined {
    try {
      return state.reducer.spec.key(op)
    } catch (error) {
      this.#onUserError?.(state.reducer.name, error, op)
      return undefined
    }
  }

  #fold(reducer: Reducer<unknown, unknown>): (value: unknown, op: Op) => unknown {
    return (value, op) => {
      try {
        return reducer.spec.reduce(value, op)
      } catch (error) {
        this.#onUserError?.(reducer.name, error, op)
        return value
      }
    }
  }

  #keyCell(state: ReducerState, view: View, key: string): KeyCell {
    let cell = state.logs[view].get(key)
    if (cell === undefined) {
      cell = new KeyCell(state.reducer, key, view, new KeyedLog(state.reducer.spec.initial, this.#fold(state.reducer), this.#budget))
      state.logs[view].set(key, cell)
    }
    return cell
  }

  #cellOf(view: View, node: Reducer<P, unknown> | Computed<P, unknown> | Source<unknown>, key?: string): Cell {
    if (node.type === 'reducer') {
      if (key === undefined) throw new FrpStateError('INVALID_OPTION', `reading reducer ${node.name} needs a key`)
      return this.#keyCell(this.#state(node), view, key)
    }
    if (node.type === 'computed') {
      const cells = this.#computed.get(node)
      if (cells === undefined) throw new FrpStateError('UNKNOWN_NODE', `computed ${node.name} belongs to another state`)
      return cells[view]
    }
    const cell = this.#sources.get(node)
    if (cell === undefined) throw new FrpStateError('UNKNOWN_NODE', `source ${node.name} belongs to another state or was closed`)
    return cell
  }

  #valueOf(cell: Cell): unknown {
    if (cell instanceof ComputedCell && (!cell.evaluated || cell.dirty)) this.#evaluate(cell)
    return cell.current()
  }

  #evaluate(cell: ComputedCell): void {
    if (cell.computing) throw new FrpStateError('CYCLE', `computed ${cell.node.name} depends on itself`)
    cell.computing = true
    for (const dep of cell.deps) dep.dependents.delete(cell)
    const deps = new Set<Cell>()
    const track = (dep: Cell): unknown => {
      deps.add(dep)
      dep.dependents.add(cell)
      return this.#valueOf(dep)
    }
    const reader: Reader<unknown> = {
      get: (node: Reducer<unknown, unknown> | Computed<unknown, unknown>, key?: string) =>
        track(this.#cellOf(cell.view, node, key)),
      keys: (reducer) => {
        const state = this.#state(reducer)
        track(state.keySets[cell.view])
        return [...state.logs[cell.view].keys()]
      },
      read: (source) => track(this.#cellOf(cell.view, source))
    } as Reader<unknown>
    const before = cell.value
    const wasEvaluated = cell.evaluated
    this.#evaluating++
    try {
      cell.value = cell.node.compute(reader)
    } catch (error) {
      // A cycle or a declaration inside a computation is a bug in the graph: surface it; other throws are the application's, reported.
      if (error instanceof FrpStateError && (error.code === 'CYCLE' || error.code === 'DECLARED_IN_COMPUTATION')) throw error
      this.#onUserError?.(cell.node.name, error)
    } finally {
      this.#evaluating--
      cell.computing = false
      cell.deps = deps
      cell.dirty = false
      this.#dirty.delete(cell)
      cell.evaluated = true
      let height = 0
      for (const dep of deps) height = Math.max(height, dep.height + 1)
      cell.height = height
    }
    if (!wasEvaluated || cell.node.equals(before, cell.value)) return
    let correction = false
    for (const dep of deps) correction ||= this.#changed.get(dep)?.correction ?? false
    this.#record(cell, correction, before)
  }

  // The equality cut-off at a reducer key: an op that leaves the value equal dirties nothing downstream.
  #recordIfChanged(cell: KeyCell, correction: boolean, before: unknown): void {
    if (!(cell.reducer.spec.equals ?? Object.is)(before, cell.log.value) || this.#changed.has(cell)) this.#record(cell, correction, before)
  }

  // Notes the first change of a cell in this batch (with the value it had before) and marks its dependents dirty.
  #record(cell: Cell, correction: boolean, before?: unknown): void {
    const pending = this.#changed.get(cell)
    if (pending === undefined) this.#changed.set(cell, { previous: before, correction })
    else pending.correction ||= correction
    for (const dependent of cell.dependents) {
      dependent.dirty = true
      this.#dirty.add(dependent)
    }
  }

  #flush(): void {
    this.#depth++ // a subscriber or computation that applies ops joins a new batch, not this one
    try {
      while (this.#dirty.size > 0) {
        let lowest: ComputedCell | undefined
        for (const cell of this.#dirty) if (lowest === undefined || cell.height < lowest.height) lowest = cell
        this.#evaluate(lowest!)
      }
      // Nobody listens: nothing to describe (and no garbage to make).
      if (this.#listeners.size === 0) return
      const changes: Change[] = []
      for (const [cell, pending] of this.#changed) {
        const change = this.#describe(cell, pending)
        if (change !== undefined) changes.push(change)
      }
      this.#changed.clear()
      if (changes.length === 0) return
      const batch: Batch = { changes, correction: changes.some((change) => change.correction) }
      for (const listener of this.#listeners) listener(batch)
    } finally {
      this.#depth--
      this.#changed.clear()
    }
  }

  // A change to report, or undefined when the value ends the batch equal to how it began (the equality cut-off).
  #describe(cell: Cell, pending: Pending): Change | undefined {
    if (cell instanceof KeyCell) {
      const value = cell.log.value
      if ((cell.reducer.spec.equals ?? Object.is)(pending.previous, value)) return undefined
      return { view: cell.view, name: cell.reducer.name, key: cell.key, value, previous: pending.previous, correction: pending.correction }
    }
    if (cell instanceof ComputedCell) {
      if (cell.node.equals(pending.previous, cell.value)) return undefined
      return { view: cell.view, name: cell.node.name, value: cell.value, previous: pending.previous, correction: pending.correction }
    }
    return undefined
  }

  #thinAll(every: number): number {
    let dropped = 0
    for (const state of this.#reducers.values()) {
      for (const view of VIEWS) for (const cell of state.logs[view].values()) dropped += cell.log.thin(every)
    }
    return dropped
  }
}

const encoder = new TextEncoder()
const decoder = new TextDecoder('utf-8', { fatal: true })

const jsonValues: ValueCodec<unknown> = {
  encode: (value) => encoder.encode(JSON.stringify(value)),
  decode: (bytes) => JSON.parse(decoder.decode(bytes)) as unknown
}

function positiveInteger(value: number | undefined, fallback: number, option: string): number {
  if (value === undefined) return fallback
  if (!Number.isSafeInteger(value) || value <= 0) throw new FrpStateError('INVALID_OPTION', `${option} must be a positive integer, got ${value}`)
  return value
}
