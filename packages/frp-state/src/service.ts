import { CoreDriver } from '@dscs/net'
import type { CoreEffect, Store, Unsubscribe } from '@dscs/interface'
import type { FrpState, FrpStateComponents, FrpStateInit, FrpStateServiceEvent } from './index.js'
import { PROTOCOL_ID } from './core/constants.js'
import { FrpStateCore, type FrpStateEvent } from './core/core.js'
import { FrpStateError } from './core/errors.js'
import type { StateGraph } from './core/graph.js'
import { acceptAll } from './core/trust.js'
import type { Op } from './core/op.js'
import { OpStore, type LoadReport } from './persistence.js'
import { YDocSyncCore } from './yjs/sync-core.js'
import { YDocSyncDriver } from './yjs/sync-driver.js'
import { YUpdateLog } from './yjs/update-log.js'

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
  #docLog: YUpdateLog | undefined
  #docSync: YDocSyncDriver | undefined
  readonly #listeners = new Set<(event: FrpStateServiceEvent<P>) => void>()
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
    const shared = this.#init.doc
    if (shared !== undefined && this.#store !== undefined) this.#docLog = await YUpdateLog.open(this.#store, shared.doc, { domain: core.domain, name: shared.name })
    const driver = new CoreDriver<FrpStateEvent<P>>({
      core,
      net: this.#components.net,
      clock: this.#components.clock,
      timers: this.#components.timers,
      protocols: [PROTOCOL_ID],
      topics: [core.topic],
      onEvent: (event) => this.#onEvent(event),
      onEffectError: (effect, error) => this.#onEffectError(effect, error)
    })
    // Trust decisions come between calls: apply their events as soon as the policy speaks.
    this.#unsubscribeTrust = trust.onStatusChange(() => driver.apply(core.takeSettled()))
    this.#core = core
    this.#driver = driver
  }

  /** Joins the domain's topic and protocol once the node (and its gossipsub) runs. libp2p calls it after every service started. */
  afterStart(): void {
    this.#driver?.start()
    const shared = this.#init.doc
    if (shared === undefined || this.#core === undefined) return
    const core = new YDocSyncCore({
      identity: this.#components.identity,
      doc: shared.doc,
      domain: this.#core.domain,
      name: shared.name,
      verificationCache: this.#components.verificationCache
    })
    this.#docSync = new YDocSyncDriver({
      core,
      net: this.#components.net,
      clock: this.#components.clock,
      timers: this.#components.timers,
      ...(this.#init.syncInterval === undefined ? {} : { resyncEvery: this.#init.syncInterval })
    })
    this.#docSync.start()
  }

  /** Leaves the topic and protocol while gossipsub still runs. libp2p calls it before stopping any service. */
  beforeStop(): void {
    this.#driver?.stop()
    this.#docSync?.stop()
    this.#docSync = undefined
  }

  /** Waits for every write to reach the store. libp2p calls it as the node stops. */
  async stop(): Promise<void> {
    this.#driver?.stop()
    this.#docSync?.stop()
    this.#docSync = undefined
    await this.#docLog?.close()
    this.#docLog = undefined
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

  onEvent(listener: (event: FrpStateServiceEvent<P>) => void): Unsubscribe {
    this.#listeners.add(listener)
    return () => this.#listeners.delete(listener)
  }

  /** Resolves when every write so far is on disk. */
  async flush(): Promise<void> {
    await this.#opStore?.flush()
    await this.#docLog?.flushed()
  }

  #onEvent(event: FrpStateEvent<P>): void {
    this.#persist(event)
    this.#tell(event)
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

  // A publish with no peer yet, or a peer gone mid-send: anti-entropy delivers the ops later.
  #onEffectError(effect: CoreEffect<FrpStateEvent<P>>, error: unknown): void {
    this.#tell({ type: 'send-error', to: effect.type === 'send' ? effect.to : undefined, error })
  }
}
