import { CoreDriver } from '@dscs/net'
import type { CoreEffect, PeerRef, Store, Unsubscribe } from '@dscs/interface'
import type { FrpState, FrpStateComponents, FrpStateInit, FrpStateServiceEvent } from './index.js'
import { FrpStateCore, type FrpStateEvent } from './core/core.js'
import { FrpStateError } from './core/errors.js'
import { DEFAULT_SYNC_TIMEOUT } from './core/constants.js'
import { SyncWaits, type SyncReport } from './sync-waits.js'
import type { StateGraph } from './core/graph.js'
import { acceptAll } from './core/trust.js'
import type { Op } from './core/op.js'
import { OpStore, type LoadReport } from './persistence.js'
import type * as Y from 'yjs'
import { positiveOption } from './core/options.js'
import { DEFAULT_MAX_YJS_DOCS } from './yjs/constants.js'
import { checkNewDoc } from './yjs/doc-set.js'
import { YDocSyncCore, type YjsEvent } from './yjs/sync-core.js'
import { YDocSyncDriver } from './yjs/sync-driver.js'
import { YUpdateLog } from './yjs/update-log.js'

/** A Y.Doc the service keeps, with its update log once open (none without a store). */
interface KeptDoc {
  readonly doc: Y.Doc
  log: YUpdateLog | undefined
}

/**
 * The service behind {@link frpState}: an {@link FrpStateCore} run by a
 * `CoreDriver` on the node's `Net`, with its ops, statuses and compactions
 * written through an {@link OpStore} when the node has a store. This class
 * only loads, wires and persists; the protocol is the core's.
 */
export class FrpStateService<P> implements FrpState<P> {
  readonly [Symbol.toStringTag] = '@dscs/frp-state'
  readonly graph: StateGraph<P>
  readonly #components: FrpStateComponents
  readonly #init: FrpStateInit<P>
  readonly #opStore: OpStore | undefined
  readonly #store: Store | undefined
  readonly #maxDocs: number
  /** Every document kept, by name, including one whose log is still opening (so its name is taken). */
  readonly #docs = new Map<string, KeptDoc>()
  #docSync: YDocSyncDriver | undefined
  readonly #listeners = new Set<(event: FrpStateServiceEvent<P>) => void>()
  readonly #syncWaits: SyncWaits
  #core: FrpStateCore<P> | undefined
  #driver: CoreDriver<FrpStateEvent<P>> | undefined
  #unsubscribeTrust: Unsubscribe | undefined
  #loaded: LoadReport | undefined

  constructor(components: FrpStateComponents, init: FrpStateInit<P>) {
    this.#components = components
    this.#init = init
    this.graph = init.graph
    const store = init.store === false ? undefined : (init.store ?? components.store)
    this.#store = store
    this.#opStore = store === undefined ? undefined : new OpStore(store, init.domain ?? 'default')
    this.#maxDocs = positiveOption(init.maxDocs, DEFAULT_MAX_YJS_DOCS, 'maxDocs')
    this.#syncWaits = new SyncWaits(components.timers)
  }

