import { isDscsError, type CoreEffect, type PeerRef } from '@dscs/interface'
import { Bitfield } from '../bitfield.js'
import type { ContentId } from '../content-id.js'
import { ChunkError } from '../errors.js'
import { ContentLayout } from '../layout.js'
import type { Manifest } from '../manifest.js'
import type { VerifiedPath } from '../tree.js'
import { encodeTransferParts, type RejectReason, type TransferMessage } from '../messages.js'
import { ChunkVerifier } from '../verify.js'
import type { DropReason, TransferEvent } from './events.js'
import type { ResolvedTransferOptions } from './options.js'
import { PiecePicker, type PickState } from './piece-picker.js'
import { RemotePeer } from './remote-peer.js'

type Effects = CoreEffect<TransferEvent>[]

/** What a download has and does now, for progress reports. */
export interface SessionProgress {
  readonly chunks: number
  readonly held: number
  /** Bytes of the content held (0 while the manifest is unknown). */
  readonly bytes: number
  /** The content's size, undefined while the manifest is unknown. */
  readonly size: number | undefined
  /** Peers asked for chunks now. */
  readonly peers: number
  /** Measured throughput of those peers together, bytes per ms. */
  readonly rate: number
}

/** The content once its manifest is known. */
interface Known {
  readonly manifest: Manifest
  readonly layout: ContentLayout
  readonly verifier: ChunkVerifier
  readonly held: Bitfield
  readonly picker: PiecePicker
  /** Peers each chunk is requested from now. */
  readonly requests: Uint16Array
}

/**
 * One content, downloaded or served: the peers it is exchanged with, what
 * they hold, and — while downloading — the schedule of requests to them.
 * Pieces are verified here; storing them is the service's, which reports
 * back through `stored`, so chunks verified but not yet stored are counted
 * against the outstanding bound like requests in flight.
 */
export class ContentSession implements PickState {
  readonly cid: ContentId
  readonly peers = new Map<PeerRef, RemotePeer>()
  /** Chunks verified and handed to the store, not yet reported stored. */
  readonly storing = new Set<number>()
  downloading: boolean
  #known: Known | undefined
  #manifestAskedAt: number | undefined
  readonly #options: ResolvedTransferOptions

  constructor(cid: ContentId, options: ResolvedTransferOptions, downloading: boolean) {
    this.cid = cid
    this.#options = options
    this.downloading = downloading
  }

  get manifest(): Manifest | undefined {
    return this.#known?.manifest
  }

  get held(): Bitfield | undefined {
    return this.#known?.held
  }

  get layout(): ContentLayout | undefined {
    return this.#known?.layout
  }

  /** Takes the manifest (checked against the id by the caller) and the chunks held already. */
  learn(manifest: Manifest, held?: Bitfield): void {
    const layout = new ContentLayout(manifest.size, manifest.chunkSize)
    this.#known = {
      manifest,
      layout,
      verifier: new ChunkVerifier(manifest),
      held: held?.copy() ?? new Bitfield(layout.chunkCount),
      picker: new PiecePicker(layout.chunkCount, this.#options.random),
      requests: new Uint16Array(layout.chunkCount)
    }
  }

  needed(index: number): boolean {
    return this.#known !== undefined && !this.#known.held.has(index) && !this.storing.has(index)
  }

  requests(index: number): number {
    return this.#known?.requests[index] ?? 0
  }

