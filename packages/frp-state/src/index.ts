/**
 * @packageDocumentation
 *
 * State derived from computations over an ordered op log: speculative now,
 * corrected when late data arrives.
 *
 * An op is a signed envelope whose payload the application defines, ordered
 * by a hybrid logical clock so every peer derives the same order. Ops apply
 * the moment they arrive; a late op is inserted in its place and only the
 * keys it touches (and what depends on them) are recomputed. Each op carries
 * a status from the plugged-in `TrustPolicy`, and every value has two views:
 * `predicted` (every op not nullified) and `confirmed` (confirmed ops only).
 *
 * @example
 * ```ts
 * import { createNode } from '@dscs/net'
 * import { StateGraph, frpState, jsonCodec, type FrpState } from '@dscs/frp-state'
 *
 * type Add = { counter: string; by: number }
 * const graph = new StateGraph<Add>()
 * const counters = graph.reducer<number>({ name: 'counters', key: (op) => op.payload.counter, reduce: (n, op) => n + op.payload.by, initial: 0 })
 * const total = graph.computed('total', (read) => read.keys(counters).reduce((sum, key) => sum + read.get(counters, key), 0))
 * const isAdd = (v: unknown): v is Add => typeof (v as Add)?.counter === 'string' && Number.isSafeInteger((v as Add).by)
 *
 * const node = await createNode({ services: { state: frpState({ graph, codec: jsonCodec(isAdd) }) } })
 * const state = node.libp2p.services.state as FrpState<Add>
 * graph.subscribe((batch) => console.log(batch.correction ? 'corrected' : 'updated', batch.changes))
 * await state.submit({ counter: 'clicks', by: 1 })
 * console.log(graph.get('predicted', total), graph.get('confirmed', total))
 * await node.stop()
 * ```
 */
import type { VerificationCache, Identity } from '@dscs/identity'
import type { Clock, Net, PeerRef, Store, Unsubscribe } from '@dscs/interface'
import { protocolService, type Timers } from '@dscs/net'
import type { FrpStateCoreOptions, FrpStateEvent } from './core/core.js'
import type { StateGraph } from './core/graph.js'
import type { Op } from './core/op.js'
import type { LoadReport } from './persistence.js'
import type { SyncReport } from './sync-waits.js'
import type { YjsEvent } from './yjs/sync-core.js'
import type * as Y from 'yjs'
import { FrpStateService } from './service.js'

export { KIND_PREFIX, DOMAIN_PATTERN, checkDomain, opKind, opProtocol, opTopic } from './core/constants.js'
export { FrpStateCore } from './core/core.js'
export type { FrpStateCoreOptions, FrpStateEvent, OpOrigin } from './core/core.js'
export { FrpStateError } from './core/errors.js'
export type { FrpStateErrorCode } from './core/errors.js'
export { StateGraph, VIEWS } from './core/graph.js'
export type { Batch, BaseValue, Change, Computed, Reader, Reducer, ReducerSpec, Source, StateGraphOptions, ValueCodec, View } from './core/graph.js'
export { HybridClock, compareHlc, compareOps, MAX_HLC_COUNTER } from './core/hlc.js'
export type { HlcTime, OpPosition } from './core/hlc.js'
export type { Op, OpStatus } from './core/op.js'
export { OpLog } from './core/op-log.js'
export type { OpEntry } from './core/op-log.js'
export { jsonCodec } from './core/codec.js'
export type { OpCodec } from './core/codec.js'
export { acceptAll, allowList } from './core/trust.js'
export type { AllowListPolicy, AllowListOptions } from './core/trust.js'
export type { ExternalSource } from './core/source.js'
export { SyncMessage } from './core/messages.js'
export type { SyncPayload } from './core/messages.js'
export { OpIndex, ReconcileSession, START, END, compareBounds, DEFAULT_BRANCHING, DEFAULT_LIST_THRESHOLD, DEFAULT_MAX_ROUNDS } from './sync/index.js'
export type { Bound, ReconcileOptions, ReconcileStep } from './sync/index.js'
export { OpStore } from './persistence.js'
export { ySource, YDocSyncCore, YDocSyncDriver, YDocReplica, YUpdateLog, YSyncPayload, YUpdatePayload, checkUpdate, yjsProtocol, yjsTopic, DEFAULT_MAX_YJS_ENVELOPE_BYTES, DEFAULT_MAX_YJS_DOCS } from './yjs/index.js'
export type { YDocSyncCoreOptions, YjsEvent, YDocSyncDriverOptions, YDocReplicaOptions, YUpdateLogOptions, YjsPayload } from './yjs/index.js'
export type { LoadReport, Resume } from './persistence.js'
export type { SyncEvent } from './core/anti-entropy.js'
export type { SyncReport } from './sync-waits.js'
/** The service itself, for a node that is not libp2p (the simulator): `new FrpStateService(components, init)`. */
export { FrpStateService } from './service.js'

