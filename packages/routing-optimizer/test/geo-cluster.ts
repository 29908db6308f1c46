// Routing-optimizer cores on a geographic network in the deterministic simulator of @dscs/netsim, each run by the
// CoreDriver that runs it on libp2p. Shared by the simulation tests and the benchmarks (which run it on the built packages).
import { identityFromSeed, type Identity } from '@dscs/identity'
import type { PeerRef } from '@dscs/interface'
import { CoreDriver } from '@dscs/net'
import { GeographicLatency, Prng, Simulation, type SimNode, type SimPeer } from '@dscs/netsim'
import { PROTOCOL_ID, CAPACITY_TOPIC, RoutingOptimizerCore, type RoutingOptimizerCoreOptions, type RoutingOptimizerEvent } from '@dscs/routing-optimizer'

export type RoutingOptions = Partial<Omit<RoutingOptimizerCoreOptions, 'identity' | 'randomBytes' | 'peerOfKey' | 'self'>>

/** One simulated node: the core, driven on the peer's Net, virtual clock and timers. */
export class RoutingSimApp {
  readonly events: RoutingOptimizerEvent[] = []
  readonly core: RoutingOptimizerCore
  readonly #driver: CoreDriver<RoutingOptimizerEvent>
  readonly #clock: { now(): number }

  constructor(peer: SimPeer, identity: Identity, peerOfKey: (key: Uint8Array) => PeerRef | undefined, options: RoutingOptions) {
    // Every draw from the peer's seeded stream, so one seed gives one run.
    const randomBytes = (length: number): Uint8Array => new Uint8Array(length).map(() => peer.random.int(256))
    this.core = new RoutingOptimizerCore({ ...options, identity, self: peer.id, peerOfKey, randomBytes, random: () => peer.random.float() })
    this.#driver = new CoreDriver({
      core: this.core,
      net: peer.net,
      clock: peer.clock,
      timers: peer.timers,
      protocols: [PROTOCOL_ID],
      topics: [CAPACITY_TOPIC],
      onEvent: (event) => this.events.push(event),
      // A lost ping is what probing expects: it times out and counts against reliability.
      onEffectError: () => undefined
    })
    this.#driver.start()
    this.#driver.apply(this.core.start(peer.clock.now()))
    this.#clock = peer.clock
  }

  /** Pings `peer` now; the pong (or timeout) lands in the table. */
  ping(peer: PeerRef): void {
    this.#driver.apply(this.core.ping(peer, this.#clock.now()).effects)
  }
}

export interface GeoClusterOptions {
  readonly seed: number
  readonly size: number
  /** Mean degree of the random topology; 'all' for a full mesh; 'none' to connect later. */
  readonly degree: number | 'all' | 'none'
  /** Extra delay per message, uniform in [0, jitterMs). Default 2. */
  readonly jitterMs?: number
  /** Options of every node's core, or of node `index`. */
  readonly routing?: RoutingOptions | ((index: number) => RoutingOptions)
  /**
   * Share of nodes `factor` times slower, drawn from the seed: on `access`, only their access delay is multiplied; on
   * `links`, the whole one-way delay of every link they are an end of (a link is as slow as its slower end).
   */
  readonly slow?: { readonly share: number; readonly factor: number; readonly on: 'access' | 'links' }
}

export interface GeoCluster {
  readonly sim: Simulation
  readonly nodes: SimNode<RoutingSimApp>[]
  readonly geo: GeographicLatency
  /** Indices of the slow nodes. */
  readonly slow: ReadonlySet<number>
  /** One-way delay from node `i` to node `j` in this cluster, ms: the model's, slow nodes slowed. */
  readonly oneWayMs: (i: number, j: number) => number
  /** Opens a connection between nodes `i` and `j` with the model's delay on it. */
  readonly connect: (i: number, j: number) => void
}

export function identityOf(index: number): Identity {
  const seed = new Uint8Array(32)
  new DataView(seed.buffer).setUint32(0, index + 1)
  return identityFromSeed(seed)
}

export const indexOf = (peer: PeerRef): number => Number(peer.slice('peer-'.length))

/** `size` nodes placed on the globe (ids `peer-<index>`), each link's latency from the geographic model. */
export function geoCluster(options: GeoClusterOptions): GeoCluster {
  const rng = new Prng(options.seed, 1)
  const geo = new GeographicLatency(options.size, rng)
  const slow = new Set<number>()
  if (options.slow !== undefined) {
    const order = rng.shuffle(Array.from({ length: options.size }, (_, i) => i))
    for (const i of order.slice(0, Math.round(options.slow.share * options.size))) {
      slow.add(i)
      if (options.slow.on === 'access') geo.slowDown(i, options.slow.factor)
    }
  }
  const linkFactor = options.slow?.on === 'links' ? options.slow.factor : 1
  const oneWayMs = (i: number, j: number): number => geo.oneWayMs(i, j) * (slow.has(i) || slow.has(j) ? linkFactor : 1)
  const sim = new Simulation({ seed: options.seed, link: { jitterMs: options.jitterMs ?? 2 } })
  const identities = Array.from({ length: options.size }, (_, index) => identityOf(index))
  const byKey = new Map(identities.map((identity, index) => [hex(identity.publicKey), `peer-${index}`]))
  const peerOfKey = (key: Uint8Array): PeerRef | undefined => byKey.get(hex(key))
  const routing = options.routing ?? {}
  const nodes = sim.addPeers(
    options.size,
    (peer) => {
      const index = indexOf(peer.id)
      return new RoutingSimApp(peer, identities[index]!, peerOfKey, typeof routing === 'function' ? routing(index) : routing)
    },
    { connect: 'none' }
  )
  const connect = (i: number, j: number): void => {
    sim.setLink(nodes[i]!, nodes[j]!, { latencyMs: oneWayMs(i, j) })
    sim.connect(nodes[i]!, nodes[j]!)
  }
  if (options.degree === 'all') {
    for (let i = 0; i < options.size; i++) for (let j = i + 1; j < options.size; j++) connect(i, j)
  } else if (options.degree !== 'none') {
    sim.connectRandom(nodes, options.degree)
    for (const node of nodes) for (const other of node.connections()) sim.setLink(node, other, { latencyMs: oneWayMs(indexOf(node.id), indexOf(other)) })
  }
  return { sim, nodes, geo, slow, oneWayMs, connect }
}

function hex(bytes: Uint8Array): string {
  return Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join('')
}

/** The median of `values` (the lower middle one for an even count). */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.floor((sorted.length - 1) / 2)] ?? NaN
}

/** The `q`-quantile of `values`, 0 ≤ q ≤ 1 (nearest rank). */
export function quantile(values: readonly number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] ?? NaN
}