  /** The peer's state, created on first contact unless the content has as many peers as it may. */
  peer(ref: PeerRef, now: number): RemotePeer | undefined {
    const known = this.peers.get(ref)
    if (known !== undefined || this.peers.size >= this.#options.maxPeersPerContent) return known
    const o = this.#options
    const peer = new RemotePeer(ref, { initial: o.initialDepth, max: o.maxDepth, fastLatency: o.requestTimeout / 4 }, now)
    this.peers.set(ref, peer)
    return peer
  }

  /** Asks every peer in `refs` for the manifest (and, by answering, its Bitfield). */
  askManifest(refs: readonly PeerRef[], now: number): Effects {
    this.#manifestAskedAt = now
    return refs.map((to) => send(to, { type: 'manifest-request', content: this.cid }))
  }

  /** Sends this node's Bitfield to `ref`, which answers with its own. */
  introduce(ref: PeerRef, now: number): Effects {
    const peer = this.peer(ref, now)
    const held = this.#known?.held
    if (peer === undefined || held === undefined || peer.introduced) return []
    peer.introduced = true
    peer.introducedAt = now
    return [send(ref, { type: 'bitfield', content: this.cid, bits: held.bytes.slice() })]
  }

  onBitfield(from: PeerRef, bytes: Uint8Array, now: number): Effects {
    const peer = this.peer(from, now)
    if (peer === undefined) return []
    const known = this.#known
    if (known === undefined) {
      peer.earlyBits = bytes
      return []
    }
    let bits: Bitfield
    try {
      bits = Bitfield.fromBytes(known.layout.chunkCount, bytes)
    } catch (error) {
      return refuse(from, error)
    }
    if (peer.bits !== undefined) known.picker.removed(peer.bits)
    peer.bits = bits
    if (peer.dropped === undefined) known.picker.added(bits)
    return [...this.introduce(from, now), ...this.fill(now)]
  }

  onHave(from: PeerRef, index: number, now: number): Effects {
    const known = this.#known
    const peer = this.peers.get(from)
    if (known === undefined || peer === undefined) return []
    if (index >= known.layout.chunkCount) return refuse(from, new ChunkError('BAD_INDEX', `Have of chunk ${index}; the content has ${known.layout.chunkCount}`))
    peer.bits ??= new Bitfield(known.layout.chunkCount)
    if (peer.bits.set(index) && peer.dropped === undefined) known.picker.availability[index]!++
    return this.fill(now)
  }

  /** A piece: verified against the root, then handed to the store; a bad one penalises its sender and is asked elsewhere. */
  onPiece(from: PeerRef, index: number, data: Uint8Array, proof: Uint8Array, now: number): Effects {
    const known = this.#known
    const peer = this.peers.get(from)
    if (known === undefined || peer === undefined) return []
    const sentAt = peer.inflight.get(index)
    // A late endgame duplicate, or a piece no one needs any more: nothing to check.
    if (!this.needed(index)) {
      this.#withdraw(peer, index)
      return this.fill(now)
    }
    let verified: VerifiedPath
    try {
      verified = known.verifier.verify(index, data, proof)
    } catch (error) {
      this.#withdraw(peer, index)
      this.#options.selector.observe?.({ type: 'failed', peer: from, reason: 'corrupt' })
      return [...refuse(from, error), ...this.#drop(peer, 'corrupt', now), ...this.fill(now)]
    }
    const previousPieceAt = peer.lastPieceAt
    peer.lastPieceAt = now
    if (sentAt !== undefined) {
      this.#options.selector.observe?.({ type: 'piece', peer: from, bytes: data.length, ms: now - Math.max(sentAt, previousPieceAt) })
      peer.meter.record(data.length, now)
      peer.depth.delivered(now - sentAt, peer.inflight.size >= peer.depth.value)
    }
    const effects: Effects = []
    // Endgame: whoever else was asked for it is told to stop.
    for (const other of this.peers.values()) {
      if (!other.inflight.has(index)) continue
      this.#withdraw(other, index)
      if (other !== peer) effects.push(send(other.ref, { type: 'cancel', content: this.cid, index }))
    }
    this.storing.add(index)
    effects.push({ type: 'emit', event: { type: 'store', cid: this.cid, index, data, verified } })
    return [...effects, ...this.fill(now)]
  }

  onReject(from: PeerRef, index: number, reason: RejectReason, now: number): Effects {
    const known = this.#known
    const peer = this.peers.get(from)
    if (peer === undefined) return []
    this.#withdraw(peer, index)
    // It may learn the content later: its Bitfield or a Have will say so.
    if (reason === 'unknown-content') this.#forgetBits(peer)
    if (reason === 'busy') {
      peer.depth.refused(peer.inflight.size)
      // With requests of ours still in hand it is serving us: its pieces pace the next requests. Otherwise wait.
      if (peer.inflight.size === 0) peer.busyUntil = now + this.#options.busyBackoff
    }
    if (reason === 'not-held' && known !== undefined && index < known.layout.chunkCount && peer.bits?.clear(index) === true && peer.dropped === undefined) {
      known.picker.availability[index]!--
    }
    return this.fill(now)
  }

  /** The store holds chunk `index` now: tell the peers, and finish when it was the last. */
  stored(index: number, now: number): Effects {
    const known = this.#known
    if (known === undefined || !this.storing.delete(index) || !known.held.set(index)) return []
    const effects: Effects = []
    // A peer holding everything needs no Have: BitTorrent's have suppression, a frame less per chunk to each seeder.
    for (const peer of this.peers.values()) if (peer.introduced && peer.bits?.complete !== true) effects.push(send(peer.ref, { type: 'have', content: this.cid, index }))
    if (known.held.complete && this.downloading) {
      this.downloading = false
      effects.push({ type: 'emit', event: { type: 'complete', cid: this.cid } })
    }
    return [...effects, ...this.fill(now)]
  }

  /** The store could not take chunk `index`: it is fetched again. */
  storeFailed(index: number, now: number): Effects {
    this.storing.delete(index)
    return this.fill(now)
  }

  /** Chunks to fetch before the others, e.g. those a streaming read waits for. */
  prioritise(indices: readonly number[], now: number): Effects {
    this.#known?.picker.prioritise(indices)
    return this.fill(now)
  }

  /** A peer left: what it was asked for is asked elsewhere. */
  peerLeft(ref: PeerRef, now: number): Effects {
    const peer = this.peers.get(ref)
    if (peer === undefined) return []
    for (const index of [...peer.inflight.keys()]) this.#withdraw(peer, index)
    if (peer.bits !== undefined && peer.dropped === undefined) this.#known?.picker.removed(peer.bits)
    this.peers.delete(ref)
    return this.fill(now)
  }

  /** Withdraws timed-out requests (a shallower pipeline for their peer), drops stalled peers, asks again for a missing manifest. */
  tick(now: number, connected: readonly PeerRef[]): Effects {
    const effects: Effects = []
    const timeout = this.#options.requestTimeout
    for (const peer of this.peers.values()) {
      if (peer.busyUntil !== 0 && now >= peer.busyUntil) peer.busyUntil = 0
      if (peer.dropped === 'stalled' && now - peer.droppedAt >= this.#options.stalledRetry) this.#retry(peer, now)
      let expired = false
      for (const [index, sentAt] of peer.inflight) {
        if (now - sentAt < timeout) continue
        this.#withdraw(peer, index)
        peer.timeouts++
        expired = true
        this.#options.selector.observe?.({ type: 'failed', peer: peer.ref, reason: 'timeout' })
      }
      if (!expired) continue
      // Once per tick, as TCP halves once per loss event however many segments it lost.
      peer.depth.timedOut()
      if (now - peer.lastPieceAt >= timeout) effects.push(...this.#drop(peer, 'stalled', now))
    }
    if (this.downloading && this.#known === undefined && this.#manifestAskedAt !== undefined && now - this.#manifestAskedAt >= this.#options.manifestRetry) {
      effects.push(...this.askManifest(connected, now))
    }
    if (this.downloading) effects.push(...this.#reintroduce(now, connected))
    return [...effects, ...this.fill(now)]
  }

  /** Sends this node's Bitfield again to connected peers silent since the last one, which may have been lost. */
  #reintroduce(now: number, connected: readonly PeerRef[]): Effects {
    if (this.#known === undefined) return []
    const effects: Effects = []
    for (const ref of connected) {
      const peer = this.peers.get(ref)
      if (peer === undefined || peer.bits !== undefined || peer.dropped !== undefined || now - peer.introducedAt < this.#options.manifestRetry) continue
      peer.introduced = false
      effects.push(...this.introduce(ref, now))
    }
    return effects
  }

  nextDeadline(): number | undefined {
    let deadline = Infinity
    for (const peer of this.peers.values()) {
      for (const sentAt of peer.inflight.values()) deadline = Math.min(deadline, sentAt + this.#options.requestTimeout)
      if (peer.busyUntil !== 0 && peer.inflight.size === 0 && this.downloading) deadline = Math.min(deadline, peer.busyUntil)
      if (peer.dropped === 'stalled' && this.downloading) deadline = Math.min(deadline, peer.droppedAt + this.#options.stalledRetry)
      if (this.downloading && peer.introduced && peer.bits === undefined && peer.dropped === undefined) deadline = Math.min(deadline, peer.introducedAt + this.#options.manifestRetry)
    }
    if (this.downloading && this.#known === undefined && this.#manifestAskedAt !== undefined) deadline = Math.min(deadline, this.#manifestAskedAt + this.#options.manifestRetry)
    return deadline === Infinity ? undefined : deadline
  }

  /** Withdraws every request (the download stopped); the peers are told. */
  cancelAll(): Effects {
    const effects: Effects = []
    for (const peer of this.peers.values()) {
      for (const index of [...peer.inflight.keys()]) {
        this.#withdraw(peer, index)
        effects.push(send(peer.ref, { type: 'cancel', content: this.cid, index }))
      }
    }
    return effects
  }

  progress(): SessionProgress {
    const known = this.#known
    let peers = 0
    let rate = 0
    for (const peer of this.peers.values()) {
      if (peer.dropped !== undefined || peer.bits === undefined || peer.bits.count === 0) continue
      peers++
      rate += peer.meter.rate
    }
    let bytes = 0
    if (known !== undefined) {
      const { held, layout } = known
      bytes = held.count * layout.chunkSize
      // The last chunk is usually short.
      if (layout.chunkCount > 0 && held.has(layout.chunkCount - 1)) bytes -= layout.chunkSize - layout.chunkLength(layout.chunkCount - 1)
    }
    return { chunks: known?.layout.chunkCount ?? 0, held: known?.held.count ?? 0, bytes, size: known?.manifest.size, peers, rate }
  }

  /** Takes the Bitfields that came before the manifest, now that it is known. */
  takeEarlyBitfields(now: number): Effects {
    const effects: Effects = []
    for (const peer of this.peers.values()) {
      const early = peer.earlyBits
      peer.earlyBits = undefined
      if (early !== undefined) effects.push(...this.onBitfield(peer.ref, early, now))
    }
    return effects
  }

  /**
   * Fills the pipelines of the peers, in the selector's order, one request
   * each per round, until none can take more or the outstanding bound is
   * met: rarest first, then — once every missing chunk is asked for —
   * endgame duplicates.
   */
  fill(now: number): Effects {
    const known = this.#known
    if (!this.downloading || known === undefined) return []
    let inflight = 0
    for (const peer of this.peers.values()) inflight += peer.inflight.size
    let room = this.#options.maxOutstanding - inflight - this.storing.size
    const effects: Effects = []
    let order = this.#ordered(now)
    while (room > 0 && order.length > 0) {
      const next: RemotePeer[] = []
      for (const peer of order) {
        if (room <= 0) break
        const index = this.#choose(known, peer)
        if (index === undefined) continue
        if (peer.inflight.size === 0) peer.meter.busy(now)
        peer.inflight.set(index, now)
        known.requests[index]!++
        room--
        effects.push(send(peer.ref, { type: 'request', content: this.cid, index, withProof: true }))
        if (peer.canTake(now)) next.push(peer)
      }
      order = next
    }
    return effects
  }

  #choose(known: Known, peer: RemotePeer): number | undefined {
    const bits = peer.bits!
    const fresh = known.picker.pick(bits, this)
    if (fresh !== undefined || !this.#endgame(known)) return fresh
    return known.picker.pickDuplicate(bits, this, peer.inflight, this.#options.endgameRequests)
  }

  /** Endgame begins once the few chunks still needed are all asked of someone; earlier, duplicates would only waste uplinks. */
  #endgame(known: Known): boolean {
    let needed = 0
    for (let i = 0; i < known.layout.chunkCount; i++) {
      if (!this.needed(i)) continue
      if (known.requests[i] === 0 || ++needed > this.#options.endgameChunks) return false
    }
    return true
  }

  #ordered(now: number): RemotePeer[] {
    const candidates = [...this.peers.values()].filter((peer) => peer.canTake(now))
    const byRef = new Map(candidates.map((peer) => [peer.ref, peer]))
    const order = this.#options.selector.order(
      this.cid,
      candidates.map((p) => ({ peer: p.ref, throughput: p.meter.rate, inflight: p.inflight.size, depth: p.depth.value, timeouts: p.timeouts }))
    )
    return order.flatMap((ref) => byRef.get(ref) ?? [])
  }

  #withdraw(peer: RemotePeer, index: number): void {
    if (!peer.inflight.delete(index)) return
    const requests = this.#known?.requests
    if (requests !== undefined && requests[index]! > 0) requests[index]!--
    if (peer.inflight.size === 0) peer.meter.idle()
  }

  #forgetBits(peer: RemotePeer): void {
    for (const index of [...peer.inflight.keys()]) this.#withdraw(peer, index)
    if (peer.bits !== undefined && peer.dropped === undefined) this.#known?.picker.removed(peer.bits)
    peer.bits = undefined
  }

  #drop(peer: RemotePeer, reason: DropReason, now: number): Effects {
    if (peer.dropped !== undefined) return []
    for (const index of [...peer.inflight.keys()]) this.#withdraw(peer, index)
    if (peer.bits !== undefined) this.#known?.picker.removed(peer.bits)
    peer.dropped = reason
    peer.droppedAt = now
    return [{ type: 'emit', event: { type: 'peer-dropped', cid: this.cid, peer: peer.ref, reason } }]
  }

  /** Takes a peer dropped for stalling back, with a fresh pipeline. */
  #retry(peer: RemotePeer, now: number): void {
    peer.dropped = undefined
    peer.lastPieceAt = now
    peer.depth.reset()
    if (peer.bits !== undefined) this.#known?.picker.added(peer.bits)
  }
}

export function send(to: PeerRef, message: TransferMessage): CoreEffect<TransferEvent> {
  return { type: 'send', to, bytes: encodeTransferParts(message) }
}

/** The effects of refusing a peer's bad input: an event, and a penalty. */
export function refuse(from: PeerRef, error: unknown): Effects {
  if (!isDscsError(error)) throw error
  return [
    { type: 'emit', event: { type: 'refused', from, code: error.code, message: error.message } },
    { type: 'penalise', peer: from, error }
  ]
}
