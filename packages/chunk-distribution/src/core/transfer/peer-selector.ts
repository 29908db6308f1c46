import type { PeerRef } from '@dscs/interface'
import type { ContentId } from '../content-id.js'

/** What the scheduler knows of one peer that can serve chunks of a content. */
export interface PeerCandidate {
  readonly peer: PeerRef
  /** Measured throughput, bytes per ms; 0 before its first piece. */
  readonly throughput: number
  readonly inflight: number
  /** How many requests it may have in flight now. */
  readonly depth: number
  /** Requests to it that timed out. */
  readonly timeouts: number
}

/** What the scheduler saw of one request: the measurements of real transfers a routing optimiser learns from. */
export type PeerObservation =
  /**
   * A verified piece of `bytes` from `peer`, `ms` after it was asked for, or
   * after the peer's previous piece when that came later (pipelined requests
   * queue behind each other at the sender: that wait is not slowness).
   */
  | { readonly type: 'piece'; readonly peer: PeerRef; readonly bytes: number; readonly ms: number }
  /** A request to `peer` timed out, or its piece failed verification. */
  | { readonly type: 'failed'; readonly peer: PeerRef; readonly reason: 'timeout' | 'corrupt' }

/**
 * Decides which peers the scheduler asks first for chunks of a content: it
 * fills their pipelines in this order, round after round. A routing
 * optimiser plugs in here to steer requests; peers left out get none.
 */
export interface PeerSelector {
  order(content: ContentId, candidates: readonly PeerCandidate[]): readonly PeerRef[]
  /** Told of every piece received and every request failed, as they happen, so the selector learns from real transfers. */
  observe?(observation: PeerObservation): void
}

/** The default: fastest measured peers first, then the fewest timeouts. */
export const byThroughput: PeerSelector = {
  order: (_content, candidates) => [...candidates].sort((a, b) => b.throughput - a.throughput || a.timeouts - b.timeouts).map((c) => c.peer)
}
