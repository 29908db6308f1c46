import type { PeerRef } from '@dscs/interface'
import { contentKey, type ContentId } from '../content-id.js'

/** A peer to dial and where. */
export interface Dial {
  readonly peer: PeerRef
  readonly addresses: readonly string[]
}

/** The providers heard of for one download. */
interface Wanted {
  /** Every provider taken for it, connected, queued or dialled: at most `perContent`, none dialled twice. */
  readonly heard: Set<PeerRef>
  readonly queue: Dial[]
}

/** What became of an offer: whether the provider is new to the download, and the dials to start now. */
export interface Offered {
  readonly fresh: boolean
  readonly dials: Dial[]
}

/**
 * Which providers to dial, sans I/O, within two bounds: dials in flight over
 * all downloads, and providers taken per download (those not connected are
 * queued for their turn). Only downloads under way take offers; a provider
 * connected already counts but needs no dial.
 */
export class Dialer {
  readonly #inFlight = new Set<PeerRef>()
  readonly #wanted = new Map<string, Wanted>()
  readonly #maxInFlight: number
  readonly #perContent: number

  constructor(maxInFlight: number, perContent: number) {
    this.#maxInFlight = maxInFlight
    this.#perContent = perContent
  }

  /** Providers of `cid` are wanted from now on. */
  want(cid: ContentId): void {
    const key = contentKey(cid)
    if (!this.#wanted.has(key)) this.#wanted.set(key, { heard: new Set(), queue: [] })
  }

  /** The download of `cid` ended: its queue is dropped. */
  drop(cid: ContentId): void {
    this.#wanted.delete(contentKey(cid))
  }

  wants(cid: ContentId): boolean {
    return this.#wanted.has(contentKey(cid))
  }

  /** `dial.peer` provides `cid`: taken unless unwanted, heard of already or over the bound, and queued unless connected. */
  offer(cid: ContentId, dial: Dial, connected: ReadonlySet<PeerRef>): Offered {
    const wanted = this.#wanted.get(contentKey(cid))
    if (wanted === undefined || wanted.heard.has(dial.peer) || wanted.heard.size >= this.#perContent) return { fresh: false, dials: [] }
    wanted.heard.add(dial.peer)
    if (!connected.has(dial.peer)) wanted.queue.push(dial)
    return { fresh: true, dials: this.#next(connected) }
  }

  /** A dial ended (either way); returns the dials to start now. */
  settled(peer: PeerRef, connected: ReadonlySet<PeerRef>): Dial[] {
    this.#inFlight.delete(peer)
    return this.#next(connected)
  }

  /** Dials from the queues, first download first, while the in-flight bound allows. */
  #next(connected: ReadonlySet<PeerRef>): Dial[] {
    const started: Dial[] = []
    for (const wanted of this.#wanted.values()) {
      while (this.#inFlight.size < this.#maxInFlight && wanted.queue.length > 0) {
        const dial = wanted.queue.shift()!
        // Connected meanwhile, or being dialled for another download: the transfer protocol takes it from there.
        if (connected.has(dial.peer) || this.#inFlight.has(dial.peer)) continue
        this.#inFlight.add(dial.peer)
        started.push(dial)
      }
    }
    return started
  }
}
