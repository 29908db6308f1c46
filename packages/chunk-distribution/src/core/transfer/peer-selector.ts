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

/**
 * Decides which peers the scheduler asks first for chunks of a content: it
 * fills their pipelines in this order, round after round. A routing
 * optimiser plugs in here to steer requests; peers left out get none.
 */
export interface PeerSelector {
  order(content: ContentId, candidates: readonly PeerCandidate[]): readonly PeerRef[]
}

/** The default: fastest measured peers first, then the fewest timeouts. */
export const byThroughput: PeerSelector = {
  order: (_content, candidates) => [...candidates].sort((a, b) => b.throughput - a.throughput || a.timeouts - b.timeouts).map((c) => c.peer)
}
