// Run by netem.test.ts inside the network namespace it made (Node runs this file as it is, on the built packages):
// three libp2p nodes on loopback, at 127.0.0.1, .2 and .3, the last behind the tc netem delay the test set. The first
// pings the other two and prints, as one JSON line, what its routing service made of them.
import { createNode, type DscsNode } from '@dscs/net'
import { routingOptimizer, type RoutingOptimizer } from '@dscs/routing-optimizer'

const PINGS = 6
const nodes: DscsNode[] = []
try {
  for (const host of ['127.0.0.1', '127.0.0.2', '127.0.0.3']) {
    // Probing only on demand: the pings below are the measurements.
    nodes.push(await createNode({ listen: [`/ip4/${host}/tcp/0`], relayServer: false, services: { routing: routingOptimizer({ probeInterval: 600_000 }) } }))
  }
  const [self, near, far] = nodes as [DscsNode, DscsNode, DscsNode]
  for (const other of [near, far]) await self.dial(other.multiaddrs()[0]!)
  const routing = self.libp2p.services.routing as RoutingOptimizer
  const [nearId, farId] = [near.peerId.toString(), far.peerId.toString()]
  const rtts: { near: number[]; far: number[] } = { near: [], far: [] }
  for (let i = 0; i < PINGS; i++) {
    rtts.near.push(await routing.ping(nearId))
    rtts.far.push(await routing.ping(farId))
  }
  console.log(
    JSON.stringify({
      near: nearId,
      far: farId,
      rtts,
      scores: { near: routing.score(nearId).score, far: routing.score(farId).score },
      appScores: { near: routing.appSpecificScore(nearId), far: routing.appSpecificScore(farId) },
      keep: routing.selectConnections({ best: 1, random: 0 }).keep
    })
  )
} finally {
  await Promise.all(nodes.map((node) => node.stop()))
}
