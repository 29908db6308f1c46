import type { DscsNode } from '@dscs/net'
import { routingOptimizer, routingSelector, type RoutingOptimizer } from '@dscs/routing-optimizer'
import type { MetricSample } from './api/metrics.js'
import type { Output } from './output.js'

/** The connection manager's slots: the best peers by routing score, plus random ones so fast liars cannot eclipse the node. */
export const CONNECTION_SLOTS: ConnectionSlots = { best: 24, random: 8 }
export interface ConnectionSlots {
  readonly best: number
  readonly random: number
}

/** How often the connections are pruned to {@link CONNECTION_SLOTS}, ms. */
const PRUNE_INTERVAL_MS = 30_000

/** The routing optimizer as the reference node runs it: the service `routing`, scoring every peer it talks to. */
export function routingServices(): { routing: ReturnType<typeof routingOptimizer> } {
  return { routing: routingOptimizer() }
}

/** The node's routing service, once the node runs. */
export function routingOf(node: DscsNode): RoutingOptimizer {
  return node.libp2p.services.routing as RoutingOptimizer
}

/** A chunk-distribution peer selector that defers to the node's routing service (the node is built after its services). */
export function routingChunkSelector(node: () => DscsNode): ReturnType<typeof routingSelector> {
  return routingSelector(() => routingOf(node()))
}

/**
 * Every `intervalMs` (default {@link PRUNE_INTERVAL_MS}), closes the
 * connections beyond the best `slots.best` peers by score plus `random` others
 * (default {@link CONNECTION_SLOTS}); reports each pruning. Returns its stop.
 */
export function pruneConnections(node: DscsNode, out: Output, { slots = CONNECTION_SLOTS, intervalMs = PRUNE_INTERVAL_MS }: { slots?: ConnectionSlots; intervalMs?: number } = {}): () => void {
  const routing = routingOf(node)
  const timer = setInterval(() => {
    if (node.net.peers().length <= slots.best + slots.random) return
    routing
      .pruneConnections(slots)
      .then((peers) => out.event('pruned', { peers }, `closed ${peers.length} connections to the lowest-scored peers`))
      .catch((err: unknown) => out.event('prune-failed', { error: (err as Error).message }, `pruning failed: ${(err as Error).message}`))
  }, intervalMs)
  timer.unref()
  return () => clearInterval(timer)
}

/** What `/api/peers` shows of each peer's routing: its score and what it is made of, measured beside predicted RTT. */
export function routingPeerFields(routing: RoutingOptimizer): (peer: string) => { routing: Record<string, unknown> } {
  return (peer) => {
    const score = routing.score(peer)
    return {
      routing: {
        score: score.score,
        measuredRttMs: score.rttPredicted ? null : (score.rtt ?? null),
        predictedRttMs: routing.coordinateRtt(peer) ?? null,
        capacityBytesPerSecond: score.effectiveCapacity ?? null,
        reliability: score.reliability,
        overclaimed: score.overclaimed
      }
    }
  }
}

/** `/api/routing`: this node's Vivaldi coordinate, its prediction error, and the connected peers that relay, best first. */
export function routingView(routing: RoutingOptimizer): () => unknown {
  return () => ({ coordinate: routing.coordinate, predictionError: routing.predictionError(), relays: routing.relays(8), slots: CONNECTION_SLOTS })
}

/** The routing metrics `/metrics` adds: each peer's score and predicted RTT, and the node's prediction error. */
export function routingMetrics(node: DscsNode, routing: RoutingOptimizer): () => MetricSample[] {
  return () => {
    const error = routing.predictionError()
    return [
      ...node.net.peers().flatMap((peer): MetricSample[] => {
        const predicted = routing.coordinateRtt(peer)
        return [
          { name: 'dscs_peer_routing_score', help: 'Routing-optimizer score of the peer, in [0, 1].', type: 'gauge', value: routing.score(peer).score, labels: { peer } },
          ...(predicted === undefined ? [] : [{ name: 'dscs_peer_predicted_rtt_seconds', help: 'Round-trip time to the peer its Vivaldi coordinate predicts.', type: 'gauge', value: predicted / 1000, labels: { peer } } as const])
        ]
      }),
      { name: 'dscs_routing_prediction_error', help: "This node's Vivaldi error estimate (relative).", type: 'gauge', value: error.estimate },
      ...(error.median === undefined
        ? []
        : [{ name: 'dscs_routing_prediction_error_median', help: 'Median relative error of predicted against measured RTT over the peers measured.', type: 'gauge', value: error.median } as const]),
      { name: 'dscs_routing_prediction_error_peers', help: 'Peers the median prediction error is over.', type: 'gauge', value: error.peers }
    ]
  }
}
