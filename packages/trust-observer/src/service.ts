import { CoreDriver } from '@dscs/net'
import type { CoreEffect, PeerRef, Unsubscribe } from '@dscs/interface'
import type { TrustObserver as TrustObserverApi, TrustObserverComponents, TrustObserverInit } from './index.js'
import { PROTOCOL_ID } from './core/constants.js'
import { TrustObserverCore, type TrustObserverEvent } from './core/core.js'
import { TrustObserverError } from './core/errors.js'

interface PendingPing {
  readonly resolve: (rtt: number) => void
  readonly reject: (error: TrustObserverError) => void
}

/**
 * The service behind {@link trustObserver}: a {@link TrustObserverCore} run by a
 * `CoreDriver`, which feeds it what the node's `Net` delivers and the time,
 * ticks it at its deadlines and carries out its effects. This class only
 * turns the API into calls on the core and the core's events into settled
 * promises.
 */
export class TrustObserverService implements TrustObserverApi {
  readonly [Symbol.toStringTag] = '@dscs/trust-observer'
  readonly #components: TrustObserverComponents
  readonly #core: TrustObserverCore
  readonly #driver: CoreDriver<TrustObserverEvent>
  readonly #pending = new Map<string, PendingPing>()
  readonly #listeners = new Set<(event: TrustObserverEvent) => void>()
  // The ping each Ping send belongs to, so a failed send fails its ping at once instead of at its timeout.
  readonly #sends = new WeakMap<CoreEffect<TrustObserverEvent>, string>()
  #running = false

  constructor(components: TrustObserverComponents, init: TrustObserverInit = {}) {
    this.#components = components
    this.#core = new TrustObserverCore({
      ...init,
      identity: components.identity,
      verificationCache: components.verificationCache,
      randomBytes: (length) => crypto.getRandomValues(new Uint8Array(length))
    })
    this.#driver = new CoreDriver({
      core: this.#core,
      net: components.net,
      clock: components.clock,
      timers: components.timers,
      protocols: [PROTOCOL_ID],
      onEvent: (event) => this.#onEvent(event),
      onEffectError: (effect, error) => this.#onEffectError(effect, error)
    })
  }

  start(): void {
    this.#running = true
    this.#driver.start()
  }

  stop(): void {
    this.#running = false
    this.#driver.stop()
    for (const [id, pending] of [...this.#pending]) {
      this.#core.cancel(id)
      this.#pending.delete(id)
      pending.reject(new TrustObserverError('NOT_RUNNING', 'the service stopped before the pong arrived'))
    }
  }

  async ping(peer: PeerRef): Promise<number> {
    if (!this.#running) {
      throw new TrustObserverError('NOT_RUNNING', 'start the service (or its node) before pinging: pongs arrive through its handler')
    }
    const { id, effects } = this.#core.ping(peer, this.#components.clock.now())
    const rtt = new Promise<number>((resolve, reject) => this.#pending.set(id, { resolve, reject }))
    for (const effect of effects) this.#sends.set(effect, id)
    this.#driver.apply(effects)
    return await rtt
  }

  onEvent(listener: (event: TrustObserverEvent) => void): Unsubscribe {
    this.#listeners.add(listener)
    return () => this.#listeners.delete(listener)
  }

  #onEvent(event: TrustObserverEvent): void {
    const pending = this.#pending.get(event.id)
    this.#pending.delete(event.id)
    if (event.type === 'pong') pending?.resolve(event.rtt)
    else pending?.reject(new TrustObserverError('TIMEOUT', `${event.peer} did not answer the ping in time`))
    for (const listener of this.#listeners) listener(event)
  }

  // A failed answer needs no handling: the asker's ping times out, as it would on a lost packet.
  #onEffectError(effect: CoreEffect<TrustObserverEvent>, error: unknown): void {
    const id = this.#sends.get(effect)
    const pending = id === undefined ? undefined : this.#pending.get(id)
    if (id === undefined || pending === undefined || effect.type !== 'send') return
    this.#pending.delete(id)
    this.#core.cancel(id)
    this.#driver.apply([]) // the core's next deadline may have moved
    pending.reject(new TrustObserverError('SEND_FAILED', `could not send a ping to ${effect.to}`, { cause: error }))
  }
}
