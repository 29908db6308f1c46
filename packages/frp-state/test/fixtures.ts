import { identityFromSeed, signEnvelope, type Identity } from '@dscs/identity'
import { createEnvelope, encodeEnvelope } from '@dscs/wire'
import { FrpStateCore, StateGraph, jsonCodec, opKind, type FrpStateCoreOptions, type Reducer } from '../src/index.js'

/** The test application: named counters, each op adding to one. */
export interface Add {
  readonly counter: string
  readonly by: number
}

export const isAdd = (value: unknown): value is Add =>
  typeof value === 'object' && value !== null && typeof (value as Add).counter === 'string' && Number.isSafeInteger((value as Add).by)

export const addCodec = jsonCodec(isAdd)

export const alice = identityFromSeed(new Uint8Array(32).fill(1))
export const bob = identityFromSeed(new Uint8Array(32).fill(2))
export const carol = identityFromSeed(new Uint8Array(32).fill(3))

export interface CounterState {
  readonly graph: StateGraph<Add>
  readonly counters: Reducer<Add, number>
  readonly core: FrpStateCore<Add>
}

/** A graph of counters (sum per counter) and a core over it. */
export function counterState(identity: Identity, options: Partial<FrpStateCoreOptions<Add>> = {}): CounterState {
  const graph = new StateGraph<Add>()
  const counters = graph.reducer<number>({ name: 'counters', key: (op) => op.payload.counter, reduce: (n, op) => n + op.payload.by, initial: 0 })
  const core = new FrpStateCore<Add>({ identity, graph, codec: addCodec, horizon: 60_000, ...options })
  return { graph, counters, core }
}

/** A signed op envelope built by hand, so tests can make ones a core would never make. */
export function opBytes(
  author: Identity,
  init: { wall: number; counter?: number; payload?: Uint8Array | Add; kind?: string }
): Uint8Array {
  const payload = init.payload instanceof Uint8Array ? init.payload : addCodec.encode(init.payload ?? { counter: 'x', by: 1 })
  const envelope = createEnvelope({ kind: init.kind ?? opKind('default'), payload, author: author.publicKey, timestamp: init.wall, seq: init.counter ?? 0 })
  return encodeEnvelope(signEnvelope(author, envelope))
}

/** The `code` of what `fn` throws, or undefined when it does not throw. */
export function thrownCode(fn: () => unknown): unknown {
  try {
    fn()
  } catch (error) {
    return (error as { code?: unknown }).code
  }
  return undefined
}

/** The events among a core's effects. */
export function events<E>(effects: readonly { type: string; event?: E }[]): E[] {
  return effects.flatMap((effect) => (effect.type === 'emit' ? [effect.event!] : []))
}
