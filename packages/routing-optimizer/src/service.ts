import { CoreDriver } from '@dscs/net'
import { peerIdOfPublicKey } from '@dscs/identity'
import type { CoreEffect, PeerRef, Unsubscribe } from '@dscs/interface'
import type { RelaySelection, RoutingOptimizer as RoutingOptimizerApi, RoutingOptimizerComponents, RoutingOptimizerInit } from './index.js'
import { CAPACITY_TOPIC, DEFAULT_RELAY_RETRY_AFTER, PROTOCOL_ID } from './core/constants.js'
import { RoutingOptimizerCore, type RoutingOptimizerEvent } from './core/core.js'
import type { PredictionError } from './core/routing-table.js'
import type { PeerScore } from './core/score.js'
import { CapacitySelector, type SelectableCandidate, type TransferObservation } from './core/capacity-selector.js'
import { bestPlusRandom } from './core/selection.js'
import { RelayFailover, rankRelays } from './core/relay-choice.js'
import type { Coordinate } from './core/vivaldi.js'
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
  readonly #appScoreScale: number
  readonly #selector: CapacitySelector
  #running = false

  constructor(components: RoutingOptimizerComponents, init: RoutingOptimizerInit = {}) {
    this.#components = components
    this.#core = new RoutingOptimizerCore({
      ...init,
      identity: components.identity,
      self: components.net.self,
      // On libp2p a peer id is its key: a record cannot speak for a peer whose key did not sign it.
      peerOfKey: (publicKey) => peerIdOfPublicKey(publicKey).toString(),
      verificationCache: components.verificationCache,
      randomBytes: (length) => crypto.getRandomValues(new Uint8Array(length))
    })
    this.#appScoreScale = init.appScoreScale ?? 1
    this.#selector = new CapacitySelector({
      table: this.#core.table,
      connected: (peer) => components.net.peers().includes(peer),
      minRelativeWeight: init.minRelativeWeight ?? 0.25,
      random: Math.random
    })
    this.#driver = new CoreDriver({
      core: this.#core,
      net: components.net,
      clock: components.clock,
      timers: components.timers,
      protocols: [PROTOCOL_ID],
      topics: [CAPACITY_TOPIC],
      onEvent: (event) => this.#onEvent(event),
      onEffectError: (effect, error) => this.#onEffectError(effect, error)
    })
  }

  // libp2p starts only services with start and stop; the work begins in afterStart, once gossipsub runs.
  start(): void {}

  afterStart(): void {
    this.#running = true
    this.#driver.start()
    const now = this.#components.clock.now()
    for (const peer of this.#components.net.peers()) this.#core.peerConnected(peer)
    this.#driver.apply(this.#core.start(now))
    this.#components.net.setAppSpecificScore?.((peer) => this.appSpecificScore(peer))
  }

  // Leaves the topic while gossipsub still runs; libp2p's stop that follows finds nothing left to do.
  beforeStop(): void {
    this.stop()
  }

  stop(): void {
    this.#running = false
    this.#components.net.setAppSpecificScore?.(undefined)
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

  score(peer: PeerRef): PeerScore {
    return this.#core.table.score(peer)
  }

  predictRtt(peer: PeerRef): number | undefined {
    return this.#core.table.measurements(peer)?.rtt ?? this.#core.table.predictRtt(peer)
  }

  coordinateRtt(peer: PeerRef): number | undefined {
    return this.#core.table.predictRtt(peer)
  }

  get coordinate(): Coordinate {
    return this.#core.table.coordinate
  }

  predictionError(): PredictionError {
    return this.#core.table.predictionError()
  }

  observeTransfer(peer: PeerRef, bytes: number, ms: number): void {
    this.#core.table.observeTransfer(peer, bytes, ms, this.#components.clock.now())
  }

  observeOutcome(peer: PeerRef, answered: boolean): void {
    this.#core.table.observeOutcome(peer, answered, this.#components.clock.now())
  }

  stamp(peer: PeerRef): number {
    return this.#core.stamp(peer, this.#components.clock.now())
  }

  echoed(peer: PeerRef, timestamp: number): void {
    this.#core.echoed(peer, timestamp, this.#components.clock.now())
  }

  advertise(capacity: { readonly uploadBytesPerSecond: number; readonly relay: boolean }): void {
    this.#driver.apply(this.#core.advertise(capacity, this.#components.clock.now()))
  }

  appSpecificScore(peer: PeerRef): number {
    return this.#core.table.score(peer).score * this.#appScoreScale
  }

  order(content: unknown, candidates: readonly SelectableCandidate[]): PeerRef[] {
    return this.#selector.order(content, candidates)
  }

  observe(observation: TransferObservation): void {
    if (observation.type === 'piece') this.observeTransfer(observation.peer, observation.bytes, observation.ms)
    else this.observeOutcome(observation.peer, false)
  }

  selectConnections(slots: { readonly best: number; readonly random: number }): { keep: PeerRef[]; prune: PeerRef[] } {
    const peers = this.#components.net.peers().map((peer) => ({ peer, weight: this.#core.table.score(peer).score }))
    return bestPlusRandom(peers, slots, Math.random)
  }

  async pruneConnections(slots: { readonly best: number; readonly random: number }): Promise<PeerRef[]> {
    const net = this.#components.net
    const hangUp = net.hangUp?.bind(net)
    if (hangUp === undefined) throw new RoutingOptimizerError('NOT_SUPPORTED', 'this Net cannot close connections')
    const { prune } = this.selectConnections(slots)
    await Promise.allSettled(prune.map((peer) => hangUp(peer)))
    return prune
  }

  relays(count: number): PeerRef[] {
    const table = this.#core.table
    const offering = this.#components.net.peers().filter((peer) => table.capacityRecord(peer)?.relay === true)
    return rankRelays(table, offering).slice(0, count)
  }

  relaySelection(candidates: readonly PeerRef[], options: { readonly retryAfter?: number } = {}): RelaySelection {
    const failover = new RelayFailover(this.#core.table, candidates, options.retryAfter ?? DEFAULT_RELAY_RETRY_AFTER)
    const now = (): number => this.#components.clock.now()
    return {
      order: () => failover.order(now()),
      retryIn: () => {
        const at = failover.retryAt()
        return at === undefined ? undefined : Math.max(0, at - now())
      },
      setCandidates: (peers) => (failover.candidates = peers),
      failed: (peer) => failover.failed(peer, now()),
      reserved: (peer) => failover.reserved(peer, now())
    }
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