/** A running state: the graph its ops feed, and the way to add ops. */
export interface FrpState<P> {
  /** Loads the stored state. libp2p calls it as the node starts. */
  start(): Promise<void>
  /** Joins the domain's topic and protocol. libp2p calls it once every service has started. */
  afterStart(): void
  /** Leaves the topic and protocol. libp2p calls it before stopping any service. */
  beforeStop(): void
  /** Waits for pending writes. libp2p calls it as the node stops. */
  stop(): Promise<void>
  /** The reducers and computed values; read views and subscribe here. */
  readonly graph: StateGraph<P>
  /** What the last start loaded from the store. */
  readonly loaded: LoadReport | undefined
  /**
   * Signs and applies a new op (subscribers hear at once), publishes it, and
   * resolves once it is on disk. Fails with FrpStateError `TRUST_REJECTED`,
   * `BAD_PAYLOAD` or `NOT_RUNNING`.
   */
  submit(payload: P): Promise<Op<P>>
  /**
   * Reconciles with `peer` now, e.g. one back from a partition: joins the anti-entropy session open with it, else
   * starts one (each side sends the ops the other lacks), and sends the state vector of every kept Y.Doc (the peer
   * answers with the edits this node lacks; the peer's own sync does the reverse). Resolves once the session has
   * ended and the peer answered for every document (or `timeout` ms passed for the documents: those are listed
   * unanswered), with the ops received and sent and the documents updated. Fails with FrpStateError `NOT_RUNNING`
   * before the node has started, `SYNC_TIMEOUT` when the session was silent for the sync timeout, `SYNC_ABORTED`
   * when the peer disconnected, too many sessions were open or the service stopped, or the peer's protocol error.
   */
  sync(peer: PeerRef, options?: { readonly timeout?: number }): Promise<SyncReport>
  /** Every core event (ops admitted, statuses, compactions, refusals) and every store or send failure. */
  onEvent(listener: (event: FrpStateServiceEvent<P>) => void): Unsubscribe
  /** Resolves when every write so far is on disk. */
  flush(): Promise<void>
  /** The names of the Y.Docs kept, those of `init.docs` first. */
  readonly docs: string[]
  /** The Y.Doc kept under `name`, if any. */
  doc(name: string): Y.Doc | undefined
  /**
   * Keeps `doc` in sync under `name` from now on: restored from the store
   * (records of an earlier run under that name included), every update
   * stored, synced with each connected peer at once and on every connect.
   * Fails with FrpStateError `NOT_RUNNING` before the node has started,
   * `INVALID_OPTION` (a name not of 1-64 letters, digits, `.`, `_`, `-`, or
   * a Y.Doc kept already), `DUPLICATE_NAME` or `TOO_MANY_DOCS`.
   */
  addDoc(name: string, doc: Y.Doc): Promise<void>
  /** Stops syncing and storing document `name` (its stored records stay, for a later `addDoc`); false if it was not kept. */
  removeDoc(name: string): Promise<boolean>
}

export type FrpStateServiceEvent<P> =
  | FrpStateEvent<P>
  | { readonly type: 'store-error'; readonly error: unknown }
  | { readonly type: 'send-error'; readonly to?: PeerRef; readonly error: unknown }
  /** An event of the Yjs documents' sync: a peer's state of a document applied (`synced`), or a message too large to send (`notSent`). */
  | { readonly type: 'doc'; readonly event: YjsEvent }

/** Options of the service: the core's, where to persist, and the shared Yjs documents. */
export interface FrpStateInit<P> extends Omit<FrpStateCoreOptions<P>, 'identity' | 'verificationCache' | 'resume'> {
  /** Where ops, bases, the floor and the document persist: default the node's store (LevelDB with a data directory); `false` for none. */
  readonly store?: Store | false
  /**
   * Y.Docs shared in this domain, by name (1-64 letters, digits, `.`, `_`,
   * `-`): each restored from the store at start, every update stored, synced
   * with peers (y-protocols over signed envelopes) and published live on its
   * own topic. Feed their types to the graph with
   * `graph.source(name, ySource(doc.getText('…')))`. More can be added, and
   * any removed, while the node runs: {@link FrpState.addDoc}.
   */
  readonly docs?: Readonly<Record<string, Y.Doc>>
  /** Most Y.Docs the service keeps at once. Default 256. */
  readonly maxDocs?: number
}

/** What the service needs from its node: the part of `@dscs/net`'s `ProtocolContext` it uses. */
export interface FrpStateComponents {
  readonly net: Net
  readonly identity: Identity
  readonly clock: Clock
  readonly timers: Timers
  readonly verificationCache?: VerificationCache
  readonly store?: Store
}

/**
 * The libp2p service factory: `createNode({ services: { state: frpState(init) } })`,
 * after which `node.libp2p.services.state` is the {@link FrpState}.
 */
export function frpState<P>(init: FrpStateInit<P>): (components: object) => FrpState<P> {
  return protocolService((context) => new FrpStateService<P>(context, init))
}
