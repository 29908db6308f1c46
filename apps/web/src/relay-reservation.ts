import type { Libp2p, PeerId } from '@libp2p/interface'
import type { RelaySelection, RoutingOptimizer } from '@dscs/routing-optimizer'
import { multiaddr, type Multiaddr } from '@multiformats/multiaddr'
import { WebError } from './errors.js'

/** Signed pings sent to each relay before the first choice: enough for the RTT filter to settle on a figure. */
const PROBES = 3
/** Bound on one dial or reservation attempt, not a timing: a relay that takes longer counts as failed. */
const ATTEMPT_BOUND_MS = 20_000
/** Wait before a new round when every relay failed recently, at least. */
const MIN_RETRY_MS = 1_000

/** One candidate relay as the page shows it: what was measured, its score, and whether the slot is held there. */
export interface RelayStatus {
  readonly peer: string
  readonly address: string
  /** Smoothed RTT measured by the routing optimizer's signed pings, ms; null before one answered. */
  readonly rttMs: number | null
  readonly score: number
  readonly reserved: boolean
}

/** libp2p as this module needs it: its transport manager, to listen on one chosen relay's circuit. */
type ListeningLibp2p = Libp2p & { readonly components: { readonly transportManager: { listen(addrs: Multiaddr[]): Promise<void> } } }

/**
 * Where a browser peer holds its circuit-relay slot: among the relays it was
 * given (an invite's list), it dials each, measures it with the routing
 * optimizer (signed pings: RTT, and failures into reliability), reserves at
 * the one the optimizer ranks best, and when that relay goes away or refuses,
 * at the next. Assembly only: the choice is the optimizer's `relaySelection`.
 */
export class RelayReservation {
  readonly #libp2p: ListeningLibp2p
  readonly #routing: RoutingOptimizer
  readonly #addresses: ReadonlyMap<string, Multiaddr>
  readonly #selection: RelaySelection
  readonly #onChange: (relay: string | undefined) => void
  #current: string | undefined
  #reserving: Promise<void> | undefined
  #retry: ReturnType<typeof setTimeout> | undefined
  #stopped = false

  constructor(libp2p: Libp2p, routing: RoutingOptimizer, addresses: readonly Multiaddr[], onChange: (relay: string | undefined) => void = () => {}) {
    this.#libp2p = libp2p as ListeningLibp2p
    this.#routing = routing
    this.#addresses = new Map(addresses.map((address) => [relayPeerOf(address), address]))
    this.#selection = routing.relaySelection([...this.#addresses.keys()])
    this.#onChange = onChange
    libp2p.addEventListener('peer:disconnect', (event) => this.#lost(event.detail))
  }

  /** The relay holding this peer's slot now, if any. */
  current(): string | undefined {
    return this.#current
  }

  /** Whether `peer` is one of the candidate relays. */
  isRelay(peer: string): boolean {
    return this.#addresses.has(peer)
  }

  /** Every candidate, best first as the optimizer ranks it now (those that failed recently last). */
  status(): RelayStatus[] {
    const ranked = this.#selection.order()
    const peers = [...ranked, ...[...this.#addresses.keys()].filter((peer) => !ranked.includes(peer))]
    return peers.map((peer) => {
      const score = this.#routing.score(peer)
      return { peer, address: this.#addresses.get(peer)!.toString(), rttMs: score.rttPredicted ? null : (score.rtt ?? null), score: score.score, reserved: peer === this.#current }
    })
  }

  /** Dials and measures every candidate, then reserves at the best; resolves once a slot is held (fails with `NO_RELAY` if none would). */
  async start(): Promise<void> {
    await Promise.all([...this.#addresses].map(([peer, address]) => this.#measure(peer, address)))
    await this.#reserve()
    if (this.#current === undefined) throw new WebError('NO_RELAY', `no relay would hold a reservation: ${[...this.#addresses.values()].join(', ')}`)
  }

  stop(): void {
    this.#stopped = true
    clearTimeout(this.#retry)
  }

  async #measure(peer: string, address: Multiaddr): Promise<void> {
    try {
      await this.#libp2p.dial(address, { signal: AbortSignal.timeout(ATTEMPT_BOUND_MS) })
    } catch {
      this.#selection.failed(peer)
      return
    }
    // A ping that times out already counts against the relay's reliability in the optimizer; one that could not be
    // sent (the relay's protocols not yet known) is tried again, within twice the probes.
    let answered = 0
    for (let i = 0; i < 2 * PROBES && answered < PROBES; i++) {
      if (await this.#routing.ping(peer).then(() => true, () => false)) answered++
    }
  }

  /** Tries the candidates best first until one holds the slot; with none, tries again once one may be retried. */
  #reserve(): Promise<void> {
    this.#reserving ??= this.#tryInOrder().finally(() => (this.#reserving = undefined))
    return this.#reserving
  }

  async #tryInOrder(): Promise<void> {
    for (const peer of this.#selection.order()) {
      if (this.#stopped) return
      try {
        await this.#listenAt(peer)
        this.#selection.reserved(peer)
        this.#current = peer
        this.#onChange(peer)
        return
      } catch {
        this.#selection.failed(peer)
      }
    }
    if (!this.#stopped) this.#retry = setTimeout(() => void this.#reserve(), Math.max(MIN_RETRY_MS, this.#selection.retryIn() ?? 0))
  }

  async #listenAt(peer: string): Promise<void> {
    const circuit = this.#addresses.get(peer)!.encapsulate('/p2p-circuit')
    // libp2p's public API listens only at start; its transport manager takes a relay's circuit address later.
    let timer: ReturnType<typeof setTimeout> | undefined
    const late = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new WebError('NO_RELAY', `no reservation at ${peer} in time`)), ATTEMPT_BOUND_MS)))
    try {
      await Promise.race([this.#libp2p.components.transportManager.listen([circuit]), late])
    } finally {
      clearTimeout(timer)
    }
  }

  #lost(peer: PeerId): void {
    if (this.#stopped || peer.toString() !== this.#current) return
    this.#selection.failed(this.#current)
    this.#current = undefined
    this.#onChange(undefined)
    void this.#reserve()
  }
}

/** A relay's address with `/p2p/<id>`, parsed; `BAD_RELAY_ADDRESS` otherwise. */
export function relayAddress(address: string): Multiaddr {
  try {
    const parsed = multiaddr(address)
    if (parsed.getComponents().some((c) => c.name === 'p2p')) return parsed
  } catch (err) {
    throw new WebError('BAD_RELAY_ADDRESS', `${address} is not a multiaddr`, { cause: err })
  }
  throw new WebError('BAD_RELAY_ADDRESS', `${address} does not name the relay with /p2p/<id>`)
}

function relayPeerOf(address: Multiaddr): string {
  return address.getComponents().findLast((c) => c.name === 'p2p')!.value!
}
