import { decodeEnvelope } from '@dscs/wire'
import { describe, expect, it } from 'vitest'
import type { DirectMessage, TopicMessage } from '@dscs/interface'
import { createNode, type DscsNode } from '../src/node/index.js'
import { envelopeBytes, nodesStoppedAfterEach, startNodes, waitFor, waitForSubscribers } from './helpers.js'

const text = (bytes: Uint8Array): string => new TextDecoder().decode(decodeEnvelope(bytes).payload)
const running = nodesStoppedAfterEach()

describe('Libp2pNet on real libp2p nodes over TCP', () => {
  it('two nodes exchange signed envelopes over a topic and over a direct protocol', async () => {
    const nodes = await startNodes(2)
    running.push(...nodes)
    const [a, b] = nodes as [NonNullable<(typeof nodes)[0]>, NonNullable<(typeof nodes)[0]>]
    const onTopic: TopicMessage[] = []
    const direct: DirectMessage[] = []
    a.net.subscribe('test/chat', (m) => {
      onTopic.push(m)
      return 'accept'
    })
    b.net.subscribe('test/chat', () => 'accept')
    a.net.handle('/dscs/test/1.0.0', (m) => void direct.push(m))
    await waitForSubscribers(nodes, 'test/chat')

    await b.net.publish('test/chat', envelopeBytes(b.identity, 'hello topic'))
    await b.net.send(a.peerId, '/dscs/test/1.0.0', envelopeBytes(b.identity, 'hello direct 1'))
    await b.net.send(a.peerId, '/dscs/test/1.0.0', envelopeBytes(b.identity, 'hello direct 2'))
    await waitFor(() => onTopic.length === 1 && direct.length === 2, 'both messages')

    expect(onTopic[0]!.from).toBe(b.peerId)
    expect(text(onTopic[0]!.bytes)).toBe('hello topic')
    expect(direct.map((m) => [m.from, m.protocol, text(m.bytes)])).toEqual([
      [b.peerId, '/dscs/test/1.0.0', 'hello direct 1'],
      [b.peerId, '/dscs/test/1.0.0', 'hello direct 2']
    ])
    expect(a.net.peers()).toEqual([b.peerId])
  })

  it('feeds gossipsub the application-specific score set on the Net, and hangs up on a peer on request', async () => {
    const nodes = await startNodes(2)
    running.push(...nodes)
    const [a, b] = nodes as [NonNullable<(typeof nodes)[0]>, NonNullable<(typeof nodes)[0]>]
    for (const node of nodes) node.net.subscribe('test/scored', () => 'accept')
    await waitForSubscribers(nodes, 'test/scored')
    expect(a.net.appSpecificScore(b.peerId)).toBe(0)
    a.net.setAppSpecificScore((peer) => (peer === b.peerId ? 0.7 : Number.NaN))
    expect(a.net.appSpecificScore(b.peerId)).toBe(0.7)
    expect(a.net.appSpecificScore('someone else')).toBe(0) // not finite: no score rather than a poisoned one
    // gossipsub weighs P5 by 10 and refreshes its scores on its heartbeat.
    await waitFor(() => a.net.gossipScore(b.peerId) >= 6.9, 'gossipsub applying the application-specific score')
    a.net.setAppSpecificScore(undefined)
    expect(a.net.appSpecificScore(b.peerId)).toBe(0)

    await a.net.hangUp(b.peerId)
    await waitFor(() => a.net.peers().length === 0 && b.net.peers().length === 0, 'the connection closed on both sides')
  })

  it('nodes also connect over WebSockets', async () => {
    const nodes = await startNodes(1)
    running.push(...nodes)
    const listener = await createNode({ listen: ['/ip4/127.0.0.1/tcp/0/ws'], relayServer: false })
    running.push(listener)
    const address = listener.multiaddrs().find((a) => a.includes('/ws/'))!
    await nodes[0]!.dial(address)
    const received: DirectMessage[] = []
    listener.net.handle('/dscs/test/1.0.0', (m) => void received.push(m))
    await nodes[0]!.net.send(listener.peerId, '/dscs/test/1.0.0', envelopeBytes(nodes[0]!.identity, 'over ws'))
    await waitFor(() => received.length === 1, 'the envelope over WebSockets')
    expect(listener.libp2p.getConnections()[0]!.remoteAddr.toString()).toMatch(/\/ws/)
  })

  it('five nodes in a mesh all receive one publication, once each', async () => {
    const nodes = await startNodes(5)
    running.push(...nodes)
    // Connect every pair, so the gossip mesh is not a star around the first node.
    for (const [i, x] of nodes.entries()) for (const y of nodes.slice(i + 2)) await x.dial(y.multiaddrs()[0]!)
    const received = new Map<string, string[]>()
    for (const node of nodes) {
      received.set(node.peerId, [])
      node.net.subscribe('test/mesh', (m) => {
        received.get(node.peerId)!.push(text(m.bytes))
        return 'accept'
      })
    }
    await waitForSubscribers(nodes, 'test/mesh', 4)
    const publisher = nodes[3]!
    await publisher.net.publish('test/mesh', envelopeBytes(publisher.identity, 'to everyone'))
    await waitFor(() => nodes.every((n) => n === publisher || received.get(n.peerId)!.length === 1), 'every node to receive it')
    await new Promise((resolve) => setTimeout(resolve, 300)) // duplicates would arrive within this
    for (const node of nodes) expect(received.get(node.peerId)).toEqual(node === publisher ? [] : ['to everyone'])
  })

  it('a node with sixteen peers on loopback hears every one of them: processes on one machine are no colocated Sybils', async () => {
    const nodes = await startNodes(17)
    running.push(...nodes)
    const [hub, ...peers] = nodes as [DscsNode, ...DscsNode[]]
    const heard = new Set<string>()
    hub.net.subscribe('test/loopback', (m) => {
      heard.add(text(m.bytes))
      return 'accept'
    })
    for (const peer of peers) peer.net.subscribe('test/loopback', () => 'accept')
    await waitFor(() => peers.every((p) => p.net.topicPeers('test/loopback').includes(hub.peerId)), 'every peer to see the hub on the topic')
    // Past ten peers behind one IP, gossipsub's colocation penalty would graylist them and the hub would drop all they send.
    for (const [i, peer] of peers.entries()) await peer.net.publish('test/loopback', envelopeBytes(peer.identity, `from ${i}`))
    await waitFor(() => heard.size === peers.length, 'the hub to hear every peer')
    for (const peer of peers) expect(hub.net.gossipScore(peer.peerId)).toBeGreaterThanOrEqual(0)
  })
})
