import { connect } from 'node:net'
import { describe, expect, it } from 'vitest'
import type { DirectMessage } from '@dscs/interface'
import { createNode } from '../src/node/index.js'
import { envelopeBytes, waitFor } from './helpers.js'

/** Whether something accepts TCP connections on 127.0.0.1:`port`. */
function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port })
    socket.once('connect', () => {
      socket.destroy()
      resolve(true)
    })
    socket.once('error', () => resolve(false))
  })
}

describe('stop()', () => {
  it('delivers what was sent before it, then closes listeners, the store and the Net', async () => {
    const options = { listen: ['/ip4/127.0.0.1/tcp/0'], relayServer: false }
    const receiver = await createNode(options)
    const sender = await createNode(options)
    const received: DirectMessage[] = []
    receiver.net.handle('/dscs/test/1.0.0', (m) => void received.push(m))
    await sender.dial(receiver.multiaddrs()[0]!)
    for (let i = 0; i < 50; i++) await sender.net.send(receiver.peerId, '/dscs/test/1.0.0', envelopeBytes(sender.identity, `m${i}`))
    const port = Number(sender.multiaddrs()[0]!.split('/')[4])
    expect(await listening(port)).toBe(true)

    await sender.stop()
    await waitFor(() => received.length === 50, 'every message sent before stop')
    expect(await listening(port)).toBe(false)
    await expect(sender.store.get(new Uint8Array([1]))).rejects.toMatchObject({ code: 'STORE_CLOSED' })
    await expect(sender.net.send(receiver.peerId, '/dscs/test/1.0.0', new Uint8Array(1))).rejects.toMatchObject({ code: 'NOT_RUNNING' })
    await sender.stop() // idempotent
    await receiver.stop()
  })
})

describe('stop() with topics and protocols in use', () => {
  it('completes, whatever order libp2p stops its services in', async () => {
    const node = await createNode({ listen: ['/ip4/127.0.0.1/tcp/0'], relayServer: false })
    node.net.subscribe('test/stop', () => 'accept')
    node.net.handle('/dscs/test/1.0.0', () => {})
    await node.stop()
    expect(node.libp2p.status).toBe('stopped')
  })
})
