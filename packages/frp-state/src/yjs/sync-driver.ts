import type { Clock, CoreEffect, Net, Unsubscribe } from '@dscs/interface'
import { CoreDriver, realTimers, type Timers } from '@dscs/net'
import { YJS_PROTOCOL_ID } from './constants.js'
import type { YDocSyncCore, YjsEvent } from './sync-core.js'

export interface YDocSyncDriverOptions {
  readonly core: YDocSyncCore
  readonly net: Net
  readonly clock: Clock
  /** Real timers by default; the core sets no deadlines, so they matter only to the underlying CoreDriver. */
  readonly timers?: Timers
  /** Receives the core's events: `synced`, `notSent`. */
  readonly onEvent?: (event: YjsEvent) => void
  /** Told when a message could not be sent or published (e.g. the peer went away): the next sync makes up for it. */
  readonly onEffectError?: (effect: CoreEffect<YjsEvent>, error: unknown) => void
  /** Every this many ms, sync again with the next connected peer in turn, so edits spread beyond direct neighbours. Default 30 000. */
  readonly resyncEvery?: number
}

/**
 * Runs a {@link YDocSyncCore} on a `Net`: a `CoreDriver` on
 * {@link YJS_PROTOCOL_ID} and the document's topic, plus what a driver of
 * network input alone cannot do: it publishes each local transaction's
 * update, and starts a sync with the peers already connected when it starts.
 */
export class YDocSyncDriver {
  readonly #core: YDocSyncCore
  readonly #net: Net
  readonly #clock: Clock
  readonly #driver: CoreDriver<YjsEvent>
  readonly #timers: Timers
  readonly #resyncEvery: number
  #stopLocalUpdates: Unsubscribe | undefined
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
      protocols: [YJS_PROTOCOL_ID],
      topics: [options.core.topic],
      ...(options.timers === undefined ? {} : { timers: options.timers }),
      onEvent: options.onEvent ?? (() => {}),
      ...(options.onEffectError === undefined ? {} : { onEffectError: options.onEffectError })
    })
  }

  start(): void {
    if (this.#stopLocalUpdates !== undefined) return
    this.#driver.start()
    this.#stopLocalUpdates = this.#core.onLocalUpdate((update) => this.#driver.apply(this.#core.publishUpdate(update, this.#clock.now())))
    const now = this.#clock.now()
    for (const peer of this.#net.peers()) this.#driver.apply(this.#core.peerConnected(peer, now))
    this.#scheduleResync()
  }

  stop(): void {
    this.#stopLocalUpdates?.()
    this.#stopLocalUpdates = undefined
    this.#cancelResync?.()
    this.#cancelResync = undefined
    this.#driver.stop()
  }

  #scheduleResync(): void {
    this.#cancelResync = this.#timers.schedule(() => {
      const peers = this.#net.peers()
      if (peers.length > 0) this.#driver.apply(this.#core.resync(peers[this.#turn++ % peers.length]!, this.#clock.now()))
      this.#scheduleResync()
    }, this.#resyncEvery)
  }
}
