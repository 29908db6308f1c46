import type { Net, PeerRef, ProtocolId } from '@dscs/interface'
import { Simulation, type SimPeer } from '@dscs/netsim'
import { describe, expect, it } from 'vitest'
import { ChunkDistributionService } from '../src/service.js'
import { MemoryChunkStore, put, type ContentId } from '../src/index.js'
import { collect, contentBytes } from './helpers.js'
import { read } from '../src/read.js'

const CHUNK = 16 * 1024
const CHUNKS = 64
const BYTES = contentBytes(CHUNKS * CHUNK - 321, 11)

/** A Net that counts the bytes a peer receives and sends on the protocol. */
function counting(net: Net): { net: Net; received: () => number; sent: () => number } {
  let received = 0
  let sent = 0
  const wrapped: Net = {
    self: net.self,
    peers: () => net.peers(),
    handle: (protocol, handler) =>
      net.handle(protocol, (message) => {
        received += message.bytes.length
        return handler(message)
      }),
    send: (to: PeerRef, protocol: ProtocolId, bytes: Uint8Array) => {
      sent += bytes.length
      return net.send(to, protocol, bytes)
    },
    publish: (topic, bytes) => net.publish(topic, bytes),
    subscribe: (topic, handler) => net.subscribe(topic, handler),
    onPeer: (listener) => net.onPeer(listener),
    penalise: (peer, code) => net.penalise(peer, code)
  }
  return { net: wrapped, received: () => received, sent: () => sent }
}

function simPeer(peer: SimPeer) {
  const { net, received, sent } = counting(peer.net)
  const store = new MemoryChunkStore()
  const service = new ChunkDistributionService(
    { net, clock: peer.clock, timers: peer.timers },
    { store, random: () => peer.random.float(), requestTimeout: 3_000, manifestRetry: 2_000 }
  )
  const ready = service.start().then(() => service.afterStart())
  return { service, store, received, sent, ready }
}

describe('chunk distribution in the simulator', () => {
  it('a flash crowd of 49 leechers on lossy links: all complete, each receiving little more than the content', async () => {
    const sim = new Simulation({ seed: 5, link: { latencyMs: 20, jitterMs: 20, loss: 0.01, bandwidth: 2 * 1024 * 1024 } })
    const nodes = sim.addPeers(50, (peer) => simPeer(peer), { connect: 'all' })
    const apps = nodes.map((n) => n.app!)
    await Promise.all(apps.map((a) => a.ready))
    const { cid } = await put(apps[0]!.store, BYTES, { chunkSize: CHUNK })
    await apps[0]!.service.seed(cid)
    const done: ContentId[] = []
    sim.at(100, () => {
      for (const app of apps.slice(1)) void app.service.fetch(cid).then((m) => done.push(m.cid))
    })
    await sim.run({ until: 600_000 })

    expect(done).toHaveLength(49)
    for (const app of apps.slice(1)) expect(await collect(read(app.store, cid))).toEqual(BYTES)
    // No request storms: each leecher receives the content once, plus Have announcements and a few duplicates.
    const traffic = apps.slice(1).map((a) => a.received() / BYTES.length)
    expect(Math.max(...traffic)).toBeLessThan(1.3)
    // Rarest first spreads the chunks, so leechers serve each other: the seeder uploads under a third of the 49 copies.
    expect(apps[0]!.sent()).toBeLessThan((49 / 3) * BYTES.length)
  }, 120_000)
})
