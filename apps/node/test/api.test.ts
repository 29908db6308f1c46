// The node's HTTP + WebSocket API on a real node: views, metrics, live events, and who may read them.
import { request } from 'node:http'
import { afterEach, describe, expect, it } from 'vitest'
import { WebSocket } from 'ws'
import { createNode, type DscsNode } from '@dscs/net'
import { waitFor } from '@dscs/test-support'
import { serveNodeApi, type NodeApi } from '../src/api/index.js'
import { createOutput } from '../src/output.js'

const TEST_TIMEOUT = 30_000

/** A GET with the given headers: status and body. */
function get(url: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    request(url, { headers }, (res) => {
      let body = ''
      res.on('data', (chunk: Buffer) => (body += chunk.toString()))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }))
    })
      .on('error', reject)
      .end()
  })
}

describe('the node API', () => {
  const nodes: DscsNode[] = []
  const apis: NodeApi[] = []
  afterEach(async () => {
    await Promise.all(apis.splice(0).map((api) => api.close()))
    await Promise.all(nodes.splice(0).map((node) => node.stop()))
  })

  async function startNode(): Promise<DscsNode> {
    const node = await createNode({ listen: ['/ip4/127.0.0.1/tcp/0'], transports: ['tcp'], relayServer: false })
    nodes.push(node)
    return node
  }

  const quiet = createOutput(false, () => {})

  it(
    'serves the node, its peers with their RTT, its topics and the layers’ views as JSON, and Prometheus metrics',
    async () => {
      const node = await startNode()
      const peer = await startNode()
      node.net.subscribe('chat', () => 'accept')
      const api = await serveNodeApi(node, quiet, { views: { state: () => ({ domains: [] }) } })
      apis.push(api)
      await peer.dial(node.multiaddrs()[0]!)

      const self = JSON.parse((await get(`${api.url}api/node`)).body) as { peerId: string; views: string[] }
      expect(self.peerId).toBe(node.peerId)
      expect(self.views).toEqual(['node', 'peers', 'topics', 'state'])
      // The first ping round may have run before the peer connected: the next one, within seconds, measures it.
      await waitFor(async () => {
        const peers = JSON.parse((await get(`${api.url}api/peers`)).body) as { peer: string; rttMs: number | null }[]
        return peers.length === 1 && peers[0]!.peer === peer.peerId && typeof peers[0]!.rttMs === 'number'
      }, 'the peer with its RTT', 15_000)
      expect(JSON.parse((await get(`${api.url}api/topics`)).body)).toEqual([{ topic: 'chat', peers: [] }])
      expect(JSON.parse((await get(`${api.url}api/state`)).body)).toEqual({ domains: [] })

      const missing = await get(`${api.url}api/nothing`)
      expect(missing.status).toBe(404)
      expect(missing.body).toContain('views: node, peers, topics, state')

      const metrics = await get(`${api.url}metrics`)
      expect(metrics.status).toBe(200)
      expect(metrics.body).toContain('# TYPE dscs_peers gauge\ndscs_peers 1\n')
      expect(metrics.body).toMatch(new RegExp(`dscs_peer_rtt_seconds\\{peer="${peer.peerId}"\\} [0-9.e-]+\\n`))
      expect(metrics.body).toContain('dscs_topic_peers{topic="chat"} 0')

      const dashboard = await get(api.url)
      expect(dashboard.status).toBe(200)
      expect(dashboard.body).toContain('<title>DSCS node</title>')
    },
    TEST_TIMEOUT
  )

  it(
    'sends a live client the recent events, then each new one as it is reported',
    async () => {
      const node = await startNode()
      const api = await serveNodeApi(node, quiet, {})
      apis.push(api)
      api.out.event('before', { n: 1 }, 'before')
      const ws = new WebSocket(`${api.url.replace('http', 'ws')}api/events`)
      const received: { event: string; n: number }[] = []
      ws.on('message', (data: Buffer) => received.push(JSON.parse(data.toString()) as { event: string; n: number }))
      await new Promise((resolve) => ws.once('open', resolve))
      api.out.event('after', { n: 2 }, 'after')
      await waitFor(() => received.length === 2, 'both events')
      expect(received.map(({ event, n }) => [event, n])).toEqual([
        ['before', 1],
        ['after', 2]
      ])
      ws.close()
    },
    TEST_TIMEOUT
  )

  it(
    'refuses a request without the token when one is set, a page on another origin, and a name rebound to loopback',
    async () => {
      const node = await startNode()
      const guarded = await serveNodeApi(node, quiet, { token: 's3cret' })
      apis.push(guarded)
      const base = guarded.url.replace(/\?token=.*$/, '')
      expect(guarded.url).toBe(`${base}?token=s3cret`)
      expect((await get(`${base}api/node`)).status).toBe(401)
      expect((await get(`${base}api/node`, { authorization: 'Bearer wrong' })).status).toBe(401)
      expect((await get(`${base}api/node`, { authorization: 'Bearer s3cret' })).status).toBe(200)
      expect((await get(`${base}api/node?token=s3cret`)).status).toBe(200)

      const open = await serveNodeApi(node, quiet, {})
      apis.push(open)
      expect((await get(`${open.url}api/node`, { host: 'attacker.example:80' })).status).toBe(401)
      const foreign = new WebSocket(`${open.url.replace('http', 'ws')}api/events`, { origin: 'http://attacker.example' })
      const refused = await new Promise<string>((resolve) => {
        foreign.once('open', () => resolve('open'))
        foreign.once('error', (err) => resolve(err.message))
      })
      expect(refused).toContain('401')
    },
    TEST_TIMEOUT
  )

  it('will not listen beyond loopback without a token', async () => {
    const node = await startNode()
    await expect(serveNodeApi(node, quiet, { host: '0.0.0.0' })).rejects.toMatchObject({ code: 'BAD_OPTION' })
  })
})
