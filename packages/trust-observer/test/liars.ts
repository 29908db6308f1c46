// Lying observers, for tests only: honest observer services, wired to lie.
import type { DirectHandler, Net, PeerEvent, PeerRef, ProtocolId, TopicHandler, Unsubscribe } from '@dscs/interface'
import type { SimPeer } from '@dscs/netsim'
import { MemoryStore } from '@dscs/store'
import { ObserverService, PROTOCOL_ID, decodeObserverMessage, type MerkleLog, type TreeState } from '../src/index.js'
import { OBSERVER, T0 } from './fixtures.js'
import { components } from './sim-apps.js'

/** One branch of a forking observer: it hears what the liar routes to it, and speaks to its own group only. */
class BranchNet implements Net {
  readonly self: PeerRef
  readonly #inner: Net
  readonly #speaksTo: (peer: PeerRef) => boolean
  readonly #mayPublish: () => boolean
  handler: DirectHandler | undefined

  constructor(inner: Net, speaksTo: (peer: PeerRef) => boolean, mayPublish: () => boolean) {
    this.#inner = inner
    this.self = inner.self
    this.#speaksTo = speaksTo
    this.#mayPublish = mayPublish
  }

  peers(): readonly PeerRef[] {
    return this.#inner.peers()
  }

  send(to: PeerRef, protocol: ProtocolId, bytes: Uint8Array | readonly Uint8Array[]): Promise<void> {
    return this.#speaksTo(to) ? this.#inner.send(to, protocol, bytes) : Promise.resolve()
  }

  handle(_protocol: ProtocolId, handler: DirectHandler): Unsubscribe {
    this.handler = handler
    return () => (this.handler = undefined)
  }

  publish(topic: string, bytes: Uint8Array): Promise<void> {
    return this.#mayPublish() ? this.#inner.publish(topic, bytes) : Promise.resolve()
  }

  subscribe(_topic: string, _handler: TopicHandler): Unsubscribe {
    return () => {}
  }

  onPeer(listener: (event: PeerEvent) => void): Unsubscribe {
    return this.#inner.onPeer(listener)
  }

  penalise(peer: PeerRef, code: string): void {
    this.#inner.penalise(peer, code)
  }
}

/**
 * An observer that forks its log at `forkAt` (virtual ms; the simulation's epoch is T0): until then both
 * branches take every submission and agree; after it, the peers of `groupA`
 * are served one branch and every other peer the other, each branch taking
 * only its own group's submissions. It stops publishing heads on its topic at
 * the fork (a published head would reach everyone), answering GetHead
 * directly instead; it answers every request from the asker's branch.
 */
export function forkingObserver(peer: SimPeer, groupA: ReadonlySet<PeerRef>, forkAt: number) {
  const forked = (): boolean => peer.clock.now() >= T0 + forkAt
  const inA = (p: PeerRef): boolean => groupA.has(p)
  const nets = [new BranchNet(peer.net, inA, () => !forked()), new BranchNet(peer.net, (p) => !inA(p), () => false)] as const
  const branches = nets.map((net, i) => {
    const service = new ObserverService({ ...components(peer, OBSERVER), net }, { store: new MemoryStore(), republishInterval: 1_000, parallelVerify: false })
    void service.start().then(() => service.afterStart())
    return { service, net, name: i === 0 ? 'A' : 'B' }
  })
  peer.net.handle(PROTOCOL_ID, (message) => {
    const [a, b] = nets
    const submit = decodeObserverMessage(message.bytes, { maxMessageBytes: 1 << 21, maxEntryBytes: 1 << 16, maxRangeEntries: 256 }).type === 'submit'
    // Before the fork both branches log every submission (the other branch's answer goes nowhere).
    const targets = !forked() && submit ? [a, b] : [inA(message.from) ? a : b]
    for (const net of targets) void net.handler?.(message)
  })
  return { branches }
}

/**
 * A log that drops the entries `drop` picks: each is replaced, at its index,
 * by `filler`, so the observer above it counts, receipts and signs heads as
 * if it were there.
 */
export class DroppingLog implements MerkleLog {
  readonly #inner: MerkleLog
  readonly #drop: (entry: Uint8Array) => boolean
  readonly #filler: Uint8Array
  dropped = 0

  constructor(inner: MerkleLog, drop: (entry: Uint8Array) => boolean, filler: Uint8Array) {
    this.#inner = inner
    this.#drop = drop
    this.#filler = filler
  }

  get size(): number {
    return this.#inner.size
  }

  root(size?: number): Promise<Uint8Array> {
    return this.#inner.root(size)
  }

  append(entries: readonly Uint8Array[]): Promise<TreeState> {
    return this.#inner.append(
      entries.map((entry) => {
        if (!this.#drop(entry)) return entry
        this.dropped++
        return this.#filler
      })
    )
  }

  inclusionProof(index: number, size: number): Promise<Uint8Array[]> {
    return this.#inner.inclusionProof(index, size)
  }

  consistencyProof(oldSize: number, newSize: number): Promise<Uint8Array[]> {
    return this.#inner.consistencyProof(oldSize, newSize)
  }

  entries(start: number, end: number): Promise<Uint8Array[]> {
    return this.#inner.entries(start, end)
  }
}
