import { createNode, type DscsNode } from '@dscs/net'
import { afterEach, describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { frpState, ySource, type FrpState } from '../src/index.js'
import { counterApp, type Add } from './fixtures/counter-app.js'
import { waitFor } from './helpers.js'

const started: DscsNode[] = []
afterEach(async () => {
  await Promise.all(started.splice(0).map((node) => node.stop()))
})

async function statefulNode() {
  const app = counterApp()
  const node = await createNode({ listen: ['/ip4/127.0.0.1/tcp/0'], relayServer: false, services: { state: frpState({ graph: app.graph, codec: app.codec }) } })
  started.push(node)
  return { ...app, node, state: node.libp2p.services.state as FrpState<Add> }
}

describe('frp-state on real libp2p nodes', () => {
  it('converges: every node derives the same counters from ops submitted anywhere', async () => {
    const peers = [await statefulNode(), await statefulNode(), await statefulNode()]
    await peers[1]!.node.dial(peers[0]!.node.multiaddrs()[0]!)
    await peers[2]!.node.dial(peers[0]!.node.multiaddrs()[0]!)
    await peers[2]!.node.dial(peers[1]!.node.multiaddrs()[0]!)
    const topic = 'dscs/frp-state/default/ops'
    await waitFor(() => peers.every((p) => p.node.net.topicPeers(topic).length === 2), 'the gossip mesh')

    for (let i = 0; i < 30; i++) await peers[i % 3]!.state.submit({ counter: `c${i % 4}`, by: i })
    const expected = (29 * 30) / 2
    await waitFor(() => peers.every((p) => p.graph.get('confirmed', p.total) === expected), 'every node to count every op')
    const values = peers.map((p) => ['c0', 'c1', 'c2', 'c3'].map((key) => p.graph.get('predicted', p.counters, key)))
    expect(values[1]).toEqual(values[0])
    expect(values[2]).toEqual(values[0])
  })

  it('shares a Y.Doc: edits made apart merge on connect, live edits follow, and the text feeds the graph', async () => {
    const start = async (syncInterval?: number) => {
      const app = counterApp()
      const doc = new Y.Doc()
      const text = doc.getText('notes')
      const notes = app.graph.source('notes', ySource(text))
      const length = app.graph.computed('length', (read) => read.read(notes).length)
      const node = await createNode({
        listen: ['/ip4/127.0.0.1/tcp/0'],
        relayServer: false,
        services: { state: frpState({ graph: app.graph, codec: app.codec, doc: { name: 'notes', doc }, ...(syncInterval === undefined ? {} : { syncInterval }) }) }
      })
      started.push(node)
      return { ...app, node, text, length }
    }
    const a = await start()
    const b = await start()
    a.text.insert(0, 'written by a. ')
    b.text.insert(0, 'written by b. ')
    expect(a.graph.get('predicted', a.length)).toBe(14)
    await a.node.dial(b.node.multiaddrs()[0]!)
    await waitFor(() => a.text.toJSON() === b.text.toJSON() && a.text.length === 28, 'the edits made apart to merge')
    await waitFor(() => a.node.net.topicPeers('dscs/frp-state/default/yjs/notes').length === 1, 'the live-update topic')
    b.text.insert(b.text.length, 'live from b.')
    await waitFor(() => a.text.toJSON().endsWith('live from b.'), 'the live edit')
    expect(a.graph.get('predicted', a.length)).toBe(a.text.length)
  }, 30_000)

  it('spreads a document edit made offline beyond the peer it first synced with, by periodic resync', async () => {
    const start = async () => {
      const app = counterApp()
      const doc = new Y.Doc()
      const node = await createNode({
        listen: ['/ip4/127.0.0.1/tcp/0'],
        relayServer: false,
        services: { state: frpState({ graph: app.graph, codec: app.codec, doc: { name: 'notes', doc }, syncInterval: 200 }) }
      })
      started.push(node)
      return { node, text: doc.getText('notes') }
    }
    const [a, b, c] = [await start(), await start(), await start()]
    await a.node.dial(b.node.multiaddrs()[0]!)
    c.text.insert(0, 'written by c, offline')
    // c syncs with b only; b takes c's edit in a sync step 2, which is never republished live: a must ask again.
    await c.node.dial(b.node.multiaddrs()[0]!)
    await waitFor(() => a.text.toJSON() === 'written by c, offline', 'the edit to reach a through b')
  })

  it('refuses to submit once its node has stopped, with a typed error', async () => {
    const { node, state } = await statefulNode()
    await node.stop()
    await expect(state.submit({ counter: 'x', by: 1 })).rejects.toMatchObject({ code: 'NOT_RUNNING' })
  })
})
