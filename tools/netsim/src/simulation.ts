import type { DirectMessage, MessageVerdict, PeerEvent, PeerRef, ProtocolId, TopicMessage } from '@dscs/interface'
import { sha256 } from '@noble/hashes/sha2.js'
import { bytesToHex } from '@noble/hashes/utils.js'
import { NetsimError } from './errors.js'
import { EV_DIRECT, EV_PEER, EV_TASK, EV_TIMER, EV_TOPIC, SimEvent, type Timer } from './event.js'
import { DEFAULT_LINK, LinkState, checkLinkProperties, type LinkProperties } from './link.js'
import { PeerRuntime, PeerState, type Host, type SimNode, type SimPeer } from './peer.js'
import { Prng } from './prng.js'
import { EventQueue } from './queue.js'
import { createSettler, isThenable } from './settle.js'
import { TraceRecorder, type DropReason, type TraceEntry } from './trace.js'

/** A peer, by id or by the handle `addPeer`/`addPeers` returned. */
export type NodeRef = PeerRef | SimNode

/** Which directions a pairwise fault or link change applies to. */
export type Direction = 'one-way' | 'both-ways'

/** The code a peer is penalised with when a topic handler rejects a message it relayed. */
export const GOSSIP_REJECTED = 'GOSSIP_REJECTED'

export interface SimulationOptions {
  /** Seeds every random draw: the same seed and scenario give the same trace. Default 1. */
  readonly seed?: number
  /** Link properties for every link without an override; unset ones take {@link DEFAULT_LINK}. */
  readonly link?: Partial<LinkProperties>
  /** What `clock.now()` reads at virtual time 0, ms since the Unix epoch. Default 1_700_000_000_000. */
  readonly epochMs?: number
  /** Gossip message keys each peer remembers for deduplication; the oldest are forgotten first. Default 4096. */
  readonly seenCacheSize?: number
  /** 'hash' (default) keeps only the trace hash; 'entries' also keeps every event as a readable {@link TraceEntry}. */
  readonly trace?: 'hash' | 'entries'
  /**
   * Default bound on the events one `run` may process: a livelock fails fast
   * (about 1–3 s of wall time) instead of hanging a test. Default 1,000,000.
   */
  readonly maxEvents?: number
  /**
   * When the simulator lets application microtasks run. 'always' (default):
   * after every event that ran application code, so async work a callback
   * starts (awaited or not) finishes at that instant, before the next event,
   * as on a real event loop. 'promises': only after callbacks that return a
   * promise; faster for synchronous cores, but fire-and-forget async work
   * then continues at the next settle point.
   */
  readonly settle?: 'always' | 'promises'
}

export interface AddPeersOptions {
  /**
   * Topology for the new peers. 'all' (default): a connection to every peer
   * of the simulation (a full mesh; fine up to a few hundred peers). 'none':
   * no connections. `{ degree }`: among the new peers, a random ring plus
   * random chords, so the graph is connected and the mean degree ≈ `degree`.
   */
  readonly connect?: 'all' | 'none' | { readonly degree: number }
}

export interface AddPeerOptions extends AddPeersOptions {
  /** The peer id; default `peer-<index>`. */
  readonly id?: PeerRef
}

export interface RunOptions {
  /** Stop after the events at this virtual time (ms); the clock then reads `until`. Default: run until no events are left. */
  readonly until?: number
  /** The same as `until: now + duration`. */
  readonly duration?: number
  /** Give up with MAX_EVENTS after this many events (a livelock bound). Default: the simulation's `maxEvents`. */
  readonly maxEvents?: number
}

export interface RunResult {
  /** Events processed by this run. */
  readonly events: number
  /** Virtual time at the end. */
  readonly now: number
  /** True when no events are left. */
  readonly quiescent: boolean
}

/** Counters over the whole simulation. */
export interface SimulationStats {
  /** Events processed, every run together. */
  readonly events: number
  /** Direct messages handed to a link. */
  readonly sent: number
  /** Topic messages published. */
  readonly published: number
  /** Topic messages handed to a link: each publisher's first hop and every relay. */
  readonly topicSent: number
  /** Direct messages given to a handler. */
  readonly delivered: number
  /** Topic messages given to a topic handler. */
  readonly topicDelivered: number
  /** Extra copies the network made. */
  readonly duplicated: number
  /** Messages that reached no handler, by reason. */
  readonly dropped: Readonly<Record<DropReason, number>>
  readonly timersFired: number
  /** Topic messages a handler rejected. */
  readonly rejected: number
  readonly penalties: number
  readonly crashes: number
  readonly restarts: number
}

type MutableStats = { -readonly [K in keyof SimulationStats]: SimulationStats[K] } & { dropped: Record<DropReason, number> }

