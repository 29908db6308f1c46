import type { CoreEffect, PeerRef, ProtocolCore } from '@dscs/interface'
import type { Bitfield } from '../bitfield.js'
import { contentKey, type ContentId } from '../content-id.js'
import { TRANSFER_FRAME_OVERHEAD } from '../constants.js'
import { ChunkError } from '../errors.js'
import { decodeManifest, encodeManifest, type Manifest } from '../manifest.js'
import { decodeTransferMessage, type TransferMessage } from '../messages.js'
import { ByteBudget } from './byte-budget.js'
import type { TransferEvent } from './events.js'
import { resolveTransferOptions, type ResolvedTransferOptions, type TransferOptions } from './options.js'
import { ContentSession, refuse, send, type SessionProgress } from './session.js'
import { UploadSlots } from './upload-slots.js'

type Effects = CoreEffect<TransferEvent>[]

/** What a store holds of a content already: its manifest and chunks. */
export interface HeldContent {
  readonly manifest: Manifest
  readonly held: Bitfield
}

/**
 * The transfer protocol on `/dscs/chunks/1.0.0` as a sans-I/O core. It
 * downloads content from many peers at once — manifest first, checked
 * against the content id; Bitfield and Have exchange; rarest-first requests
 * in per-peer pipelines of adaptive depth; timeouts; endgame — and serves
 * what it holds through bounded upload slots and per-peer byte budgets.
 *
 * Storage is the service's: the core emits `store` for each verified piece
 * and `read` for each request it serves, and is told the outcome through
 * {@link stored} / {@link storeFailed} and {@link served} / {@link serveFailed}.
 */
export class TransferCore implements ProtocolCore<TransferEvent> {
  readonly #options: ResolvedTransferOptions
  readonly #sessions = new Map<string, ContentSession>()
  readonly #slots: UploadSlots
  readonly #budgets = new Map<PeerRef, ByteBudget>()
  readonly #connected = new Set<PeerRef>()

  /** The largest frame of the protocol: a piece of the largest chunk accepted, with its proof and fields. */
  get maxFrameBytes(): number {
    return this.#options.maxChunkSize + TRANSFER_FRAME_OVERHEAD
  }

  constructor(options: TransferOptions) {
    this.#options = resolveTransferOptions(options)
    this.#slots = new UploadSlots(this.#options.uploadSlotsPerPeer, this.#options.uploadSlots)
  }

  /** Requests being served now. */
  get uploads(): number {
    return this.#slots.active
  }

