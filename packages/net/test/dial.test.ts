import { describe, expect, it } from 'vitest'
import { libp2pProviders } from '../src/index.js'
import { createNode } from '../src/node/index.js'
import { codeOf, nodesStoppedAfterEach } from './helpers.js'

const nodes = nodesStoppedAfterEach()

async function node(): Promise<Awaited<ReturnType<typeof createNode>>> {
  const started = await createNode({ listen: ['/ip4/127.0.0.1/tcp/0'], relayServer: false })
  nodes.push(started)
  return started
}

describe('dialling through the Net', () => {
  it('tells its own addresses and connects to a peer at the addresses given, with or without its /p2p/ part', async () => {
    const [a, b, c] = [await node(), await node(), await node()]
    expect(a.net.addresses()).toEqual(a.multiaddrs())
    await a.net.dial(b.peerId, b.net.addresses())
    expect(a.net.peers()).toContain(b.peerId)
    // A bare transport address gets the peer's id appended.
    await a.net.dial(c.peerId, [c.multiaddrs()[0]!.replace(`/p2p/${c.peerId}`, '')])
    expect(a.net.peers()).toContain(c.peerId)
  })

  it('never dials an address that names another peer, nor a peer id that does not parse', async () => {
    const [a, b, c] = [await node(), await node(), await node()]
    // c's only address is b's: dropped, and nothing else is known of c.
    expect(await codeOf(a.net.dial(c.peerId, b.net.addresses()))).toBe('DIAL_FAILED')
    expect(a.net.peers()).not.toContain(b.peerId)
    expect(await codeOf(a.net.dial('not a peer', []))).toBe('DIAL_FAILED')
    expect(await codeOf(a.net.dial(c.peerId, ['garbage']))).toBe('DIAL_FAILED')
  })

  it('has provider records only with a content router: without one, provide says so and none are found', async () => {
    const a = await node()
    const providers = libp2pProviders(a.libp2p.contentRouting)
    const cid = a.libp2p.peerId.toCID()
    expect(await providers.provide(cid)).toBe(false)
    const found: unknown[] = []
    for await (const provider of providers.findProviders(cid)) found.push(provider)
    expect(found).toEqual([])
  })
})
