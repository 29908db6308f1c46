// createNode({ allowPeer }): the node connects only with the peers it allows, inbound and outbound.
import { describe, expect, it } from 'vitest'
import { createNode } from '../src/node/index.js'
import { nodesStoppedAfterEach, waitFor } from './helpers.js'

const nodes = nodesStoppedAfterEach()
const start = async (allowPeer?: (peer: string) => boolean) => {
  const node = await createNode({ listen: ['/ip4/127.0.0.1/tcp/0'], transports: ['tcp'], relayServer: false, ...(allowPeer === undefined ? {} : { allowPeer }) })
  nodes.push(node)
  return node
}

describe('createNode({ allowPeer })', () => {
  it('refuses connections from and dials to peers it does not allow, and takes those it does', async () => {
    const allowed = new Set<string>()
    const gated = await start((peer) => allowed.has(peer))
    const friend = await start()
    const stranger = await start()
    allowed.add(friend.peerId)
    await friend.dial(gated.multiaddrs()[0]!)
    await waitFor(() => gated.net.peers().includes(friend.peerId), 'the friend connected')
    // The stranger's handshake completes on its side before the gated node refuses it: the connection never stays.
    await stranger.dial(gated.multiaddrs()[0]!).catch(() => {})
    await expect(gated.dial(stranger.multiaddrs()[0]!)).rejects.toThrow()
    await waitFor(() => stranger.net.peers().length === 0, "the stranger's connection closed")
    expect(gated.net.peers()).toEqual([friend.peerId])
    // The predicate is asked at every connection: allowed later, connected then.
    allowed.add(stranger.peerId)
    await stranger.dial(gated.multiaddrs()[0]!)
    await waitFor(() => gated.net.peers().includes(stranger.peerId), 'the stranger connected once allowed')
  })
})

describe('DscsNode.hangUp', () => {
  it('closes the connections with a peer; refused as well, it stays out until allowed again', async () => {
    const blocked = new Set<string>()
    const a = await start((peer) => !blocked.has(peer))
    const b = await start()
    await b.dial(a.multiaddrs()[0]!)
    await waitFor(() => a.net.peers().includes(b.peerId) && b.net.peers().includes(a.peerId), 'connected')
    blocked.add(b.peerId)
    await a.net.hangUp(b.peerId)
    await waitFor(() => a.net.peers().length === 0 && b.net.peers().length === 0, 'both sides saw the hang-up')
    await b.dial(a.multiaddrs()[0]!).catch(() => {})
    await waitFor(() => b.net.peers().length === 0, 'a redial did not stay')
    expect(a.net.peers()).toEqual([])
    await expect(a.net.hangUp('not a peer id')).rejects.toMatchObject({ code: 'INVALID_OPTION' })
    blocked.delete(b.peerId)
    await b.dial(a.multiaddrs()[0]!)
    await waitFor(() => a.net.peers().includes(b.peerId), 'connected again once unblocked')
  })
})
