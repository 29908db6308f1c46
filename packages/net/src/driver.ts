import type { Clock, CoreEffect, DirectHandler, HandleOptions, Net, ProtocolCore, ProtocolId, Unsubscribe } from '@dscs/interface'

/** Schedules callbacks: real timers for real nodes, virtual ones in simulation. */
export interface Timers {
  /** Calls `fn` after `ms`; returns a function that cancels it. */
  schedule(fn: () => void, ms: number): () => void
}

/** The longest delay `setTimeout` takes (2^31 - 1 ms, about 24.8 days); a longer one would fire at once. */
export const MAX_TIMER_MS = 2 ** 31 - 1

/**
 * Real timers. A delay past {@link MAX_TIMER_MS} (a deadline weeks away, such
 * as an expiry) fires at that bound instead: early, never at once, and a
 * CoreDriver then finds nothing due and sets the next timer.
 */
export const realTimers: Timers = {
  schedule(fn, ms) {
    const handle = setTimeout(fn, Math.min(ms, MAX_TIMER_MS))
    return () => clearTimeout(handle)
  }
}

export interface CoreDriverOptions<Event> {
  readonly core: ProtocolCore<Event>
  readonly net: Net
  readonly clock: Clock
  /** The direct protocols the core speaks; the first is where `send` effects go by default. */
  readonly protocols: readonly ProtocolId[]
  /** How each protocol is handled, where the node's defaults would not do: budget, largest message. */
  readonly handling?: Readonly<Record<ProtocolId, HandleOptions>>
  /** Topics the core subscribes to (it must implement `receiveTopic`). */
  readonly topics?: readonly string[]
  readonly timers?: Timers
  /** Receives the core's `emit` effects. */
  readonly onEvent: (event: Event) => void
  /** Told when an effect could not be carried out (e.g. a peer went away mid-send). */
  readonly onEffectError?: (effect: CoreEffect<Event>, error: unknown) => void
}

/**
 * Runs a sans-I/O core on a Net: feeds it messages, peer events and ticks at
 * its deadlines, with the time from the clock, and carries out the effects it
 * returns. The same driver runs a core on libp2p (real time) and in the
 * simulator (virtual time).
 */
export class CoreDriver<Event> {
  readonly #options: CoreDriverOptions<Event>
  readonly #timers: Timers
  #subscriptions: Unsubscribe[] = []
  #cancelTick: (() => void) | undefined
  #tickAt: number | undefined
  #running = false

  constructor(options: CoreDriverOptions<Event>) {
    this.#options = options
    this.#timers = options.timers ?? realTimers
  }

  start(): void {
    if (this.#running) return
    this.#running = true
    const { core, net, clock, protocols, handling = {}, topics = [] } = this.#options
    for (const protocol of protocols) {
      const receive: DirectHandler = ({ from, bytes }) => this.apply(core.receive(from, bytes, clock.now(), protocol))
      this.#subscriptions.push(net.handle(protocol, receive, handling[protocol]))
    }
    for (const topic of topics) {
      this.#subscriptions.push(
        net.subscribe(topic, ({ from, bytes }) => {
          if (core.receiveTopic === undefined) return 'ignore'
          const receipt = core.receiveTopic(from, topic, bytes, clock.now())
          this.apply(receipt.effects)
          return receipt.verdict
        })
      )
    }
    this.#subscriptions.push(
      net.onPeer((event) => {
        const now = clock.now()
        const effects = event.type === 'connect' ? core.peerConnected?.(event.peer, now) : core.peerDisconnected?.(event.peer, now)
        if (effects !== undefined) this.apply(effects)
      })
    )
    this.#reschedule()
  }

  stop(): void {
    this.#running = false
    for (const unsubscribe of this.#subscriptions) unsubscribe()
    this.#subscriptions = []
    this.#cancelTick?.()
    this.#cancelTick = undefined
    this.#tickAt = undefined
  }

  /** Carries out effects, in order; use it for the effects of API calls on the core too. */
  apply(effects: readonly CoreEffect<Event>[]): void {
    const { net, protocols, onEvent } = this.#options
    for (const effect of effects) {
      switch (effect.type) {
        case 'send':
          net.send(effect.to, effect.protocol ?? protocols[0]!, effect.bytes).catch((err: unknown) => this.#failed(effect, err))
          break
        case 'publish':
          net.publish(effect.topic, effect.bytes).catch((err: unknown) => this.#failed(effect, err))
          break
        case 'emit':
          onEvent(effect.event)
          break
        case 'penalise':
          net.penalise(effect.peer, effect.error.code)
          break
      }
    }
    this.#reschedule()
  }

  /** Sets one timer for the core's next deadline, if it moved. */
  #reschedule(): void {
    if (!this.#running) return
    const deadline = this.#options.core.nextDeadline()
    if (deadline === this.#tickAt) return
    this.#cancelTick?.()
    this.#cancelTick = undefined
    this.#tickAt = deadline
    if (deadline === undefined) return
    const delay = Math.max(0, deadline - this.#options.clock.now())
    this.#cancelTick = this.#timers.schedule(() => {
      this.#cancelTick = undefined
      this.#tickAt = undefined
      if (this.#running) this.apply(this.#options.core.tick(this.#options.clock.now()))
    }, delay)
  }

  #failed(effect: CoreEffect<Event>, error: unknown): void {
    this.#options.onEffectError?.(effect, error)
  }

}
