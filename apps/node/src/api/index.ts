import type { DscsNode } from '@dscs/net'
import type { Output } from '../output.js'
import { EventHub, teeOutput } from './events.js'
import type { MetricSample } from './metrics.js'
import { RttMonitor } from './rtt.js'
import { startApi, type ApiOptions } from './server.js'

export interface NodeApiOptions extends ApiOptions {
  readonly views?: Readonly<Record<string, () => unknown>>
  readonly metrics?: () => readonly MetricSample[]
  /** What the layers add to each peer of `/api/peers` (e.g. its routing score). */
  readonly peerFields?: (peer: string) => Readonly<Record<string, unknown>>
}

/** A node's API while it runs: the output to report through (so the API sees every event), and its end. */
export interface NodeApi {
  readonly out: Output
  readonly url: string
  close(): Promise<void>
}

/** Serves `node`'s API and dashboard, measuring RTT to its peers; every event reported through the returned `out` goes live. */
export async function serveNodeApi(node: DscsNode, out: Output, options: NodeApiOptions): Promise<NodeApi> {
  const hub = new EventHub()
  const rtt = new RttMonitor(node)
  const api = await startApi({ node, hub, rtt, ...(options.views === undefined ? {} : { views: options.views }), ...(options.metrics === undefined ? {} : { metrics: options.metrics }), ...(options.peerFields === undefined ? {} : { peerFields: options.peerFields }) }, options)
  rtt.start()
  return {
    out: teeOutput(out, hub),
    url: api.url,
    async close() {
      rtt.stop()
      await api.close()
    }
  }
}
