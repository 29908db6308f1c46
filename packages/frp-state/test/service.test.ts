import { createNode, type DscsNode } from '@dscs/net'
import { afterEach, describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { frpState, ySource, type FrpState } from '../src/index.js'
import { counterApp, type Add } from './fixtures/counter-app.js'
import { waitFor } from '@dscs/test-support'

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
        services: { state: frpState({ graph: app.graph, codec: app.codec, docs: { notes: doc }, ...(syncInterval === undefined ? {} : { syncInterval }) }) }
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
    // Both ways: b publishes only to the peers it knows on the topic, so it must have heard a's subscription too.
    const topic = 'dscs/frp-state/default/yjs/notes'
    await waitFor(() => a.node.net.topicPeers(topic).length === 1 && b.node.net.topicPeers(topic).length === 1, 'the live-update topic')
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
        services: { state: frpState({ graph: app.graph, codec: app.codec, docs: { notes: doc }, syncInterval: 200 }) }
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

  it('keeps many documents: each syncs by itself, one added while running syncs both ways, and a late joiner gets them all', async () => {
    const start = async (names: readonly string[]) => {
      const app = counterApp()
      const docs = Object.fromEntries(names.map((name) => [name, new Y.Doc()]))
      const node = await createNode({
        listen: ['/ip4/127.0.0.1/tcp/0'],
        relayServer: false,
        services: { state: frpState({ graph: app.graph, codec: app.codec, docs, syncInterval: 200 }) }
      })
      started.push(node)
      const state = node.libp2p.services.state as FrpState<Add>
      return { node, state, text: (name: string) => state.doc(name)!.getText('text') }
    }
    const a = await start(['alpha', 'beta'])
    const b = await start(['alpha', 'beta'])
    expect(a.state.docs).toEqual(['alpha', 'beta'])
    a.text('alpha').insert(0, 'a:alpha ')
    b.text('beta').insert(0, 'b:beta ')
    await a.node.dial(b.node.multiaddrs()[0]!)
    await waitFor(() => b.text('alpha').toJSON() === 'a:alpha ' && a.text('beta').toJSON() === 'b:beta ', 'each document to sync')
    expect(a.text('alpha').toJSON()).toBe('a:alpha ')
    expect(b.text('beta').toJSON()).toBe('b:beta ')

    // Live edits go on each document's own topic.
    for (const name of ['alpha', 'beta']) {
      // b publishes only to peers it knows are on the topic: wait until each side sees the other there.
      const topic = `dscs/frp-state/default/yjs/${name}`
      await waitFor(() => a.node.net.topicPeers(topic).length === 1 && b.node.net.topicPeers(topic).length === 1, `the ${name} topic`)
    }
    b.text('alpha').insert(b.text('alpha').length, 'live')
    await waitFor(() => a.text('alpha').toJSON() === 'a:alpha live', 'the live edit of alpha')
    expect(a.text('beta').toJSON()).toBe('b:beta ')

    // A document added while running, holding an edit on each side before it was added: both edits reach both sides.
    const gammaOfA = new Y.Doc()
    gammaOfA.getText('text').insert(0, 'a:gamma ')
    await a.state.addDoc('gamma', gammaOfA)
    const gammaOfB = new Y.Doc()
    gammaOfB.getText('text').insert(0, 'b:gamma ')
    await b.state.addDoc('gamma', gammaOfB)
    await waitFor(() => a.text('gamma').length === 16 && a.text('gamma').toJSON() === b.text('gamma').toJSON(), 'the added document to sync')
    await expect(b.state.addDoc('gamma', new Y.Doc())).rejects.toMatchObject({ code: 'DUPLICATE_NAME' })

    // A late joiner that dials b alone gets every document, as b holds it.
    const c = await start(['alpha', 'beta', 'gamma'])
    await c.node.dial(b.node.multiaddrs()[0]!)
    await waitFor(() => ['alpha', 'beta', 'gamma'].every((name) => c.text(name).toJSON() === b.text(name).toJSON()), 'the late joiner to catch up')
    expect(c.text('gamma').length).toBe(16)
    for (const [x, y] of [[a, b], [b, a], [b, c], [c, b]] as const) expect(x.node.net.penalties(y.node.peerId).total).toBe(0)

    expect(await a.state.removeDoc('gamma')).toBe(true)
    expect(await a.state.removeDoc('gamma')).toBe(false)
    expect(a.state.docs).toEqual(['alpha', 'beta'])
    expect(a.state.doc('gamma')).toBeUndefined()
  }, 60_000)

  it('refuses to add a document once its node has stopped, and a bad name while it runs', async () => {
    const { node, state } = await statefulNode()
    await expect(state.addDoc('a/b', new Y.Doc())).rejects.toMatchObject({ code: 'INVALID_OPTION' })
    await node.stop()
    await expect(state.addDoc('notes', new Y.Doc())).rejects.toMatchObject({ code: 'NOT_RUNNING' })
  })

  it('refuses to submit once its node has stopped, with a typed error', async () => {
    const { node, state } = await statefulNode()
    await node.stop()
    await expect(state.submit({ counter: 'x', by: 1 })).rejects.toMatchObject({ code: 'NOT_RUNNING' })
  })
})
