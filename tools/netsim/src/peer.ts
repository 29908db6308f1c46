import { joinBytes } from '@dscs/interface'
import type {
  Clock,
  DirectHandler,
  MessageBytes,
  Net,
  PeerEvent,
  PeerRef,
  ProtocolId,
  Store,
  TopicHandler,
  Unsubscribe
} from '@dscs/interface'
import { MemoryStore } from '@dscs/store'
import { NetsimError } from './errors.js'
import type { Timer } from './event.js'
import type { LinkState } from './link.js'
import { Prng } from './prng.js'

/**
 * What a peer's application gets, once per incarnation: the `Net` port, a
 * clock on virtual time, its persistent store, its own random stream and
 * timers. After a crash every one of these goes inert: the old application
 * can no longer send, receive or schedule anything.
 */
export interface SimPeer {
  readonly id: PeerRef
  /** 0 for the first start, +1 on each restart. */
  readonly incarnation: number
  readonly net: Net
  /** Virtual time as ms since the Unix epoch: the simulation's `epochMs` + its virtual time. */
  readonly clock: Clock
  /** A MemoryStore that survives crashes: what the peer would have on disk. */
  readonly store: Store
  /** This peer's own seeded stream (seed, peer, incarnation), independent of the network's draws. */
  readonly random: Prng
  /** False once this incarnation has crashed. */
  readonly alive: boolean
  /** Runs `fn` after `delayMs` of virtual time (≥ 0), unless cancelled or the peer crashes first. */
  setTimer(delayMs: number, fn: () => unknown): Timer
  /** Runs `fn` every `periodMs` (> 0) of virtual time, first after one period, until cancelled or a crash. */
  setInterval(periodMs: number, fn: () => unknown): Timer
  /** The same timers in the `Timers` shape of `@dscs/net`'s CoreDriver, so a core runs here as on libp2p. */
  readonly timers: { schedule(fn: () => void, ms: number): () => void }
}

/** A peer as the scenario sees it, across crashes and restarts. */
export interface SimNode<App = unknown> {
  readonly id: PeerRef
  /** Position in `Simulation.nodes`. */
  readonly index: number
  readonly alive: boolean
  readonly incarnation: number
  /** The running application, or undefined while crashed. */
  readonly app: App | undefined
  /** The running incarnation's SimPeer, or undefined while crashed. */
  readonly peer: SimPeer | undefined
  /** The persistent store, kept across crashes. */
  readonly store: MemoryStore
  /** Penalties this peer gave, by penalised peer and code (counts); kept across crashes as the scenario's record. */
  readonly penalties: ReadonlyMap<PeerRef, ReadonlyMap<string, number>>
  /** Peers with an open connection to this one (what `net.peers()` returns). */
  connections(): readonly PeerRef[]
}

/** The simulator as a peer's runtime sees it. */
export interface Host {
  readonly epochMs: number
  readonly seed: number
  readonly seenCacheSize: number
  now(): number
  byId(id: PeerRef): PeerState | undefined
  send(from: PeerState, to: PeerState, protocol: ProtocolId, bytes: Uint8Array): void
  publish(from: PeerState, topic: string, bytes: Uint8Array): void
  setTimer(owner: PeerState, delayMs: number, fn: () => unknown, periodMs: number): Timer
  penalise(by: PeerState, peer: PeerRef, code: string): void
}

const EMPTY_PENALTIES: ReadonlyMap<PeerRef, ReadonlyMap<string, number>> = new Map()
const DONE: Promise<void> = Promise.resolve()
const NOOP: Unsubscribe = () => {}
const INERT_TIMER: Timer = { cancel: NOOP }

/** A peer's persistent state in the simulator: identity, topology, links, store. */
export class PeerState<App = unknown> implements SimNode<App> {
  readonly index: number
  readonly id: PeerRef
  readonly factory: (peer: SimPeer) => App
  alive = false
  incarnation = 0
  /** Hard-partition group; peers reach each other only within a group. */
  group = 0
  runtime: PeerRuntime | undefined = undefined
  app: App | undefined = undefined
  /** Declared topology: peers this one has a connection with when the network allows. */
  readonly adjacent = new Set<PeerState>()
  /** Connections currently open. */
  readonly connected = new Set<PeerState>()
  /** Outgoing directed links, created on first use. */
  readonly links = new Map<PeerState, LinkState>()
  #store: MemoryStore | undefined
  #penalties: Map<PeerRef, Map<string, number>> | undefined
  #peerIds: readonly PeerRef[] | undefined

  constructor(index: number, id: PeerRef, factory: (peer: SimPeer) => App) {
    this.index = index
    this.id = id
    this.factory = factory
  }

  get peer(): SimPeer | undefined {
    return this.runtime
  }

