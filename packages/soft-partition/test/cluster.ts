// A SWIM cluster in the deterministic simulator of @dscs/netsim, each core run by the CoreDriver that runs it on libp2p.
import { identityFromSeed, type Identity } from '@dscs/identity'
import type { PeerRef } from '@dscs/interface'
import { CoreDriver } from '@dscs/net'
import { Simulation, type LinkProperties, type SimNode, type SimPeer } from '@dscs/netsim'
import { PROTOCOL_ID, SwimCore, type SwimEvent, type SwimOptions } from '@dscs/soft-partition'

export interface TimedEvent {
  readonly at: number
  readonly event: SwimEvent
}

/** One simulated member: its core, driven on the peer's Net, virtual clock and timers; every event it emits, with its time. */
export class SwimSimApp {
  readonly events: TimedEvent[] = []
  /** Called with every event as it is emitted. */
  readonly listeners: ((event: SwimEvent) => void)[] = []
  readonly core: SwimCore
  readonly #driver: CoreDriver<SwimEvent>

  /** `virtualNow` reads the simulation's time (ms since it started), which events are stamped with. */
  constructor(peer: SimPeer, identity: Identity, options: Partial<SwimOptions>, virtualNow: () => number) {
    // Every draw from the peer's seeded stream, so one seed gives one run.
    const randomBytes = (length: number): Uint8Array => new Uint8Array(length).map(() => peer.random.int(256))
    this.core = new SwimCore({ ...options, identity, self: peer.id, randomBytes })
    this.core.start(peer.clock.now())
    this.#driver = new CoreDriver({
      core: this.core,
      net: peer.net,
      clock: peer.clock,
      timers: peer.timers,
      protocols: [PROTOCOL_ID],
      onEvent: (event) => {
        this.events.push({ at: virtualNow(), event })
        for (const listener of this.listeners) listener(event)
      },
      onEffectError: () => undefined
    })
    this.#driver.start()
  }

  /** The events of `type` about `peer`. */
  about(type: SwimEvent['type'], peer: PeerRef): TimedEvent[] {
    return this.events.filter(({ event }) => event.type === type && 'peer' in event && event.peer === peer)
  }
}

export interface ClusterOptions {
  readonly seed: number
  readonly size: number
  readonly link?: Partial<LinkProperties>
  readonly swim?: Partial<SwimOptions>
  /** Options of single members, by index. */
  readonly overrides?: Readonly<Record<number, Partial<SwimOptions>>>
}

export function identityOf(index: number): Identity {
  const seed = new Uint8Array(32)
  new DataView(seed.buffer).setUint32(0, index + 1)
  return identityFromSeed(seed)
}

/** `size` members that know each other from the start (ids `peer-<index>`), fully connected. */
export function cluster(options: ClusterOptions) {
  const sim = new Simulation({ seed: options.seed, link: { latencyMs: 20, jitterMs: 10, ...options.link } })
  const identities = Array.from({ length: options.size }, (_, index) => identityOf(index))
  const members = identities.map((identity, index) => ({ peer: `peer-${index}`, publicKey: identity.publicKey }))
  // A restarted peer starts at an incarnation above any it announced: its restart time in virtual seconds.
  const nodes = sim.addPeers(
    options.size,
    (peer) => {
      const index = Number(peer.id.slice('peer-'.length))
      const incarnation = Math.floor(sim.now / 1_000)
      return new SwimSimApp(peer, identities[index]!, { members, incarnation, ...options.swim, ...options.overrides?.[index] }, () => sim.now)
    },
    { connect: 'all' }
  )
  /** A new member that knows no one and connects to `via` only, as a node started with a single join address. */
  const join = (via: SimNode<SwimSimApp>) => {
    const index = sim.nodes.length
    const identity = identityOf(index)
    const incarnation = Math.floor(sim.now / 1_000)
    const joiner = sim.addPeer((peer) => new SwimSimApp(peer, identity, { incarnation, ...options.swim }, () => sim.now), { id: `peer-${index}`, connect: 'none' })
    sim.connect(joiner, via)
    return joiner
  }
  return { sim, nodes, identities, join }
}
