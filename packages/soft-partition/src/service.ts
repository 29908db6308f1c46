import { CoreDriver } from '@dscs/net'
import type { CoreEffect, PeerRef, Unsubscribe } from '@dscs/interface'
import type { SoftPartition as SoftPartitionApi, SoftPartitionComponents, SoftPartitionInit } from './index.js'
import { PROTOCOL_ID } from './core/constants.js'
import { SoftPartitionCore, type SoftPartitionEvent } from './core/core.js'
import { SoftPartitionError } from './core/errors.js'

interface PendingPing {
  readonly resolve: (rtt: number) => void
  readonly reject: (error: SoftPartitionError) => void
}

/**
 * The service behind {@link softPartition}: a {@link SoftPartitionCore} run by a
 * `CoreDriver`, which feeds it what the node's `Net` delivers and the time,
 * ticks it at its deadlines and carries out its effects. This class only
 * turns the API into calls on the core and the core's events into settled
 * promises.
 */
export class SoftPartitionService implements SoftPartitionApi {
  readonly [Symbol.toStringTag] = '@dscs/soft-partition'
  readonly #components: SoftPartitionComponents
  readonly #core: SoftPartitionCore
  readonly #driver: CoreDriver<SoftPartitionEvent>
  readonly #pending = new Map<string, PendingPing>()
  readonly #listeners = new Set<(event: SoftPartitionEvent) => void>()
  // The ping each Ping send belongs to, so a failed send fails its ping at once instead of at its timeout.
  readonly #sends = new WeakMap<CoreEffect<SoftPartitionEvent>, string>()
  #running = false

  constructor(components: SoftPartitionComponents, init: SoftPartitionInit = {}) {
    this.#components = components
    this.#core = new SoftPartitionCore({
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
      pending.reject(new SoftPartitionError('NOT_RUNNING', 'the service stopped before the pong arrived'))
    }
  }

  async ping(peer: PeerRef): Promise<number> {
    if (!this.#running) {
      throw new SoftPartitionError('NOT_RUNNING', 'start the service (or its node) before pinging: pongs arrive through its handler')
    }
    const { id, effects } = this.#core.ping(peer, this.#components.clock.now())
    const rtt = new Promise<number>((resolve, reject) => this.#pending.set(id, { resolve, reject }))
    for (const effect of effects) this.#sends.set(effect, id)
    this.#driver.apply(effects)
    return await rtt
  }

  onEvent(listener: (event: SoftPartitionEvent) => void): Unsubscribe {
    this.#listeners.add(listener)
    return () => this.#listeners.delete(listener)
  }

  #onEvent(event: SoftPartitionEvent): void {
    const pending = this.#pending.get(event.id)
    this.#pending.delete(event.id)
    if (event.type === 'pong') pending?.resolve(event.rtt)
    else pending?.reject(new SoftPartitionError('TIMEOUT', `${event.peer} did not answer the ping in time`))
    for (const listener of this.#listeners) listener(event)
  }

  // A failed answer needs no handling: the asker's ping times out, as it would on a lost packet.
  #onEffectError(effect: CoreEffect<SoftPartitionEvent>, error: unknown): void {
    const id = this.#sends.get(effect)
    const pending = id === undefined ? undefined : this.#pending.get(id)
    if (id === undefined || pending === undefined || effect.type !== 'send') return
    this.#pending.delete(id)
    this.#core.cancel(id)
    this.#driver.apply([]) // the core's next deadline may have moved
    pending.reject(new SoftPartitionError('SEND_FAILED', `could not send a ping to ${effect.to}`, { cause: error }))
  }
}
