import { createHash, timingSafeEqual } from 'node:crypto'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { DscsNode } from '@dscs/net'
import { WebSocketServer, type WebSocket } from 'ws'
import { CliError } from '../errors.js'
import { DASHBOARD_HTML } from './dashboard.js'
import type { EventHub } from './events.js'
import { prometheusText, type MetricSample } from './metrics.js'
import type { RttMonitor } from './rtt.js'

export interface ApiOptions {
  /** Default 127.0.0.1. Any other address needs a token. */
  readonly host?: string
  /** Default 0: a free port, read back from `url`. */
  readonly port?: number
  /** When set, every request needs it: `Authorization: Bearer <token>` or `?token=<token>`. */
  readonly token?: string
}

/** What the API shows: the node, its events, and the views the running layers contribute. */
export interface ApiSources {
  readonly node: DscsNode
  readonly hub: EventHub
  readonly rtt: RttMonitor
  /** Views by name, served at `/api/<name>` (e.g. state, partitions, trust, transfers): each returns a JSON-able snapshot. */
  readonly views?: Readonly<Record<string, () => unknown>>
  /** Metrics the layers add to the node's own at `/metrics`. */
  readonly metrics?: () => readonly MetricSample[]
  /** What the layers add to each peer of `/api/peers`. */
  readonly peerFields?: (peer: string) => Readonly<Record<string, unknown>>
}

export interface RunningApi {
  /** Where the dashboard is, e.g. `http://127.0.0.1:7000/` (with `?token=` when one is needed). */
  readonly url: string
  close(): Promise<void>
}

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '::1'])
// A live client that stops reading is cut off rather than buffered without bound.
const MAX_CLIENT_BUFFER_BYTES = 1024 * 1024

/**
 * The node's local HTTP + WebSocket API: JSON views at `/api/<name>`, live
 * events at `/api/events` (WebSocket), Prometheus metrics at `/metrics`, and
 * the dashboard at `/`. Loopback only unless a token protects it.
 */
export async function startApi(sources: ApiSources, options: ApiOptions = {}): Promise<RunningApi> {
  const host = options.host ?? '127.0.0.1'
  const token = options.token === undefined || options.token === '' ? undefined : options.token
  if (!LOOPBACK_HOSTS.has(host) && token === undefined) throw new CliError('BAD_OPTION', `the API on ${host} would be open to the network: give it a token`)
  const views: Record<string, () => unknown> = { node: () => nodeView(sources, Object.keys(views)), peers: () => peersView(sources), topics: () => topicsView(sources.node), ...sources.views }
  const authorised = tokenCheck(token)

  const server = createServer((req, res) => {
    if (!allowedHost(req, token) || !authorised(req)) return sendJson(res, 401, { error: 'unauthorised' })
    if (req.method !== 'GET') return sendJson(res, 405, { error: 'only GET' })
    const path = new URL(req.url ?? '/', 'http://api').pathname
    if (path === '/') return send(res, 200, 'text/html; charset=utf-8', DASHBOARD_HTML)
    if (path === '/metrics') return send(res, 200, 'text/plain; version=0.0.4', prometheusText([...nodeMetrics(sources), ...(sources.metrics?.() ?? [])]))
    const view = path.startsWith('/api/') ? views[path.slice('/api/'.length)] : undefined
    if (view === undefined) return sendJson(res, 404, { error: `no such view; views: ${Object.keys(views).join(', ')}` })
    sendJson(res, 200, view())
  })
  const live = new WebSocketServer({ noServer: true, maxPayload: 1024 })
  server.on('upgrade', (req, socket, head) => {
    const path = new URL(req.url ?? '/', 'http://api').pathname
    if (path !== '/api/events' || !allowedHost(req, token) || !authorised(req) || !sameOrigin(req)) {
      socket.end('HTTP/1.1 401 Unauthorized\r\n\r\n')
      return
    }
    live.handleUpgrade(req, socket, head, (client) => follow(client, sources.hub))
  })

  await new Promise<void>((resolve, reject) => {
    server.once('error', (err) => reject(new CliError('BAD_OPTION', `cannot serve the API on ${host}:${options.port ?? 0}: ${err.message}`, { cause: err })))
    server.listen(options.port ?? 0, host, resolve)
  })
  const { port } = server.address() as AddressInfo
  const shownHost = host.includes(':') ? `[${host}]` : host
  return {
    url: `http://${shownHost}:${port}/${token === undefined ? '' : `?token=${encodeURIComponent(token)}`}`,
    async close() {
      for (const client of live.clients) client.terminate()
      live.close()
      server.closeAllConnections()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    }
  }
}

