import type { PeerRef } from '@dscs/interface'
import { CUT_AFTER_FAILURES, LINK_WINDOW } from './constants.js'

/**
 * How this node reaches a member, as its probes show:
 * - `ok`: direct probes succeed with little loss and a short round trip;
 * - `degraded`: direct probes succeed, but with loss or a long round trip;
 * - `asymmetric`: direct probes fail, yet the member's own messages arrive (it hears us not, or our packets die on the way);
 * - `indirect`: direct probes fail, but members probing on this node's behalf reach it (non-transitive reachability);
 * - `unreachable`: neither way works; membership decides when it is down;
 * - `unknown`: too few probes to tell.
 */
export type LinkClass = 'ok' | 'degraded' | 'asymmetric' | 'indirect' | 'unreachable' | 'unknown'

/** The quality of the link to one member. */
export interface LinkQuality {
  readonly peer: PeerRef
  readonly class: LinkClass
  /** Smoothed round trip of direct probes, in milliseconds; undefined before the first. */
  readonly rtt: number | undefined
  /** Share of the last direct probes that got no answer. */
  readonly loss: number
  /** Probes in the window behind `loss`. */
  readonly samples: number
  /** A member that reached it on this node's behalf last, when `class` is `indirect` or `asymmetric`: a relay for messages. */
  readonly via: PeerRef | undefined
}

/** Thresholds of the classification. */
export interface LinkThresholds {
  readonly degradedLoss: number
  readonly degradedRtt: number
}

const MIN_SAMPLES = 4
// Weight of a new round trip in the moving average, as TCP's SRTT.
const RTT_WEIGHT = 0.125

class LinkStats {
  readonly outcomes: boolean[] = []
  rtt: number | undefined
  consecutiveFailures = 0
  /** When the current run of failed direct probes began: only what is heard since then shows the member's way to us works. */
  failingSince = Infinity
  lastDirectSuccess = -Infinity
  lastHeard = -Infinity
  lastIndirectSuccess = -Infinity
  via: PeerRef | undefined
}

/** Link statistics per member, bounded by the membership: a member's stats leave with it. */
export class LinkTable {
  readonly #stats = new Map<PeerRef, LinkStats>()

  #get(peer: PeerRef): LinkStats {
    let stats = this.#stats.get(peer)
    if (stats === undefined) {
      stats = new LinkStats()
      this.#stats.set(peer, stats)
    }
    return stats
  }

  /** A direct probe of `peer` was answered after `rtt` ms, or (rtt undefined) not at all. */
  probed(peer: PeerRef, rtt: number | undefined, now: number): void {
    const stats = this.#get(peer)
    stats.outcomes.push(rtt !== undefined)
    if (stats.outcomes.length > LINK_WINDOW) stats.outcomes.shift()
    if (rtt === undefined) {
      if (stats.consecutiveFailures === 0) stats.failingSince = now
      stats.consecutiveFailures += 1
      return
    }
    stats.consecutiveFailures = 0
    stats.lastDirectSuccess = now
    stats.rtt = stats.rtt === undefined ? rtt : stats.rtt + RTT_WEIGHT * (rtt - stats.rtt)
  }

  /** `peer` itself sent this node a message. */
  heard(peer: PeerRef, now: number): void {
    this.#get(peer).lastHeard = now
  }

  /** `relay` reached `peer` on this node's behalf. */
  reachedVia(peer: PeerRef, relay: PeerRef, now: number): void {
    const stats = this.#get(peer)
    stats.lastIndirectSuccess = now
    stats.via = relay
  }

  forget(peer: PeerRef): void {
    this.#stats.delete(peer)
  }

  quality(peer: PeerRef, thresholds: LinkThresholds): LinkQuality {
    const stats = this.#stats.get(peer) ?? new LinkStats()
    const samples = stats.outcomes.length
    const loss = samples === 0 ? 0 : stats.outcomes.filter((ok) => !ok).length / samples
    const base = { peer, rtt: stats.rtt, loss, samples }
    if (stats.consecutiveFailures >= CUT_AFTER_FAILURES) {
      if (stats.lastHeard >= stats.failingSince) return { ...base, class: 'asymmetric', via: stats.via }
      if (stats.lastIndirectSuccess > stats.lastDirectSuccess) return { ...base, class: 'indirect', via: stats.via }
      return { ...base, class: 'unreachable', via: undefined }
    }
    if (samples < MIN_SAMPLES) return { ...base, class: 'unknown', via: undefined }
    const slow = stats.rtt !== undefined && stats.rtt >= thresholds.degradedRtt
    return { ...base, class: loss >= thresholds.degradedLoss || slow ? 'degraded' : 'ok', via: undefined }
  }
}