const DEFAULT_EPOCH_MS = 1_700_000_000_000
const DEFAULT_SEEN_CACHE = 4096
const DEFAULT_MAX_EVENTS = 1_000_000

/**
 * A deterministic network of virtual peers in one process: the `Net` port
 * for each, virtual time, seeded randomness, links with latency, jitter,
 * loss, duplication, reordering and bandwidth, hard and soft partitions,
 * crashes and restarts, floodsub-style gossip, and a trace whose hash is the
 * same for the same seed. See the package README for the model.
 */
export class Simulation {
  readonly seed: number
  readonly epochMs: number
  readonly #queue = new EventQueue<SimEvent>()
  readonly #peers: PeerState[] = []
  readonly #byId = new Map<PeerRef, PeerState>()
  /** Network draws: loss, jitter, duplication, reordering. */
  readonly #rng: Prng
  /** Topology draws, so building a topology does not shift the network's stream. */
  readonly #topologyRng: Prng
  readonly #trace: TraceRecorder
  readonly #stats: MutableStats
  readonly #host: Host
  readonly #settleAlways: boolean
  readonly #maxEvents: number
  readonly #penaltiesAgainst = new Map<PeerRef, number>()
  #defaults: LinkProperties
  #now = 0
  #messageNo = 0
  #running = false
  /** Application code ran since the last settle. */
  #appRan = false
  /** Application code returned a promise since the last settle. */
  #promised = false
  #failure: NetsimError | undefined

