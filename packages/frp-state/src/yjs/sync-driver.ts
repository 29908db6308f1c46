import type { Clock, CoreEffect, Net, PeerRef, Unsubscribe } from '@dscs/interface'
import { CoreDriver, realTimers, type Timers } from '@dscs/net'
import type * as Y from 'yjs'
import type { YDocSyncCore, YjsEvent } from './sync-core.js'

export interface YDocSyncDriverOptions {
  readonly core: YDocSyncCore
  readonly net: Net
  readonly clock: Clock
  /** Real timers by default: they run the periodic resync. */
  readonly timers?: Timers
  /** Receives the core's events: `synced`, `notSent`. */
  readonly onEvent?: (event: YjsEvent) => void
  /** Told when a message could not be sent or published (e.g. the peer went away): the next sync makes up for it. */
  readonly onEffectError?: (effect: CoreEffect<YjsEvent>, error: unknown) => void
  /** Every this many ms, sync every document again with the next connected peer in turn, so edits spread beyond direct neighbours. Default 30 000. */
  readonly resyncEvery?: number
}

/**
 * Runs a {@link YDocSyncCore} on a `Net`: a `CoreDriver` on
 * the core's protocol (its domain's), plus what a driver of network input alone cannot
 * do: it joins and leaves each document's topic as documents come and go,
 * publishes each local transaction's update, and starts a sync with the
 * peers already connected when it starts.
 */
export class YDocSyncDriver {
  readonly #core: YDocSyncCore
  readonly #net: Net
  readonly #clock: Clock
  readonly #driver: CoreDriver<YjsEvent>
  readonly #timers: Timers
  readonly #resyncEvery: number
  /** What to undo when a document goes, or the driver stops: its topic subscription and its local-update watch. */
  readonly #watches = new Map<string, Unsubscribe[]>()
  #running = false
  #cancelResync: (() => void) | undefined
  #turn = 0

  constructor(options: YDocSyncDriverOptions) {
    this.#core = options.core
    this.#net = options.net
    this.#clock = options.clock
    this.#timers = options.timers ?? realTimers
    this.#resyncEvery = options.resyncEvery ?? 30_000
    this.#driver = new CoreDriver({
      core: options.core,
      net: options.net,
      clock: options.clock,
      protocols: [options.core.protocol],
      ...(options.timers === undefined ? {} : { timers: options.timers }),
      onEvent: options.onEvent ?? (() => {}),
      ...(options.onEffectError === undefined ? {} : { onEffectError: options.onEffectError })
    })
  }

  start(): void {
    if (this.#running) return
    this.#running = true
    this.#driver.start()
    for (const name of this.#core.docs) this.#watch(name)
    const now = this.#clock.now()
    for (const peer of this.#net.peers()) this.#driver.apply(this.#core.peerConnected(peer, now))
    this.#scheduleResync()
  }

  stop(): void {
    this.#running = false
    for (const name of [...this.#watches.keys()]) this.#unwatch(name)
    this.#cancelResync?.()
    this.#cancelResync = undefined
    this.#driver.stop()
  }

  /** Keeps `doc` in sync under `name` (see `YDocSyncCore.addDoc`, whose errors it throws); once running, it syncs at once with the peers connected. */
  addDoc(name: string, doc: Y.Doc): void {
    const effects = this.#core.addDoc(name, doc, this.#clock.now())
    if (!this.#running) return
    this.#watch(name)
    this.#driver.apply(effects)
  }

  /** Sends `peer` the state vector of every kept document now (e.g. one back from a partition): it answers with the edits this node lacks. */
  resync(peer: PeerRef): void {
    if (this.#running) this.#driver.apply(this.#core.resync(peer, this.#clock.now()))
  }

  /** Stops keeping document `name` in sync: leaves its topic, publishes its edits no more. False if it was not kept. */
  removeDoc(name: string): boolean {
    this.#unwatch(name)
    return this.#core.removeDoc(name)
  }

  #watch(name: string): void {
    const topic = this.#core.topicOf(name)!
    const replica = this.#core.replica(name)!
    this.#watches.set(name, [
      this.#net.subscribe(topic, ({ from, bytes }) => {
        const receipt = this.#core.receiveTopic(from, topic, bytes, this.#clock.now())
        this.#driver.apply(receipt.effects)
        return receipt.verdict
      }),
      replica.onLocalUpdate((update) => this.#driver.apply(this.#core.publishUpdate(name, update, this.#clock.now())))
    ])
  }

  #unwatch(name: string): void {
    for (const undo of this.#watches.get(name) ?? []) undo()
    this.#watches.delete(name)
  }

  #scheduleResync(): void {
    this.#cancelResync = this.#timers.schedule(() => {
      const peers = this.#net.peers()
      if (peers.length > 0) this.#driver.apply(this.#core.resync(peers[this.#turn++ % peers.length]!, this.#clock.now()))
      this.#scheduleResync()
    }, this.#resyncEvery)
  }
}
