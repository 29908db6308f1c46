import { multiaddr } from '@multiformats/multiaddr'
import { describe, expect, it } from 'vitest'
import type { DirectMessage } from '@dscs/interface'
import { createNode } from '../src/node/index.js'
import { envelopeBytes, nodesStoppedAfterEach, waitFor } from './helpers.js'

const nodes = nodesStoppedAfterEach()

describe('reaching peers that cannot be dialled directly', () => {
  it('a peer behind a circuit-relay reservation is reached through the relay, then over a direct WebRTC connection', async () => {
    // The relay serves reservations, as the reference node does by default.
    const relay = await createNode({ listen: ['/ip4/127.0.0.1/tcp/0'] })
    // Like a browser: no listening socket, only a relay reservation and WebRTC.
    const hidden = await createNode({ listen: ['/p2p-circuit', '/webrtc'], relayServer: false, bootstrap: [relay.multiaddrs()[0]!] })
    const dialer = await createNode({ listen: ['/p2p-circuit', '/webrtc'], relayServer: false, bootstrap: [relay.multiaddrs()[0]!] })
    nodes.push(relay, hidden, dialer)
    await waitFor(() => hidden.multiaddrs().some((a) => a.includes('/p2p-circuit/webrtc')), 'a relay reservation with a WebRTC address', 20_000)
    const viaRelay = hidden.multiaddrs().find((a) => a.includes('/p2p-circuit/webrtc'))!

    // The WebRTC handshake runs through the relay: on a loaded machine it can outlast libp2p's default dial timeout.
    await dialer.libp2p.dial(multiaddr(viaRelay), { signal: AbortSignal.timeout(30_000) })
    await waitFor(() => dialer.libp2p.getConnections().some((c) => c.remotePeer.toString() === hidden.peerId && c.remoteAddr.toString().includes('/webrtc')), 'a WebRTC connection', 20_000)
    const received: DirectMessage[] = []
    hidden.net.handle('/dscs/test/1.0.0', (m) => void received.push(m))
    await dialer.net.send(hidden.peerId, '/dscs/test/1.0.0', envelopeBytes(dialer.identity, 'through WebRTC'))
    await waitFor(() => received.length === 1, 'the envelope')
    expect(received[0]!.from).toBe(dialer.peerId)
  }, 60_000)

  it('bootstrap peers are joined at start, and the kad-dht finds a peer it was not told about', async () => {
    const hub = await createNode({ listen: ['/ip4/127.0.0.1/tcp/0'], relayServer: false, dht: true })
    const a = await createNode({ listen: ['/ip4/127.0.0.1/tcp/0'], relayServer: false, dht: true, bootstrap: [hub.multiaddrs()[0]!] })
    const b = await createNode({ listen: ['/ip4/127.0.0.1/tcp/0'], relayServer: false, dht: true, bootstrap: [hub.multiaddrs()[0]!] })
    nodes.push(hub, a, b)
    await waitFor(() => a.net.peers().includes(hub.peerId) && b.net.peers().includes(hub.peerId), 'both to join the hub', 20_000)
    const { peerIdFromString } = await import('@libp2p/peer-id')
    await waitFor(
      async () => {
        try {
          const info = await a.libp2p.peerRouting.findPeer(peerIdFromString(b.peerId), { signal: AbortSignal.timeout(2000) })
          return info.multiaddrs.length > 0
        } catch {
          return false
        }
      },
      'a to find b through the DHT',
      30_000
    )
  }, 60_000)
})
