import { signEnvelope, type Identity } from '@dscs/identity'
import { createEnvelope, encodeEnvelope } from '@dscs/wire'
import type { GossipSub } from '@libp2p/gossipsub'
import { isDscsError } from '@dscs/interface'
import { afterEach, expect } from 'vitest'
import { createNode, type DscsNode, type NodeOptions } from '../src/node/index.js'
import { waitFor } from '@dscs/test-support'

/** A node's gossipsub service, for tests that look beneath the Net port. */
export function pubsubOf(node: DscsNode): GossipSub {
  return node.libp2p.services.pubsub as GossipSub
}


/** A signed envelope of `kind` from `author`, encoded. */
export function envelopeBytes(author: Identity, text: string, options: { kind?: string; timestamp?: number; payload?: Uint8Array } = {}): Uint8Array {
  const envelope = signEnvelope(
    author,
    createEnvelope({
      kind: options.kind ?? 'test.Message',
      payload: options.payload ?? new TextEncoder().encode(text),
      author: author.publicKey,
      timestamp: options.timestamp ?? Date.now()
    })
  )
  return encodeEnvelope(envelope)
}

/** Nodes on loopback TCP only, each connected to the first. */
export async function startNodes(count: number, options: NodeOptions = {}): Promise<DscsNode[]> {
  const nodes: DscsNode[] = []
  try {
    for (let i = 0; i < count; i++) {
      nodes.push(await createNode({ listen: ['/ip4/127.0.0.1/tcp/0'], relayServer: false, ...options }))
    }
    // libp2p takes only five inbound connections a second from one host, and every node here is on 127.0.0.1.
    for (const node of nodes.slice(1)) await waitFor(() => node.dial(nodes[0]!.multiaddrs()[0]!).then(() => true, () => false), 'a dial to the first node')
  } catch (err) {
    await Promise.allSettled(nodes.map((n) => n.stop()))
    throw err
  }
  return nodes
}

/** Waits until every node sees every other node subscribed to `topic` (the gossip mesh can form). */
export async function waitForSubscribers(nodes: readonly DscsNode[], topic: string, expected = nodes.length - 1): Promise<void> {
  for (const node of nodes) {
    await waitFor(() => node.net.topicPeers(topic).length >= Math.min(expected, node.net.peers().length), `subscribers of ${topic}`)
  }
}

/** The nodes a test file starts: each test adds its own, and they are all stopped after it. */
export function nodesStoppedAfterEach(): DscsNode[] {
  const running: DscsNode[] = []
  afterEach(async () => {
    const nodes = running.splice(0)
    await Promise.all(nodes.map((node) => node.stop()))
  })
  return running
}

/** The code of the DscsError `promise` rejects with; fails the test if it resolves or rejects with anything else. */
export async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise
  } catch (err) {
    expect(isDscsError(err)).toBe(true)
    return (err as { code: string }).code
  }
  return expect.fail('expected a rejection')
}

export { waitFor }