  get store(): MemoryStore {
    return (this.#store ??= new MemoryStore())
  }

  get penalties(): ReadonlyMap<PeerRef, ReadonlyMap<string, number>> {
    return this.#penalties ?? EMPTY_PENALTIES
  }

  connections(): readonly PeerRef[] {
    return (this.#peerIds ??= Object.freeze([...this.connected].map((p) => p.id)))
  }

  connectionsChanged(): void {
    this.#peerIds = undefined
  }

  addPenalty(peer: PeerRef, code: string): void {
    const byPeer = (this.#penalties ??= new Map<PeerRef, Map<string, number>>())
    let codes = byPeer.get(peer)
    if (codes === undefined) byPeer.set(peer, (codes = new Map<string, number>()))
    codes.set(code, (codes.get(code) ?? 0) + 1)
  }
}

/** A bounded set of recently seen gossip message keys, oldest evicted first. */
export class SeenCache {
  readonly #set = new Set<string>()
  readonly #ring: string[] = []
  readonly #capacity: number
  #next = 0

  constructor(capacity: number) {
    this.#capacity = capacity
  }

  get size(): number {
    return this.#set.size
  }

  has(key: string): boolean {
    return this.#set.has(key)
  }

  add(key: string): void {
    if (this.#set.has(key)) return
    if (this.#ring.length < this.#capacity) {
      this.#ring.push(key)
    } else {
      this.#set.delete(this.#ring[this.#next]!)
      this.#ring[this.#next] = key
      this.#next = (this.#next + 1) % this.#capacity
    }
    this.#set.add(key)
  }
}

/** One incarnation of a peer: its handlers, subscriptions, listeners and seen-cache, all lost on a crash. */
export class PeerRuntime implements SimPeer {
  readonly node: PeerState
  readonly host: Host
  readonly incarnation: number
  readonly net: SimNet
  readonly clock: Clock
  handlers: Map<ProtocolId, DirectHandler> | undefined = undefined
  subscriptions: Map<string, TopicHandler> | undefined = undefined
  listeners: ((event: PeerEvent) => void)[] | undefined = undefined
  #seen: SeenCache | undefined
  #random: Prng | undefined

  constructor(node: PeerState, host: Host) {
    this.node = node
    this.host = host
    this.incarnation = node.incarnation
    this.net = new SimNet(this)
    this.clock = new SimClock(host)
  }

  get id(): PeerRef {
    return this.node.id
  }

  get alive(): boolean {
    return this.node.runtime === this
  }

  get store(): Store {
    return this.node.store
  }

  get random(): Prng {
    return (this.#random ??= new Prng(this.host.seed, 0x5eed, this.node.index, this.incarnation))
  }

  readonly timers = {
    schedule: (fn: () => void, ms: number): (() => void) => {
      const timer = this.setTimer(ms, fn)
      return () => timer.cancel()
    }
  }

  get seen(): SeenCache {
    return (this.#seen ??= new SeenCache(this.host.seenCacheSize))
  }

  setTimer(delayMs: number, fn: () => unknown): Timer {
    if (!(delayMs >= 0 && Number.isFinite(delayMs))) throw new NetsimError('INVALID_ARGUMENT', `timer delay must be a finite number ≥ 0, got ${delayMs}`)
    return this.alive ? this.host.setTimer(this.node, delayMs, fn, 0) : INERT_TIMER
  }

  setInterval(periodMs: number, fn: () => unknown): Timer {
    if (!(periodMs > 0 && Number.isFinite(periodMs))) throw new NetsimError('INVALID_ARGUMENT', `interval period must be a finite number > 0, got ${periodMs}`)
    return this.alive ? this.host.setTimer(this.node, periodMs, fn, periodMs) : INERT_TIMER
  }
}

class SimClock implements Clock {
  readonly #host: Host

  constructor(host: Host) {
    this.#host = host
  }

  now(): number {
    return this.#host.epochMs + this.#host.now()
  }
}

/**
 * The `Net` port of one incarnation. Sends and publishes are queued on the
 * simulator and delivered by later events, never inside the call. After the
 * incarnation crashes, every method is a quiet no-op, as a dead process's
 * leftover code would achieve nothing.
 */
export class SimNet implements Net {
  readonly #rt: PeerRuntime

  constructor(runtime: PeerRuntime) {
    this.#rt = runtime
  }

  get self(): PeerRef {
    return this.#rt.node.id
  }

  peers(): readonly PeerRef[] {
    return this.#rt.alive ? this.#rt.node.connections() : []
  }

  send(to: PeerRef, protocol: ProtocolId, bytes: MessageBytes): Promise<void> {
    const rt = this.#rt
    if (!rt.alive) return DONE
    const target = rt.host.byId(to)
    if (target === undefined || !rt.node.connected.has(target)) {
      return Promise.reject(new NetsimError('NOT_CONNECTED', `${rt.node.id} has no connection to ${to}`))
    }
    rt.host.send(rt.node, target, protocol, joinBytes(bytes))
    return DONE
  }

  /** Budgets are not simulated: links already bound what a peer can send. */
  handle(protocol: ProtocolId, handler: DirectHandler): Unsubscribe {
    const rt = this.#rt
    if (!rt.alive) return NOOP
    const handlers = (rt.handlers ??= new Map())
    if (handlers.has(protocol)) throw new NetsimError('HANDLER_EXISTS', `${rt.node.id} already handles ${protocol}`)
    handlers.set(protocol, handler)
    return () => {
      if (handlers.get(protocol) === handler) handlers.delete(protocol)
    }
  }

  publish(topic: string, bytes: Uint8Array): Promise<void> {
    const rt = this.#rt
    if (rt.alive) rt.host.publish(rt.node, topic, bytes)
    return DONE
  }

  subscribe(topic: string, handler: TopicHandler): Unsubscribe {
    const rt = this.#rt
    if (!rt.alive) return NOOP
    const subscriptions = (rt.subscriptions ??= new Map())
    // One handler per topic, as one validator per topic in gossipsub.
    if (subscriptions.has(topic)) throw new NetsimError('HANDLER_EXISTS', `${rt.node.id} already subscribes to ${topic}`)
    subscriptions.set(topic, handler)
    return () => {
      if (subscriptions.get(topic) === handler) subscriptions.delete(topic)
    }
  }

  onPeer(listener: (event: PeerEvent) => void): Unsubscribe {
    const rt = this.#rt
    if (!rt.alive) return NOOP
    const listeners = (rt.listeners ??= [])
    listeners.push(listener)
    return () => {
      const i = listeners.indexOf(listener)
      if (i >= 0) listeners.splice(i, 1)
    }
  }

  penalise(peer: PeerRef, code: string): void {
    const rt = this.#rt
    if (rt.alive) rt.host.penalise(rt.node, peer, code)
  }
}