  constructor(options: SimulationOptions = {}) {
    this.seed = options.seed ?? 1
    this.epochMs = options.epochMs ?? DEFAULT_EPOCH_MS
    const seenCacheSize = options.seenCacheSize ?? DEFAULT_SEEN_CACHE
    if (!(Number.isInteger(seenCacheSize) && seenCacheSize > 0)) throw new NetsimError('INVALID_ARGUMENT', `seenCacheSize must be a positive integer, got ${seenCacheSize}`)
    this.#maxEvents = checkMaxEvents(options.maxEvents ?? DEFAULT_MAX_EVENTS)
    checkLinkProperties(options.link ?? {})
    this.#defaults = Object.freeze({ ...DEFAULT_LINK, ...options.link })
    this.#settleAlways = (options.settle ?? 'always') === 'always'
    this.#rng = new Prng(this.seed, 0)
    this.#topologyRng = new Prng(this.seed, 1)
    this.#trace = new TraceRecorder(options.trace === 'entries', (index) => this.#peers[index]!.id)
    this.#stats = {
      events: 0,
      sent: 0,
      published: 0,
      topicSent: 0,
      delivered: 0,
      topicDelivered: 0,
      duplicated: 0,
      dropped: { loss: 0, unreachable: 0, disconnected: 0, crashed: 0, 'no-handler': 0, seen: 0 },
      timersFired: 0,
      rejected: 0,
      penalties: 0,
      crashes: 0,
      restarts: 0
    }
    this.#host = {
      epochMs: this.epochMs,
      seed: this.seed,
      seenCacheSize,
      now: () => this.#now,
      byId: (id) => this.#byId.get(id),
      send: (from, to, protocol, bytes) => this.#send(from, to, protocol, bytes),
      publish: (from, topic, bytes) => this.#publish(from, topic, bytes),
      setTimer: (owner, delayMs, fn, periodMs) => this.#setTimer(owner, delayMs, fn, periodMs),
      penalise: (by, peer, code) => this.#penalise(by, peer, code)
    }
  }

  // ---------------------------------------------------------------- peers

  /** Virtual ms since the simulation started. */
  get now(): number {
    return this.#now
  }

  /** Every peer, in the order added. */
  get nodes(): readonly SimNode[] {
    return this.#peers
  }

  /** The peer with this id (or this handle); UNKNOWN_PEER if none. */
  node(ref: NodeRef): SimNode {
    return this.#resolve(ref)
  }

  /**
   * Adds one peer and starts it: `factory` builds its application now, and
   * again on every restart, from a fresh {@link SimPeer}.
   */
  addPeer<App>(factory: (peer: SimPeer) => App, options: AddPeerOptions = {}): SimNode<App> {
    const node = this.#createNode(factory, options.id)
    this.#start(node)
    this.#applyTopology([node], options.connect)
    return node
  }

  /** Adds `count` peers (ids `peer-<index>`), starts each, then connects them as `options.connect` says. */
  addPeers<App>(count: number, factory: (peer: SimPeer) => App, options: AddPeersOptions = {}): SimNode<App>[] {
    if (!(Number.isInteger(count) && count >= 0)) throw new NetsimError('INVALID_ARGUMENT', `peer count must be an integer ≥ 0, got ${count}`)
    const nodes: PeerState<App>[] = []
    for (let i = 0; i < count; i++) nodes.push(this.#createNode(factory, undefined))
    for (const node of nodes) this.#start(node)
    this.#applyTopology(nodes, options.connect)
    return nodes
  }

  // ------------------------------------------------------------- topology

  /**
   * Declares a connection between `a` and `b`. It opens (both get a
   * `connect` event) whenever both are running and at least one direction is
   * reachable, and closes (`disconnect`) when either crashes or neither
   * direction is reachable.
   */
  connect(a: NodeRef, b: NodeRef): void {
    const [x, y] = this.#pair(a, b)
    if (x.adjacent.has(y)) return
    x.adjacent.add(y)
    y.adjacent.add(x)
    this.#trace.record('fault', this.#now, x.index, y.index, -1, 'connect')
    this.#refresh(x, y)
  }

  /** Removes the connection between `a` and `b` from the topology (closing it if open). */
  disconnect(a: NodeRef, b: NodeRef): void {
    const [x, y] = this.#pair(a, b)
    if (!x.adjacent.has(y)) return
    x.adjacent.delete(y)
    y.adjacent.delete(x)
    this.#trace.record('fault', this.#now, x.index, y.index, -1, 'disconnect')
    this.#refresh(x, y)
  }

  /** Connects every pair among `refs` (default: every peer). */
  connectAll(refs: readonly NodeRef[] = this.#peers): void {
    const nodes = refs.map((r) => this.#resolve(r))
    for (let i = 0; i < nodes.length; i++) for (let j = i + 1; j < nodes.length; j++) this.connect(nodes[i]!, nodes[j]!)
  }

  /**
   * Connects `refs` as a random ring (so the graph is connected) plus random
   * chords: each peer dials ⌈(degree − 2) / 2⌉ more, for a mean degree ≈
   * `degree` (≥ 2). Drawn from the seed.
   */
  connectRandom(refs: readonly NodeRef[], degree: number): void {
    if (!(Number.isInteger(degree) && degree >= 2)) throw new NetsimError('INVALID_ARGUMENT', `degree must be an integer ≥ 2, got ${degree}`)
    const nodes = this.#topologyRng.shuffle(refs.map((r) => this.#resolve(r)))
    const n = nodes.length
    if (n <= degree + 1) return this.connectAll(nodes)
    for (let i = 0; i < n; i++) this.connect(nodes[i]!, nodes[(i + 1) % n]!)
    const extra = Math.ceil((degree - 2) / 2)
    for (const node of nodes) {
      for (let k = 0; k < extra; k++) {
        for (let attempt = 0; attempt < 8; attempt++) {
          const other = nodes[this.#topologyRng.int(n)]!
          if (other === node || node.adjacent.has(other)) continue
          this.connect(node, other)
          break
        }
      }
    }
  }

  /** True when `a` and `b` have an open connection. */
  isConnected(a: NodeRef, b: NodeRef): boolean {
    return this.#resolve(a).connected.has(this.#resolve(b))
  }

  /** True when messages from `from` can currently reach `to` (same partition group, direction not cut). */
  canReach(from: NodeRef, to: NodeRef): boolean {
    return this.#reaches(this.#resolve(from), this.#resolve(to))
  }

  // ----------------------------------------------------------------- links

  /** The link properties every link without an override has. */
  get defaultLink(): LinkProperties {
    return this.#defaults
  }

  /** Changes the defaults; links with overrides keep their overridden properties. */
  setDefaultLink(props: Partial<LinkProperties>): void {
    checkLinkProperties(props)
    this.#defaults = Object.freeze({ ...this.#defaults, ...props })
    for (const [key, value] of Object.entries(props)) this.#trace.record('fault', this.#now, -1, -1, -1, `default.${key}`, value)
    for (const peer of this.#peers) for (const link of peer.links.values()) link.resolve(this.#defaults)
  }

  /** Overrides properties of the link from `from` to `to` (and back, unless 'one-way'); other properties are kept. */
  setLink(from: NodeRef, to: NodeRef, props: Partial<LinkProperties>, direction: Direction = 'both-ways'): void {
    checkLinkProperties(props)
    for (const [x, y] of this.#directions(from, to, direction)) {
      const link = this.#link(x, y)
      link.override = { ...link.override, ...props }
      link.resolve(this.#defaults)
      for (const [key, value] of Object.entries(props)) this.#trace.record('fault', this.#now, x.index, y.index, -1, `link.${key}`, value)
    }
  }

  /** Drops the overrides of the link (both ways unless 'one-way'): it follows the defaults again. */
  resetLink(from: NodeRef, to: NodeRef, direction: Direction = 'both-ways'): void {
    for (const [x, y] of this.#directions(from, to, direction)) {
      const link = this.#link(x, y)
      link.override = undefined
      link.resolve(this.#defaults)
      this.#trace.record('fault', this.#now, x.index, y.index, -1, 'link.reset')
    }
  }

  /** The effective properties of the directed link `from` → `to`. */
  link(from: NodeRef, to: NodeRef): LinkProperties {
    const [x, y] = this.#pair(from, to)
    return x.links.get(y)?.props ?? this.#defaults
  }

  // ---------------------------------------------------------------- faults

  /**
   * A hard partition: peers reach each other only within their group; peers
   * in no group form one more group together. Replaces any earlier
   * partition. Connections across groups close.
   */
  partition(groups: readonly (readonly NodeRef[])[]): void {
    const assigned = new Map<PeerState, number>()
    groups.forEach((group, g) => {
      for (const ref of group) {
        const node = this.#resolve(ref)
        if (assigned.has(node)) throw new NetsimError('INVALID_ARGUMENT', `${node.id} is in two partition groups`)
        assigned.set(node, g + 1)
      }
    })
    this.#trace.record('fault', this.#now, -1, -1, -1, 'partition', groups.length)
    for (const node of this.#peers) {
      node.group = assigned.get(node) ?? 0
      if (node.group !== 0) this.#trace.record('fault', this.#now, node.index, -1, -1, 'partition.group', node.group)
    }
    this.#refreshAll()
  }

  /** Lifts the partition and every cut; link property overrides stay. */
  heal(): void {
    this.#trace.record('fault', this.#now, -1, -1, -1, 'heal')
    for (const node of this.#peers) {
      node.group = 0
      for (const link of node.links.values()) link.cut = false
    }
    this.#refreshAll()
  }

  /**
   * Makes the direction `from` → `to` (and back, unless 'one-way')
   * unusable. With one direction cut the connection stays open and messages
   * that way vanish (an asymmetric link); with both cut it closes.
   */
  cut(from: NodeRef, to: NodeRef, direction: Direction = 'both-ways'): void {
    this.#setCut(from, to, direction, true)
  }

  /** Undoes `cut`. */
  mend(from: NodeRef, to: NodeRef, direction: Direction = 'both-ways'): void {
    this.#setCut(from, to, direction, false)
  }

  /**
   * Crashes a peer: its application, handlers, subscriptions, listeners,
   * timers and seen-cache are gone, messages in flight to and from it are
   * lost, and its connections close. Its store survives.
   */
  crash(ref: NodeRef): void {
    const node = this.#resolve(ref)
    if (!node.alive) throw new NetsimError('INVALID_STATE', `${node.id} is already crashed`)
    node.alive = false
    node.runtime = undefined
    node.app = undefined
    this.#stats.crashes++
    this.#trace.record('fault', this.#now, node.index, -1, -1, 'crash')
    for (const other of node.adjacent) this.#refresh(node, other)
  }

  /** Restarts a crashed peer: same id, same store, a new incarnation built by its factory. */
  restart(ref: NodeRef): void {
    const node = this.#resolve(ref)
    if (node.alive) throw new NetsimError('INVALID_STATE', `${node.id} is running; crash it first`)
    node.incarnation++
    this.#stats.restarts++
    this.#trace.record('fault', this.#now, node.index, -1, -1, 'restart', node.incarnation)
    this.#start(node)
  }

  // ------------------------------------------------------------ scheduling

  /** Runs `fn` (a fault, a check, anything) at virtual time `time` ms. */
  at(time: number, fn: () => unknown): Timer {
    if (!Number.isFinite(time)) throw new NetsimError('INVALID_ARGUMENT', `time must be finite, got ${time}`)
    if (time < this.#now) throw new NetsimError('TIME_IN_PAST', `cannot schedule at ${time} ms: the simulation is at ${this.#now} ms`)
    const ev = new SimEvent(EV_TASK)
    ev.time = time
    ev.fn = fn
    this.#queue.push(ev)
    return ev
  }

  /** Runs `fn` after `delayMs` of virtual time. */
  after(delayMs: number, fn: () => unknown): Timer {
    if (!(delayMs >= 0)) throw new NetsimError('INVALID_ARGUMENT', `delay must be ≥ 0, got ${delayMs}`)
    return this.at(this.#now + delayMs, fn)
  }

  /** Events waiting in the queue (messages in flight, timers, notifications, tasks). */
  get pending(): number {
    return this.#queue.size
  }

  /**
   * Processes events in (time, sequence) order until none are left or the
   * next is after `until`, settling application microtasks between events
   * (see {@link SimulationOptions.settle}). Rejects with MAX_EVENTS past the
   * event bound, and with HANDLER_FAILED when application code threw.
   */
  async run(options: RunOptions = {}): Promise<RunResult> {
    if (this.#running) throw new NetsimError('ALREADY_RUNNING', 'the simulation is already running')
    const until = options.until ?? (options.duration === undefined ? Infinity : this.#now + options.duration)
    if (Number.isNaN(until) || until < this.#now) throw new NetsimError('TIME_IN_PAST', `cannot run until ${until} ms: the simulation is at ${this.#now} ms`)
    const maxEvents = checkMaxEvents(options.maxEvents ?? this.#maxEvents)
    this.#running = true
    const settler = createSettler()
    let processed = 0
    try {
      // Work started before the run (factories, set-up calls) settles at the current time first.
      await settler.settle()
      this.#appRan = this.#promised = false
      for (;;) {
        this.#throwIfFailed()
        const ev = this.#queue.peek()
        if (ev === undefined || ev.time > until) {
          // Nothing left before `until`: let pending application work finish, which may queue more.
          if (!this.#appRan) break
          this.#appRan = this.#promised = false
          await settler.settle()
          continue
        }
        if (processed >= maxEvents) {
          throw new NetsimError(
            'MAX_EVENTS',
            `stopped after ${processed} events at virtual time ${this.#now} ms with ${this.#queue.size} still queued: a livelock, or a run that needs a larger maxEvents or an earlier until`
          )
        }
        this.#queue.pop()
        processed++
        this.#now = ev.time
        this.#dispatch(ev)
        if (this.#promised || (this.#appRan && this.#settleAlways)) {
          this.#appRan = this.#promised = false
          await settler.settle()
        }
      }
      this.#throwIfFailed()
      if (until !== Infinity) this.#now = until
      return { events: processed, now: this.#now, quiescent: this.#queue.size === 0 }
    } finally {
      this.#stats.events += processed
      this.#running = false
      settler.close()
    }
  }

  // ---------------------------------------------------------- observation

  get stats(): SimulationStats {
    return this.#stats
  }

  /** SHA-256 (hex) of every trace record so far: equal for equal runs. */
  traceHash(): string {
    return this.#trace.hash()
  }

  /** Trace records so far. */
  get traceLength(): number {
    return this.#trace.count
  }

  /** Every trace record as a readable entry; needs `trace: 'entries'`. */
  get trace(): readonly TraceEntry[] {
    const entries = this.#trace.entries
    if (entries === undefined) throw new NetsimError('INVALID_STATE', "trace entries are kept only with new Simulation({ trace: 'entries' })")
    return entries
  }

  /** Penalties all peers together gave `peer`. */
  penaltiesAgainst(peer: NodeRef): number {
    return this.#penaltiesAgainst.get(typeof peer === 'string' ? peer : peer.id) ?? 0
  }

  // -------------------------------------------------------------- internal

  #createNode<App>(factory: (peer: SimPeer) => App, id: PeerRef | undefined): PeerState<App> {
    const index = this.#peers.length
    const peerId = id ?? `peer-${index}`
    if (typeof peerId !== 'string' || peerId.length === 0) throw new NetsimError('INVALID_ARGUMENT', 'a peer id must be a non-empty string')
    if (this.#byId.has(peerId)) throw new NetsimError('DUPLICATE_PEER', `a peer ${peerId} already exists`)
    const node = new PeerState(index, peerId, factory)
    this.#peers.push(node)
    this.#byId.set(peerId, node)
    this.#trace.record('fault', this.#now, index, -1, -1, 'add')
    return node
  }

  /** A new incarnation: the factory runs first, then its connections open. */
  #start(node: PeerState): void {
    node.alive = true
    const runtime = new PeerRuntime(node, this.#host)
    node.runtime = runtime
    this.#appRan = true
    try {
      node.app = node.factory(runtime)
    } catch (err) {
      node.alive = false
      node.runtime = undefined
      throw new NetsimError('HANDLER_FAILED', `the factory of ${node.id} failed: ${describe(err)}`, { cause: err })
    }
    for (const other of node.adjacent) this.#refresh(node, other)
  }

  #applyTopology(nodes: readonly PeerState[], connect: AddPeersOptions['connect'] = 'all'): void {
    if (connect === 'none') return
    if (connect === 'all') {
      for (const node of nodes) for (const other of this.#peers) if (other !== node) this.connect(node, other)
      return
    }
    this.connectRandom(nodes, connect.degree)
  }

  #resolve(ref: NodeRef): PeerState {
    const node = typeof ref === 'string' ? this.#byId.get(ref) : this.#peers[ref.index]
    if (node === undefined || (typeof ref !== 'string' && node !== ref)) {
      throw new NetsimError('UNKNOWN_PEER', `no peer ${typeof ref === 'string' ? ref : ref.id} in this simulation`)
    }
    return node
  }

  #pair(a: NodeRef, b: NodeRef): [PeerState, PeerState] {
    const x = this.#resolve(a)
    const y = this.#resolve(b)
    if (x === y) throw new NetsimError('INVALID_ARGUMENT', `a link needs two different peers, got ${x.id} twice`)
    return [x, y]
  }

  #directions(from: NodeRef, to: NodeRef, direction: Direction): [PeerState, PeerState][] {
    const [x, y] = this.#pair(from, to)
    if (direction !== 'one-way' && direction !== 'both-ways') throw new NetsimError('INVALID_ARGUMENT', `direction must be 'one-way' or 'both-ways', got ${String(direction)}`)
    return direction === 'one-way' ? [[x, y]] : [[x, y], [y, x]]
  }

  #link(from: PeerState, to: PeerState): LinkState {
    let link = from.links.get(to)
    if (link === undefined) {
      link = new LinkState(this.#defaults)
      from.links.set(to, link)
    }
    return link
  }

  #reaches(from: PeerState, to: PeerState): boolean {
    return from.group === to.group && from.links.get(to)?.cut !== true
  }

  #setCut(from: NodeRef, to: NodeRef, direction: Direction, cut: boolean): void {
    const pairs = this.#directions(from, to, direction)
    for (const [x, y] of pairs) {
      this.#link(x, y).cut = cut
      this.#trace.record('fault', this.#now, x.index, y.index, -1, cut ? 'cut' : 'mend')
    }
    this.#refresh(pairs[0]![0], pairs[0]![1])
  }

  /** Opens or closes the connection between a and b to match topology, liveness and reachability. */
  #refresh(a: PeerState, b: PeerState): void {
    const up = a.alive && b.alive && a.adjacent.has(b) && (this.#reaches(a, b) || this.#reaches(b, a))
    if (up === a.connected.has(b)) return
    if (up) {
      a.connected.add(b)
      b.connected.add(a)
      this.#openLink(a, b)
      this.#openLink(b, a)
    } else {
      a.connected.delete(b)
      b.connected.delete(a)
    }
    a.connectionsChanged()
    b.connectionsChanged()
    this.#trace.record('fault', this.#now, a.index, b.index, -1, up ? 'connection-open' : 'connection-close')
    if (a.alive) this.#queuePeerEvent(a, b, up)
    if (b.alive) this.#queuePeerEvent(b, a, up)
  }

  #refreshAll(): void {
    for (const node of this.#peers) for (const other of node.adjacent) if (other.index > node.index) this.#refresh(node, other)
  }

  /** A new connection: a new epoch (what was in flight on the old one is lost) and empty queues. */
  #openLink(from: PeerState, to: PeerState): void {
    const link = this.#link(from, to)
    link.epoch++
    link.busyUntil = this.#now
    link.lastArrival = this.#now
  }

  #queuePeerEvent(node: PeerState, about: PeerState, connect: boolean): void {
    const ev = new SimEvent(EV_PEER)
    ev.time = this.#now
    ev.dst = node
    ev.src = about
    ev.inc = node.incarnation
    ev.flag = connect
    this.#queue.push(ev)
  }

  #setTimer(owner: PeerState, delayMs: number, fn: () => unknown, periodMs: number): Timer {
    const ev = new SimEvent(EV_TIMER)
    ev.time = this.#now + delayMs
    ev.dst = owner
    ev.inc = owner.incarnation
    ev.fn = fn
    ev.period = periodMs
    this.#queue.push(ev)
    return ev
  }

  #send(from: PeerState, to: PeerState, protocol: ProtocolId, bytes: Uint8Array): void {
    const message = this.#messageNo++
    this.#stats.sent++
    this.#trace.record('send', this.#now, from.index, to.index, message, protocol)
    this.#transmit(EV_DIRECT, from, to, protocol, bytes.slice(), '', message)
  }

  #publish(from: PeerState, topic: string, bytes: Uint8Array): void {
    const copy = bytes.slice()
    // Content-addressed message id, as gossipsub with a hash msgId function: identical bytes on a topic are one message.
    const key = `${topic}\n${bytesToHex(sha256(copy))}`
    const message = this.#messageNo++
    this.#stats.published++
    this.#trace.record('publish', this.#now, from.index, -1, message, topic)
    from.runtime!.seen.add(key)
    this.#forward(from, undefined, topic, copy, key, message)
  }

  /** Floods a topic message to every connected subscriber except the peer it came from. */
  #forward(node: PeerState, except: PeerState | undefined, topic: string, bytes: Uint8Array, key: string, message: number): void {
    for (const next of node.connected) {
      if (next === except || next.runtime?.subscriptions?.has(topic) !== true) continue
      this.#stats.topicSent++
      this.#trace.record('relay', this.#now, node.index, next.index, message, topic)
      this.#transmit(EV_TOPIC, node, next, topic, bytes, key, message)
    }
  }

  /** Puts one message on the link `from` → `to`: bandwidth queue, loss, latency, jitter, reordering, duplication. */
  #transmit(kind: number, from: PeerState, to: PeerState, name: string, bytes: Uint8Array, key: string, message: number): void {
    const link = this.#link(from, to)
    if (link.cut || from.group !== to.group) {
      this.#drop('unreachable', to, from, message)
      return
    }
    const p = link.props
    const now = this.#now
    let leaves = now
    if (p.bandwidth !== Infinity) {
      leaves = (link.busyUntil > now ? link.busyUntil : now) + (bytes.length * 1000) / p.bandwidth
      link.busyUntil = leaves
    }
    const rng = this.#rng
    if (p.loss > 0 && rng.float() < p.loss) {
      this.#drop('loss', to, from, message)
      return
    }
    let arrival = leaves + p.latencyMs
    if (p.jitterMs > 0) arrival += rng.float() * p.jitterMs
    if (p.reorder > 0 && rng.float() < p.reorder) {
      // Held back: later messages may overtake it.
      arrival += rng.float() * p.reorderDelayMs
    } else {
      // In order: never before the previous in-order message on this link.
      if (arrival < link.lastArrival) arrival = link.lastArrival
      link.lastArrival = arrival
    }
    this.#queueMessage(kind, from, to, name, bytes, key, message, arrival, link.epoch, false)
    if (p.duplicate > 0 && rng.float() < p.duplicate) {
      this.#stats.duplicated++
      this.#trace.record('duplicate', now, to.index, from.index, message)
      this.#queueMessage(kind, from, to, name, kind === EV_DIRECT ? bytes.slice() : bytes, key, message, arrival, link.epoch, true)
    }
  }

  #queueMessage(
    kind: number,
    from: PeerState,
    to: PeerState,
    name: string,
    bytes: Uint8Array,
    key: string,
    message: number,
    time: number,
    epoch: number,
    copy: boolean
  ): void {
    const ev = new SimEvent(kind)
    ev.time = time
    ev.src = from
    ev.dst = to
    ev.inc = to.incarnation
    ev.epoch = epoch
    ev.name = name
    ev.bytes = bytes
    ev.key = key
    ev.message = message
    ev.flag = copy
    this.#queue.push(ev)
  }

  #drop(reason: DropReason, to: PeerState, from: PeerState, message: number): void {
    this.#stats.dropped[reason]++
    this.#trace.record('drop', this.#now, to.index, from.index, message, reason)
  }

  #dispatch(ev: SimEvent): void {
    switch (ev.kind) {
      case EV_DIRECT:
        return this.#deliverDirect(ev)
      case EV_TOPIC:
        return this.#deliverTopic(ev)
      case EV_TIMER:
        return this.#fireTimer(ev)
      case EV_PEER:
        return this.#notifyPeer(ev)
      default:
        return this.#runTask(ev)
    }
  }

  /** True when a message in flight still arrives: receiver up, same connection, direction usable. */
  #arrives(ev: SimEvent): boolean {
    const from = ev.src!
    const to = ev.dst!
    if (!to.alive || to.incarnation !== ev.inc) {
      this.#drop('crashed', to, from, ev.message)
      return false
    }
    const link = from.links.get(to)!
    if (!to.connected.has(from) || link.epoch !== ev.epoch) {
      this.#drop('disconnected', to, from, ev.message)
      return false
    }
    if (link.cut || from.group !== to.group) {
      this.#drop('unreachable', to, from, ev.message)
      return false
    }
    return true
  }

  #deliverDirect(ev: SimEvent): void {
    if (!this.#arrives(ev)) return
    const to = ev.dst!
    const from = ev.src!
    const runtime = to.runtime!
    const handler = runtime.handlers?.get(ev.name as ProtocolId)
    if (handler === undefined) return this.#drop('no-handler', to, from, ev.message)
    this.#stats.delivered++
    this.#trace.record('deliver', this.#now, to.index, from.index, ev.message, ev.flag ? 'copy' : undefined)
    const message: DirectMessage = { from: from.id, protocol: ev.name as ProtocolId, bytes: ev.bytes! }
    this.#call(runtime, 'handler for', ev.name, handler, message)
  }

  #deliverTopic(ev: SimEvent): void {
    if (!this.#arrives(ev)) return
    const to = ev.dst!
    const from = ev.src!
    const runtime = to.runtime!
    const handler = runtime.subscriptions?.get(ev.name)
    if (handler === undefined) return this.#drop('no-handler', to, from, ev.message)
    const seen = runtime.seen
    if (seen.has(ev.key)) return this.#drop('seen', to, from, ev.message)
    seen.add(ev.key)
    this.#stats.topicDelivered++
    this.#trace.record('deliver-topic', this.#now, to.index, from.index, ev.message, ev.flag ? 'copy' : undefined)
    const message: TopicMessage = { from: from.id, topic: ev.name, bytes: ev.bytes!.slice() }
    this.#appRan = true
    let verdict: MessageVerdict | Promise<MessageVerdict>
    try {
      verdict = handler(message)
    } catch (err) {
      return this.#fail(runtime, 'topic handler for', ev.name, err)
    }
    if (isThenable(verdict)) {
      this.#promised = true
      verdict.then(
        (v) => this.#applyVerdict(runtime, ev, v),
        (err: unknown) => this.#fail(runtime, 'topic handler for', ev.name, err)
      )
    } else {
      this.#applyVerdict(runtime, ev, verdict)
    }
  }

  /** accept: relay on; ignore: drop quietly; reject: drop and penalise the relaying peer. */
  #applyVerdict(runtime: PeerRuntime, ev: SimEvent, verdict: unknown): void {
    if (!runtime.alive) return
    const to = ev.dst!
    const from = ev.src!
    if (verdict !== 'accept' && verdict !== 'ignore' && verdict !== 'reject') {
      const err = new NetsimError('INVALID_ARGUMENT', `verdict must be accept, ignore or reject, got ${String(verdict)}`)
      return this.#fail(runtime, 'topic handler for', ev.name, err)
    }
    this.#trace.record('verdict', this.#now, to.index, from.index, ev.message, verdict)
    if (verdict === 'accept') {
      this.#forward(to, from, ev.name, ev.bytes!, ev.key, ev.message)
    } else if (verdict === 'reject') {
      this.#stats.rejected++
      this.#penalise(to, from.id, GOSSIP_REJECTED)
    }
  }

  #fireTimer(ev: SimEvent): void {
    const owner = ev.dst!
    if (ev.cancelled || !owner.alive || owner.incarnation !== ev.inc) return
    const runtime = owner.runtime!
    this.#stats.timersFired++
    this.#trace.record('timer', this.#now, owner.index, -1, -1)
    this.#call(runtime, 'timer', '', ev.fn!, undefined)
    if (ev.period > 0 && !ev.cancelled && runtime.alive) {
      ev.time = this.#now + ev.period
      this.#queue.push(ev)
    }
  }

  #notifyPeer(ev: SimEvent): void {
    const node = ev.dst!
    if (!node.alive || node.incarnation !== ev.inc) return
    const about = ev.src!
    this.#trace.record('peer-event', this.#now, node.index, about.index, -1, ev.flag ? 'connect' : 'disconnect')
    const listeners = node.runtime!.listeners
    if (listeners === undefined || listeners.length === 0) return
    const event: PeerEvent = { type: ev.flag ? 'connect' : 'disconnect', peer: about.id }
    for (const listener of listeners.slice()) this.#call(node.runtime, 'peer listener', '', listener, event)
  }

  #runTask(ev: SimEvent): void {
    if (ev.cancelled) return
    this.#trace.record('task', this.#now, -1, -1, -1)
    this.#call(undefined, 'task scheduled at', `${ev.time} ms`, ev.fn!, undefined)
  }

  /** Runs application code; a throw or rejection fails the run (unless its incarnation has crashed since). */
  #call<A>(runtime: PeerRuntime | undefined, what: string, name: string, fn: (arg: A) => unknown, arg: A): void {
    this.#appRan = true
    let result: unknown
    try {
      result = fn(arg)
    } catch (err) {
      return this.#fail(runtime, what, name, err)
    }
    if (isThenable(result)) {
      this.#promised = true
      result.then(undefined, (err: unknown) => this.#fail(runtime, what, name, err))
    }
  }

  #fail(runtime: PeerRuntime | undefined, what: string, name: string, err: unknown): void {
    if (runtime !== undefined && !runtime.alive) return // a crashed incarnation's leftovers
    if (this.#failure !== undefined) return
    this.#failure =
      err instanceof NetsimError && err.code === 'HANDLER_FAILED'
        ? err
        : new NetsimError('HANDLER_FAILED', `${name === '' ? what : `${what} ${name}`} of ${runtime?.id ?? 'the scenario'} failed at ${this.#now} ms: ${describe(err)}`, { cause: err })
  }

  #throwIfFailed(): void {
    const failure = this.#failure
    if (failure === undefined) return
    this.#failure = undefined
    throw failure
  }

  #penalise(by: PeerState, peer: PeerRef, code: string): void {
    by.addPenalty(peer, code)
    this.#penaltiesAgainst.set(peer, (this.#penaltiesAgainst.get(peer) ?? 0) + 1)
    this.#stats.penalties++
    this.#trace.record('penalty', this.#now, by.index, this.#byId.get(peer)?.index ?? -1, -1, code)
  }
}

function checkMaxEvents(n: number): number {
  if (!(Number.isInteger(n) && n > 0)) throw new NetsimError('INVALID_ARGUMENT', `maxEvents must be a positive integer, got ${n}`)
  return n
}

function describe(err: unknown): string {
  return err instanceof Error ? err.message : String(err)
}
