// createNode({ transports }): a node runs the transports it is given, and only those are loaded.
import { describe, expect, it } from 'vitest'
import { createNode } from '../src/node/index.js'
import { codeOf, nodesStoppedAfterEach } from './helpers.js'

const nodes = nodesStoppedAfterEach()

describe('the transports a node runs', () => {
  it('a TCP-only node listens on TCP alone, serves no relay, and reaches a node with every transport', async () => {
    const lean = await createNode({ transports: ['tcp'] })
    const full = await createNode({ listen: ['/ip4/127.0.0.1/tcp/0', '/ip4/127.0.0.1/tcp/0/ws'] })
    nodes.push(lean, full)
    // The default listen addresses lose their WebSockets one, which nothing could serve.
    expect(lean.multiaddrs()).toHaveLength(1)
    expect(lean.multiaddrs()[0]).toMatch(/^\/ip4\/127\.0\.0\.1\/tcp\/\d+\/p2p\//)
    expect(lean.libp2p.getProtocols().some((protocol) => protocol.includes('circuit/relay'))).toBe(false)
    expect(full.libp2p.getProtocols().some((protocol) => protocol.includes('circuit/relay/0.2.0/hop'))).toBe(true)
    await lean.dial(full.multiaddrs().find((address) => !address.includes('/ws'))!)
    expect(lean.net.peers()).toContain(full.peerId)
  })

  it('refuses an unknown transport, none at all, and a relay server without the relay transport', async () => {
    expect(await codeOf(createNode({ transports: ['carrier-pigeon' as 'tcp'] }))).toBe('INVALID_OPTION')
    expect(await codeOf(createNode({ transports: [] }))).toBe('INVALID_OPTION')
    expect(await codeOf(createNode({ transports: ['tcp'], relayServer: true }))).toBe('INVALID_OPTION')
  })
})