  /** Starts (or resumes) downloading `cid`; `from` is what the store holds of it already. */
  download(cid: ContentId, now: number, from?: HeldContent): Effects {
    const session = this.#session(cid, true)
    session.downloading = true
    if (from !== undefined && session.manifest === undefined) session.learn(from.manifest, from.held)
    if (session.held?.complete === true) {
      session.downloading = false
      return [{ type: 'emit', event: { type: 'complete', cid } }]
    }
    const peers = [...this.#connected]
    if (session.manifest === undefined) return session.askManifest(peers, now)
    return [...peers.flatMap((peer) => session.introduce(peer, now)), ...session.fill(now)]
  }

  /** Serves content held here to whoever asks. */
  seed(content: HeldContent): void {
    const session = this.#session(content.manifest.cid, false)
    if (session.manifest === undefined) session.learn(content.manifest, content.held)
  }

  /** Stops downloading and serving `cid`; its requests are cancelled. */
  forget(cid: ContentId): Effects {
    const key = contentKey(cid)
    const session = this.#sessions.get(key)
    this.#sessions.delete(key)
    return session?.cancelAll() ?? []
  }

  /** Fetches these chunks of `cid` before any other. */
  prioritise(cid: ContentId, indices: readonly number[], now: number): Effects {
    return this.#sessions.get(contentKey(cid))?.prioritise(indices, now) ?? []
  }

  progress(cid: ContentId): SessionProgress | undefined {
    return this.#sessions.get(contentKey(cid))?.progress()
  }

  /** The store took the piece of a `store` event. */
  stored(cid: ContentId, index: number, now: number): Effects {
    return this.#sessions.get(contentKey(cid))?.stored(index, now) ?? []
  }

  /** The store refused or failed the piece of a `store` event: it is fetched again. */
  storeFailed(cid: ContentId, index: number, now: number): Effects {
    return this.#sessions.get(contentKey(cid))?.storeFailed(index, now) ?? []
  }

  /** The chunk of a `read` event, to send unless the request was cancelled meanwhile. */
  served(to: PeerRef, cid: ContentId, index: number, data: Uint8Array, proof: Uint8Array): Effects {
    if (!this.#slots.release(to, slotKey(cid, index))) return []
    return [send(to, { type: 'piece', content: cid, index, data, proof })]
  }

  /** The chunk of a `read` event could not be read. */
  serveFailed(to: PeerRef, cid: ContentId, index: number): Effects {
    if (!this.#slots.release(to, slotKey(cid, index))) return []
    return [send(to, { type: 'reject', content: cid, index, reason: 'not-held' })]
  }

  receive(from: PeerRef, bytes: Uint8Array, now: number): Effects {
    let message: TransferMessage
    try {
      message = decodeTransferMessage(bytes, { maxChunkSize: this.#options.maxChunkSize })
    } catch (error) {
      return refuse(from, error)
    }
    const session = this.#sessions.get(contentKey(message.content))
    switch (message.type) {
      case 'manifest-request':
        return this.#onManifestRequest(from, session, message.content, now)
      case 'manifest-response':
        return session === undefined ? [] : this.#onManifestResponse(from, session, message.record, now)
      case 'bitfield':
        return session === undefined ? [unknown(from, message.content)] : session.onBitfield(from, message.bits, now)
      case 'have':
        return session?.onHave(from, message.index, now) ?? []
      case 'request':
        return this.#onRequest(from, session, message.content, message.index, now)
      case 'piece':
        return session?.onPiece(from, message.index, message.data, message.proof, now) ?? []
      case 'cancel':
        this.#slots.cancel(from, slotKey(message.content, message.index))
        return []
      case 'reject':
        return session?.onReject(from, message.index, message.reason, now) ?? []
    }
  }

  tick(now: number): Effects {
    const connected = [...this.#connected]
    return [...this.#sessions.values()].flatMap((session) => session.tick(now, connected))
  }

  nextDeadline(): number | undefined {
    let deadline = Infinity
    for (const session of this.#sessions.values()) deadline = Math.min(deadline, session.nextDeadline() ?? Infinity)
    return deadline === Infinity ? undefined : deadline
  }

  /** A new peer hears of every download under way: asked for the manifest, or sent this node's Bitfield. */
  peerConnected(peer: PeerRef, now: number): Effects {
    this.#connected.add(peer)
    const effects: Effects = []
    for (const session of this.#sessions.values()) {
      if (!session.downloading) continue
      effects.push(...(session.manifest === undefined ? session.askManifest([peer], now) : session.introduce(peer, now)))
    }
    return effects
  }

  peerDisconnected(peer: PeerRef, now: number): Effects {
    this.#connected.delete(peer)
    this.#slots.forget(peer)
    this.#budgets.delete(peer)
    return [...this.#sessions.values()].flatMap((session) => session.peerLeft(peer, now))
  }

  #session(cid: ContentId, downloading: boolean): ContentSession {
    const key = contentKey(cid)
    let session = this.#sessions.get(key)
    if (session === undefined) {
      session = new ContentSession(cid, this.#options, downloading)
      this.#sessions.set(key, session)
    }
    return session
  }

  #onManifestRequest(from: PeerRef, session: ContentSession | undefined, cid: ContentId, now: number): Effects {
    const manifest = session?.manifest
    if (session === undefined || manifest === undefined) return [unknown(from, cid)]
    const answer = send(from, { type: 'manifest-response', content: cid, record: encodeManifest(manifest) })
    const peer = session.peer(from, now)
    if (peer === undefined) return [answer]
    // The Bitfield that follows introduces this node; the asker answers with its own.
    peer.introduced = false
    return [answer, ...session.introduce(from, now)]
  }

  #onManifestResponse(from: PeerRef, session: ContentSession, record: Uint8Array, now: number): Effects {
    // Only a download still missing its manifest decodes one: signature checks are not spent on unsolicited records.
    if (!session.downloading || session.manifest !== undefined) return []
    let manifest: Manifest
    try {
      manifest = decodeManifest(record, { expected: session.cid, ...(this.#options.verificationCache === undefined ? {} : { verificationCache: this.#options.verificationCache }) })
    } catch (error) {
      return refuse(from, error)
    }
    session.learn(manifest)
    // Every connected peer hears of this node's interest: those with the content answer with their Bitfield.
    const introductions = [...this.#connected].flatMap((peer) => session.introduce(peer, now))
    return [{ type: 'emit', event: { type: 'manifest', cid: session.cid, manifest } }, ...introductions, ...session.takeEarlyBitfields(now), ...session.fill(now)]
  }

  #onRequest(from: PeerRef, session: ContentSession | undefined, cid: ContentId, index: number, now: number): Effects {
    const held = session?.held
    const layout = session?.layout
    if (held === undefined || layout === undefined) return [unknown(from, cid, index)]
    if (index >= layout.chunkCount) return refuse(from, new ChunkError('BAD_INDEX', `a request for chunk ${index}; the content has ${layout.chunkCount}`))
    if (!held.has(index)) return [send(from, { type: 'reject', content: cid, index, reason: 'not-held' })]
    const key = slotKey(cid, index)
    if (!this.#slots.acquire(from, key)) return [send(from, { type: 'reject', content: cid, index, reason: 'busy' })]
    if (!this.#budget(from, now).take(layout.chunkLength(index), now)) {
      this.#slots.release(from, key)
      return [send(from, { type: 'reject', content: cid, index, reason: 'busy' })]
    }
    return [{ type: 'emit', event: { type: 'read', cid, index, to: from } }]
  }

  #budget(peer: PeerRef, now: number): ByteBudget {
    let budget = this.#budgets.get(peer)
    if (budget === undefined) {
      budget = new ByteBudget(this.#options.uploadBytesPerSecond / 1000, this.#options.uploadBurstBytes, now)
      this.#budgets.set(peer, budget)
    }
    return budget
  }
}

function slotKey(cid: ContentId, index: number): string {
  return `${contentKey(cid)}/${index}`
}

function unknown(to: PeerRef, cid: ContentId, index = 0): CoreEffect<TransferEvent> {
  return send(to, { type: 'reject', content: cid, index, reason: 'unknown-content' })
}