/** Sends a new live client the recent events, then every event as it happens, as JSON text frames. */
function follow(client: WebSocket, hub: EventHub): void {
  const sendEvent = (event: unknown): void => {
    if (client.bufferedAmount > MAX_CLIENT_BUFFER_BYTES) client.terminate()
    else client.send(JSON.stringify(event))
  }
  for (const event of hub.recent()) sendEvent(event)
  const unsubscribe = hub.subscribe(sendEvent)
  client.on('close', unsubscribe)
  client.on('error', unsubscribe)
}

function tokenCheck(token: string | undefined): (req: IncomingMessage) => boolean {
  if (token === undefined) return () => true
  // Digests have equal lengths, so the comparison takes the same time whatever was sent.
  const expected = createHash('sha256').update(token).digest()
  return (req) => {
    const header = req.headers.authorization
    const given = header?.startsWith('Bearer ') === true ? header.slice('Bearer '.length) : new URL(req.url ?? '/', 'http://api').searchParams.get('token')
    return given !== null && timingSafeEqual(createHash('sha256').update(given).digest(), expected)
  }
}

/** Without a token, only requests addressed to a loopback name: a web page cannot reach the API by rebinding its own name to 127.0.0.1. */
function allowedHost(req: IncomingMessage, token: string | undefined): boolean {
  if (token !== undefined) return true
  const hostname = new URL(`http://${req.headers.host ?? ''}`).hostname.replace(/^\[|\]$/g, '')
  return LOOPBACK_HOSTS.has(hostname)
}

/** A browser's WebSocket to the events must come from the dashboard itself, not from another site the user has open. */
function sameOrigin(req: IncomingMessage): boolean {
  const origin = req.headers.origin
  return origin === undefined || origin === `http://${req.headers.host}`
}

function send(res: ServerResponse, status: number, type: string, body: string): void {
  res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' })
  res.end(body)
}

const sendJson = (res: ServerResponse, status: number, value: unknown): void => send(res, status, 'application/json', JSON.stringify(value))

function nodeView({ node }: ApiSources, views: readonly string[]) {
  return { peerId: node.peerId, multiaddrs: node.multiaddrs(), dataDir: node.dataDir ?? null, views }
}

function peersView({ node, rtt, peerFields }: ApiSources) {
  return node.net.peers().map((peer) => ({
    peer,
    rttMs: rtt.of(peer) ?? null,
    gossipScore: node.net.gossipScore(peer),
    penalties: Object.fromEntries(node.net.penalties(peer).byCode),
    ...peerFields?.(peer)
  }))
}

function topicsView(node: DscsNode) {
  return node.net.topics().map((topic) => ({ topic, peers: node.net.topicPeers(topic) }))
}

function nodeMetrics({ node, rtt, hub }: ApiSources): MetricSample[] {
  const peers = node.net.peers()
  return [
    { name: 'dscs_peers', help: 'Connected peers.', type: 'gauge', value: peers.length },
    ...peers.flatMap((peer): MetricSample[] => {
      const ms = rtt.of(peer)
      return ms === undefined ? [] : [{ name: 'dscs_peer_rtt_seconds', help: 'Round-trip time to the peer at the last ping.', type: 'gauge', value: ms / 1000, labels: { peer } }]
    }),
    ...node.net.topics().map((topic): MetricSample => ({ name: 'dscs_topic_peers', help: 'Peers subscribed to the topic.', type: 'gauge', value: node.net.topicPeers(topic).length, labels: { topic } })),
    ...peers.flatMap((peer) => [...node.net.penalties(peer).byCode].map(([code, count]): MetricSample => ({ name: 'dscs_peer_penalties_total', help: 'Penalties of the peer by error code.', type: 'counter', value: count, labels: { peer, code } }))),
    { name: 'dscs_events_total', help: 'Events the node reported.', type: 'counter', value: hub.count },
    { name: 'process_resident_memory_bytes', help: 'Resident memory size in bytes.', type: 'gauge', value: process.memoryUsage.rss() }
  ]
}