  /** Loads the state from the store (bases, then the ops after them). libp2p calls it as the node starts. */
  async start(): Promise<void> {
    if (this.#core !== undefined) return
    const trust = this.#init.trust ?? acceptAll()
    const core = new FrpStateCore<P>({
      ...this.#init,
      trust,
      identity: this.#components.identity,
      self: this.#components.net.self,
      verificationCache: this.#components.verificationCache,
      ...(this.#opStore === undefined ? {} : { resume: await this.#opStore.resume() })
    })
    this.#loaded = (await this.#opStore?.load(core, this.#components.clock.now())) ?? { ops: 0, bases: 0, refused: 0 }
    for (const [name, doc] of Object.entries(this.#init.docs ?? {})) {
      checkNewDoc(this.#docs, (kept) => kept.doc, name, doc, this.#maxDocs)
      this.#docs.set(name, { doc, log: await this.#openLog(core.domain, name, doc) })
    }
    const driver = new CoreDriver<FrpStateEvent<P>>({
      core,
      net: this.#components.net,
      clock: this.#components.clock,
      timers: this.#components.timers,
      protocols: [core.protocol],
      topics: [core.topic],
      onEvent: (event) => this.#onEvent(event),
      onEffectError: (effect, error) => this.#onEffectError(effect, error)
    })
    // Trust decisions come between calls: apply their events as soon as the policy speaks.
    this.#unsubscribeTrust = trust.onStatusChange(() => driver.apply(core.takeSettled()))
    this.#core = core
    this.#driver = driver
  }

  /** Joins the domain's topics and protocols once the node (and its gossipsub) runs. libp2p calls it after every service started. */
  afterStart(): void {
    if (this.#core === undefined || this.#docSync !== undefined) return
    this.#driver?.start()
    const sync = new YDocSyncDriver({
      core: new YDocSyncCore({
        identity: this.#components.identity,
        domain: this.#core.domain,
        maxDocs: this.#maxDocs,
        verificationCache: this.#components.verificationCache
      }),
      net: this.#components.net,
      clock: this.#components.clock,
      timers: this.#components.timers,
      onEvent: (event) => this.#onDocEvent(event),
      onEffectError: (effect, error) => this.#tellSendError(effect, error),
      ...(this.#init.syncInterval === undefined ? {} : { resyncEvery: this.#init.syncInterval })
    })
    for (const [name, { doc }] of this.#docs) sync.addDoc(name, doc)
    sync.start()
    this.#docSync = sync
  }

  get docs(): string[] {
    return [...this.#docs.keys()]
  }

  doc(name: string): Y.Doc | undefined {
    return this.#docs.get(name)?.doc
  }

  async addDoc(name: string, doc: Y.Doc): Promise<void> {
    const sync = this.#docSync
    const domain = this.#core?.domain
    if (sync === undefined || domain === undefined) throw new FrpStateError('NOT_RUNNING', 'start the service (or its node) before adding documents')
    checkNewDoc(this.#docs, (kept) => kept.doc, name, doc, this.#maxDocs)
    const kept: KeptDoc = { doc, log: undefined }
    this.#docs.set(name, kept)
    try {
      // Restored before it syncs, so its first step 1 holds what the store had, and the restore is not published as an edit.
      kept.log = await this.#openLog(domain, name, doc)
    } catch (err) {
      this.#docs.delete(name)
      throw err
    }
    if (this.#docs.get(name) === kept && this.#docSync === sync) {
      sync.addDoc(name, doc)
      return
    }
    // Removed, or the service stopped, while the log opened.
    await kept.log?.close()
    if (this.#docSync !== sync) throw new FrpStateError('NOT_RUNNING', `the service stopped while document ${name} was being added`)
  }

  async removeDoc(name: string): Promise<boolean> {
    const kept = this.#docs.get(name)
    if (kept === undefined) return false
    this.#docs.delete(name)
    this.#docSync?.removeDoc(name)
    await kept.log?.close()
    return true
  }

  /** Leaves the topic and protocol while gossipsub still runs. libp2p calls it before stopping any service. */
  beforeStop(): void {
    this.#syncWaits.abort(new FrpStateError('SYNC_ABORTED', 'the sync broke off: the service stopped'))
    this.#driver?.stop()
    this.#docSync?.stop()
    this.#docSync = undefined
  }

  async #openLog(domain: string, name: string, doc: Y.Doc): Promise<YUpdateLog | undefined> {
    return this.#store === undefined ? undefined : YUpdateLog.open(this.#store, doc, { domain, name })
  }

  /** Waits for every write to reach the store. libp2p calls it as the node stops. */
  async stop(): Promise<void> {
    this.#syncWaits.abort(new FrpStateError('SYNC_ABORTED', 'the sync broke off: the service stopped'))
    this.#driver?.stop()
    this.#docSync?.stop()
    this.#docSync = undefined
    const kept = [...this.#docs.values()]
    this.#docs.clear()
    await Promise.all(kept.flatMap(({ log }) => (log === undefined ? [] : [log.close()])))
    this.#unsubscribeTrust?.()
    this.#core?.close()
    this.#driver = undefined
    this.#core = undefined
    await this.#opStore?.flush()
  }

  get loaded(): LoadReport | undefined {
    return this.#loaded
  }

  async submit(payload: P): Promise<Op<P>> {
    const core = this.#core
    if (core === undefined || this.#driver === undefined) throw new FrpStateError('NOT_RUNNING', 'start the service (or its node) before submitting ops')
    const { op, effects } = core.submit(payload, this.#components.clock.now())
    this.#driver.apply(effects)
    // Acknowledged once durable: a crash after this loses nothing.
    await this.#opStore?.saveOp(op, core.log.get(op.key)?.status ?? 'pending')
    return op
  }

  sync(peer: PeerRef, options: { readonly timeout?: number } = {}): Promise<SyncReport> {
    const core = this.#core
    if (core === undefined || this.#driver === undefined) return Promise.reject(new FrpStateError('NOT_RUNNING', 'start the service (or its node) before syncing'))
    const timeout = positiveOption(options.timeout, this.#init.syncTimeout ?? DEFAULT_SYNC_TIMEOUT, 'timeout')
    const { request, effects } = core.sync(peer, this.#components.clock.now())
    // Waiting before the messages go out: no answer can come before the wait is in place.
    const report = this.#syncWaits.wait(peer, request, this.#docSync === undefined ? [] : this.docs, timeout)
    this.#driver.apply(effects)
    this.#docSync?.resync(peer)
    return report
  }

  onEvent(listener: (event: FrpStateServiceEvent<P>) => void): Unsubscribe {
    this.#listeners.add(listener)
    return () => this.#listeners.delete(listener)
  }

  /** Resolves when every write so far is on disk. */
  async flush(): Promise<void> {
    await this.#opStore?.flush()
    await Promise.all([...this.#docs.values()].flatMap(({ log }) => (log === undefined ? [] : [log.flushed()])))
  }

  #onEvent(event: FrpStateEvent<P>): void {
    this.#persist(event)
    this.#syncWaits.onEvent(event)
    this.#tell(event)
  }

  #onDocEvent(event: YjsEvent): void {
    this.#syncWaits.onEvent({ type: 'doc', event })
    this.#tell({ type: 'doc', event })
  }

  #persist(event: FrpStateEvent<P>): void {
    const store = this.#opStore
    if (store === undefined) return
    const failed = (error: unknown): void => this.#tell({ type: 'store-error', error })
    // A local op is saved by submit, which waits for it.
    if (event.type === 'op' && event.origin !== 'local' && event.origin !== 'disk') store.saveOp(event.op as Op<unknown>, event.status).catch(failed)
    if (event.type === 'status') store.saveOp(event.op as Op<unknown>, event.status).catch(failed)
    if (event.type === 'compacted') {
      store.saveCompaction(this.graph, event.floor, this.#core!.clock, event.removed as Op<unknown>[], event.bases).catch(failed)
    }
  }

  #tell(event: FrpStateServiceEvent<P>): void {
    for (const listener of this.#listeners) listener(event)
  }

  // A publish with no peer yet, or a peer gone mid-send: anti-entropy delivers the ops later. A sync message that
  // could not go (the peer runs no such domain) ends its sessions at once rather than holding their slots.
  #onEffectError(effect: CoreEffect<FrpStateEvent<P>>, error: unknown): void {
    this.#tellSendError(effect, error)
    if (effect.type === 'send' && this.#core !== undefined) this.#driver?.apply(this.#core.sendFailed(effect.to, error))
  }

  #tellSendError<E>(effect: CoreEffect<E>, error: unknown): void {
    this.#tell({ type: 'send-error', to: effect.type === 'send' ? effect.to : undefined, error })
  }
}
