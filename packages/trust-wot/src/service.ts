import { CoreDriver } from '@dscs/net'
import type { CoreEffect, PeerRef, Unsubscribe } from '@dscs/interface'
import type { TrustWot as TrustWotApi, TrustWotComponents, TrustWotInit } from './index.js'
import { PROTOCOL_ID } from './core/constants.js'
import { TrustWotCore, type TrustWotEvent } from './core/core.js'
import { TrustWotError } from './core/errors.js'

interface PendingPing {
  readonly resolve: (rtt: number) => void
  readonly reject: (error: TrustWotError) => void
}

/**
 * The service behind {@link trustWot}: a {@link TrustWotCore} run by a
 * `CoreDriver`, which feeds it what the node's `Net` delivers and the time,
 * ticks it at its deadlines and carries out its effects. This class only
 * turns the API into calls on the core and the core's events into settled
 * promises.
 */
export class TrustWotService implements TrustWotApi {
  readonly [Symbol.toStringTag] = '@dscs/trust-wot'
  readonly #components: TrustWotComponents
  readonly #core: TrustWotCore
  readonly #driver: CoreDriver<TrustWotEvent>
  readonly #pending = new Map<string, PendingPing>()
  readonly #listeners = new Set<(event: TrustWotEvent) => void>()
  // The ping each Ping send belongs to, so a failed send fails its ping at once instead of at its timeout.
  readonly #sends = new WeakMap<CoreEffect<TrustWotEvent>, string>()
  #running = false

  constructor(components: TrustWotComponents, init: TrustWotInit = {}) {
    this.#components = components
    this.#core = new TrustWotCore({
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
      pending.reject(new TrustWotError('NOT_RUNNING', 'the service stopped before the pong arrived'))
    }
  }

  async ping(peer: PeerRef): Promise<number> {
    if (!this.#running) {
      throw new TrustWotError('NOT_RUNNING', 'start the service (or its node) before pinging: pongs arrive through its handler')
    }
    const { id, effects } = this.#core.ping(peer, this.#components.clock.now())
    const rtt = new Promise<number>((resolve, reject) => this.#pending.set(id, { resolve, reject }))
    for (const effect of effects) this.#sends.set(effect, id)
    this.#driver.apply(effects)
    return await rtt
  }

  onEvent(listener: (event: TrustWotEvent) => void): Unsubscribe {
    this.#listeners.add(listener)
    return () => this.#listeners.delete(listener)
  }

  #onEvent(event: TrustWotEvent): void {
    const pending = this.#pending.get(event.id)
    this.#pending.delete(event.id)
    if (event.type === 'pong') pending?.resolve(event.rtt)
    else pending?.reject(new TrustWotError('TIMEOUT', `${event.peer} did not answer the ping in time`))
    for (const listener of this.#listeners) listener(event)
  }

  // A failed answer needs no handling: the asker's ping times out, as it would on a lost packet.
  #onEffectError(effect: CoreEffect<TrustWotEvent>, error: unknown): void {
    const id = this.#sends.get(effect)
    const pending = id === undefined ? undefined : this.#pending.get(id)
    if (id === undefined || pending === undefined || effect.type !== 'send') return
    this.#pending.delete(id)
    this.#core.cancel(id)
    this.#driver.apply([]) // the core's next deadline may have moved
    pending.reject(new TrustWotError('SEND_FAILED', `could not send a ping to ${effect.to}`, { cause: error }))
  }
}
