import { CoreDriver } from '@dscs/net'
import type { CoreEffect, PeerRef, Unsubscribe } from '@dscs/interface'
import type { RoutingOptimizer as RoutingOptimizerApi, RoutingOptimizerComponents, RoutingOptimizerInit } from './index.js'
import { PROTOCOL_ID } from './core/constants.js'
import { RoutingOptimizerCore, type RoutingOptimizerEvent } from './core/core.js'
import { RoutingOptimizerError } from './core/errors.js'

interface PendingPing {
  readonly resolve: (rtt: number) => void
  readonly reject: (error: RoutingOptimizerError) => void
}

/**
 * The service behind {@link routingOptimizer}: a {@link RoutingOptimizerCore} run by a
 * `CoreDriver`, which feeds it what the node's `Net` delivers and the time,
 * ticks it at its deadlines and carries out its effects. This class only
 * turns the API into calls on the core and the core's events into settled
 * promises.
 */
export class RoutingOptimizerService implements RoutingOptimizerApi {
  readonly [Symbol.toStringTag] = '@dscs/routing-optimizer'
  readonly #components: RoutingOptimizerComponents
  readonly #core: RoutingOptimizerCore
  readonly #driver: CoreDriver<RoutingOptimizerEvent>
  readonly #pending = new Map<string, PendingPing>()
  readonly #listeners = new Set<(event: RoutingOptimizerEvent) => void>()
  // The ping each Ping send belongs to, so a failed send fails its ping at once instead of at its timeout.
  readonly #sends = new WeakMap<CoreEffect<RoutingOptimizerEvent>, string>()
  #running = false

  constructor(components: RoutingOptimizerComponents, init: RoutingOptimizerInit = {}) {
    this.#components = components
    this.#core = new RoutingOptimizerCore({
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
      pending.reject(new RoutingOptimizerError('NOT_RUNNING', 'the service stopped before the pong arrived'))
    }
  }

  async ping(peer: PeerRef): Promise<number> {
    if (!this.#running) {
      throw new RoutingOptimizerError('NOT_RUNNING', 'start the service (or its node) before pinging: pongs arrive through its handler')
    }
    const { id, effects } = this.#core.ping(peer, this.#components.clock.now())
    const rtt = new Promise<number>((resolve, reject) => this.#pending.set(id, { resolve, reject }))
    for (const effect of effects) this.#sends.set(effect, id)
    this.#driver.apply(effects)
    return await rtt
  }

  onEvent(listener: (event: RoutingOptimizerEvent) => void): Unsubscribe {
    this.#listeners.add(listener)
    return () => this.#listeners.delete(listener)
  }

  #onEvent(event: RoutingOptimizerEvent): void {
    if (event.type !== 'capacity') {
      const pending = this.#pending.get(event.id)
      this.#pending.delete(event.id)
      if (event.type === 'pong') pending?.resolve(event.rtt)
      else pending?.reject(new RoutingOptimizerError('TIMEOUT', `${event.peer} did not answer the ping in time`))
    }
    for (const listener of this.#listeners) listener(event)
  }

  // A failed answer needs no handling: the asker's ping times out, as it would on a lost packet.
  #onEffectError(effect: CoreEffect<RoutingOptimizerEvent>, error: unknown): void {
    const id = this.#sends.get(effect)
    const pending = id === undefined ? undefined : this.#pending.get(id)
    if (id === undefined || pending === undefined || effect.type !== 'send') return
    this.#pending.delete(id)
    this.#core.cancel(id)
    this.#driver.apply([]) // the core's next deadline may have moved
    pending.reject(new RoutingOptimizerError('SEND_FAILED', `could not send a ping to ${effect.to}`, { cause: error }))
  }
}
