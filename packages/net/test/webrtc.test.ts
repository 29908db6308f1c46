import { describe, expect, it } from 'vitest'
import type { DirectMessage } from '@dscs/interface'
import { createNode } from '../src/node/index.js'
import { envelopeBytes, nodesStoppedAfterEach, waitFor } from './helpers.js'

const nodes = nodesStoppedAfterEach()

describe('WebRTC in Node', () => {
  it('two nodes connect over WebRTC-direct (node-datachannel) on loopback and exchange an envelope', async () => {
    const listen = ['/ip4/127.0.0.1/udp/0/webrtc-direct']
    const a = await createNode({ listen, relayServer: false })
    const b = await createNode({ listen, relayServer: false })
    nodes.push(a, b)
    const address = a.multiaddrs().find((m) => m.includes('/webrtc-direct/'))
    expect(address, 'a listens on webrtc-direct').toBeDefined()
    await b.dial(address!)
    const connection = b.libp2p.getConnections()[0]!
    expect(connection.remoteAddr.toString()).toContain('/webrtc-direct/')

    const received: DirectMessage[] = []
    a.net.handle('/dscs/test/1.0.0', (m) => void received.push(m))
    await b.net.send(a.peerId, '/dscs/test/1.0.0', envelopeBytes(b.identity, 'over a data channel'))
    await waitFor(() => received.length === 1, 'the envelope over WebRTC')
    expect(received[0]!.from).toBe(b.peerId)
  }, 30_000)
})
