// The routing optimizer in real `dscs node` processes: on by default, each peer's score and Vivaldi-predicted RTT in
// `/api/peers` and `/metrics`, the node's prediction error in `/api/routing`, gossipsub fed its score; off by config.
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, afterEach, describe, expect, it } from 'vitest'
import { createNode, type DscsNode } from '@dscs/net'
import { waitFor } from '@dscs/test-support'
import { createOutput } from '../src/output.js'
import { pruneConnections, routingServices } from '../src/routing.js'
import { start, type Running } from './spawn.js'

// Bounds against hangs, not timings: the first probe comes a probe interval (5 s) after the start.
const WAIT_MS = 45_000
const TEST_BOUND_MS = 90_000

interface PeerRow {
  readonly peer: string
  readonly gossipScore: number
  readonly routing?: { score: number; measuredRttMs: number | null; predictedRttMs: number | null; reliability: number }
}

const json = async <T>(url: string): Promise<T> => (await (await fetch(url)).json()) as T

describe('the routing optimizer in dscs node', () => {
  let dir = ''
  const running: Running[] = []
  afterEach(async () => {
    for (const node of running.splice(0)) {
      node.child.kill('SIGTERM')
      await node.exit
    }
  })
  afterAll(() => rm(dir, { recursive: true, force: true }))

  async function startNode(name: string, args: string[] = []): Promise<{ run: Running; peerId: string; address: string; url: string }> {
    dir ||= await mkdtemp(join(tmpdir(), 'dscs-routing-'))
    const run = start(['node', '--data', join(dir, name), '--transports', 'tcp', '--api', '0', '--json', ...args], TEST_BOUND_MS)
    running.push(run)
    const ready = await run.next('ready')
    const { url } = (await run.next('api')) as unknown as { url: string }
    return { run, peerId: ready.peerId as string, address: (ready.multiaddrs as string[])[0]!, url }
  }

  it(
    'runs by default: the API and metrics show each peer’s score and predicted RTT and the node’s prediction error, and gossipsub scores by it',
    async () => {
      const alice = await startNode('alice')
      const bob = await startNode('bob', ['--join', alice.address])
      let row: PeerRow | undefined
      await waitFor(
        async () => {
          row = (await json<PeerRow[]>(`${alice.url}api/peers`)).find((p) => p.peer === bob.peerId)
          return typeof row?.routing?.measuredRttMs === 'number' && typeof row.routing.predictedRttMs === 'number'
        },
        'bob measured by a signed ping, and placed by the coordinate in its pong',
        WAIT_MS
      )
      expect(row!.routing!.score).toBeGreaterThan(0)
      expect(row!.routing!.score).toBeLessThanOrEqual(1)
      expect(row!.routing!.reliability).toBeGreaterThan(0.5)

      const routing = await json<{ predictionError: { estimate: number; median: number | null; peers: number } }>(`${alice.url}api/routing`)
      expect(routing.predictionError.peers).toBe(1)
      expect(routing.predictionError.median).toBeGreaterThanOrEqual(0)
      expect(routing.predictionError.estimate).toBeGreaterThan(0)

      const metrics = await (await fetch(`${alice.url}metrics`)).text()
      expect(metrics).toMatch(new RegExp(`dscs_peer_routing_score\\{peer="${bob.peerId}"\\} 0\\.[0-9e-]+\\n`))
      expect(metrics).toMatch(new RegExp(`dscs_peer_predicted_rtt_seconds\\{peer="${bob.peerId}"\\} [0-9.e-]+\\n`))
      expect(metrics).toMatch(/\ndscs_routing_prediction_error [0-9.e-]+\n/)
      expect(metrics).toContain('dscs_routing_prediction_error_peers 1\n')

      // The score reaches gossipsub as its application-specific score (P5): a positive gossip score for an honest peer.
      await waitFor(async () => ((await json<PeerRow[]>(`${alice.url}api/peers`)).find((p) => p.peer === bob.peerId)?.gossipScore ?? 0) > 0, 'a positive gossipsub score', WAIT_MS)
    },
    TEST_BOUND_MS
  )

  it(
    'is off with layers.routing false in the config: no routing view, no routing fields, no routing metrics',
    async () => {
      dir ||= await mkdtemp(join(tmpdir(), 'dscs-routing-'))
      const config = join(dir, 'no-routing.json')
      await writeFile(config, JSON.stringify({ layers: { routing: false } }))
      const carol = await startNode('carol', ['--config', config])
      const dave = await startNode('dave', ['--join', carol.address])
      await waitFor(async () => (await json<PeerRow[]>(`${carol.url}api/peers`)).some((p) => p.peer === dave.peerId), 'dave connected', WAIT_MS)
      const [row] = await json<PeerRow[]>(`${carol.url}api/peers`)
      expect(row!.routing).toBeUndefined()
      expect((await fetch(`${carol.url}api/routing`)).status).toBe(404)
      expect(await (await fetch(`${carol.url}metrics`)).text()).not.toContain('dscs_peer_routing_score')
    },
    TEST_BOUND_MS
  )
})

describe('pruning by routing score', () => {
  const nodes: DscsNode[] = []
  afterEach(async () => {
    await Promise.all(nodes.splice(0).map((node) => node.stop()))
  })

  it('closes the connections beyond the best peers plus the random slots, and says so', async () => {
    const start = (): Promise<DscsNode> => createNode({ listen: ['/ip4/127.0.0.1/tcp/0'], transports: ['tcp'], relayServer: false, services: routingServices() })
    const hub = await start()
    nodes.push(hub)
    for (let i = 0; i < 4; i++) {
      const leaf = await start()
      nodes.push(leaf)
      await leaf.dial(hub.multiaddrs()[0]!)
    }
    await waitFor(() => hub.net.peers().length === 4, 'four peers connected to the hub')
    const lines: string[] = []
    const stop = pruneConnections(hub, createOutput(true, (line) => lines.push(line)), { slots: { best: 1, random: 1 }, intervalMs: 200 })
    try {
      await waitFor(() => lines.length > 0, 'a pruning', WAIT_MS)
      const pruned = JSON.parse(lines[0]!) as { event: string; peers: string[] }
      expect(pruned.event).toBe('pruned')
      expect(pruned.peers).toHaveLength(2)
      await waitFor(() => hub.net.peers().length === 2 && pruned.peers.every((peer) => !hub.net.peers().includes(peer)), 'the pruned peers gone')
    } finally {
      stop()
    }
  }, TEST_BOUND_MS)
})
