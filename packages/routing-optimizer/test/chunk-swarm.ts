// A model of a chunk download in netsim: one downloader asks seeders for chunks, each answer as big as a chunk,
// so a seeder's uplink bandwidth sets how fast it serves. The downloader picks the seeder of each request with
// the routing optimiser (capacity-weighted, capped, from measured throughput) or at random. Shared by the
// tests and the benchmark.
import type { PeerRef } from '@dscs/interface'
import type { SimNode, SimPeer } from '@dscs/netsim'
import { chooseByCapacity, type RoutingOptimizerCore } from '@dscs/routing-optimizer'
import type { RoutingSimApp} from './geo-cluster.ts';
import { geoCluster, type RoutingOptions } from './geo-cluster.ts'

const CHUNK_PROTOCOL = '/test/chunk/1.0.0'

export type Strategy = 'routing' | 'random'

export interface SwarmOptions {
  readonly seed: number
  readonly seeders: number
  /** Indices (1-based, among seeders) of the slow seeders. */
  readonly slow: ReadonlySet<number>
  /** Uplink of a fast seeder, bytes per second; a slow one has a tenth. */
  readonly bandwidth: number
  readonly chunks: number
  readonly chunkBytes: number
  /** Requests in flight at once, and to one seeder. */
  readonly window: number
  readonly perSeeder: number
  readonly strategy: Strategy
  /** What seeder `index` advertises in its capacity record, or nothing. */
  readonly advertise?: (index: number) => number | undefined
}

export interface SwarmResult {
  /** When the last chunk arrived, ms of virtual time after the download started. */
  readonly downloadMs: number
  /** Requests each seeder served, in order of the requests. */
  readonly servedBy: PeerRef[]
  readonly downloader: RoutingOptimizerCore
  readonly nodes: SimNode<RoutingSimApp>[]
}

/** A seeder's chunk server: answers each request with a chunk's worth of bytes. */
function serveChunks(peer: SimPeer, chunkBytes: number): void {
  peer.net.handle(CHUNK_PROTOCOL, ({ from }) => {
    void peer.net.send(from, CHUNK_PROTOCOL, new Uint8Array(chunkBytes))
  })
}

/** Runs one download; node 0 downloads, nodes 1…seeders serve. */
export async function download(options: SwarmOptions): Promise<SwarmResult> {
  const START = 1_000
  const { sim, nodes } = geoCluster({
    seed: options.seed,
    size: options.seeders + 1,
    degree: 'none',
    routing: (index): RoutingOptions => {
      const claim = index === 0 ? undefined : options.advertise?.(index)
      // Probing off (one ping an hour): this model measures transfers, not pings.
      return { probeInterval: 3_600_000, ...(claim === undefined ? {} : { capacity: () => ({ uploadBytesPerSecond: claim, relay: false }) }) }
    }
  })
  for (let i = 1; i <= options.seeders; i++) {
    sim.connect(nodes[0]!, nodes[i]!)
    const uplink = options.slow.has(i) ? options.bandwidth / 10 : options.bandwidth
    sim.setLink(nodes[i]!, nodes[0]!, { latencyMs: 20, bandwidth: uplink }, 'one-way')
    sim.setLink(nodes[0]!, nodes[i]!, { latencyMs: 20 }, 'one-way')
    serveChunks(nodes[i]!.peer!, options.chunkBytes)
  }
  const downloader = nodes[0]!.peer!
  const core = nodes[0]!.app!.core
  const seeders = nodes.slice(1).map((node) => node.id)
  const inflight = new Map<PeerRef, number[]>(seeders.map((peer) => [peer, []]))
  const servedBy: PeerRef[] = []
  // When each seeder's previous answer arrived: a pipelined answer's transfer starts then, not when it was asked for.
  const lastAnswer = new Map<PeerRef, number>()
  let requested = 0
  let received = 0
  let finishedAt = NaN
  const random = (): number => downloader.random.float()

  const choose = (): PeerRef | undefined => {
    const load = (peer: PeerRef): number => inflight.get(peer)!.length
    const open = seeders.filter((peer) => load(peer) < options.perSeeder)
    if (options.strategy === 'random') return open.length === 0 ? undefined : open[Math.floor(random() * open.length)]
    // Peers never measured nor advertised get the best known capacity, but one request at a time until measured: each is tried before being judged.
    const known = seeders.map((peer) => core.table.capacity(peer)).filter((c): c is number => c !== undefined)
    const prior = known.length === 0 ? 1 : Math.max(...known)
    const measured = (peer: PeerRef): boolean => (core.table.measurements(peer)?.transfers ?? 0) > 0
    return chooseByCapacity(
      seeders.map((peer) => ({ peer, weight: core.table.capacity(peer) ?? prior, ...(measured(peer) ? {} : { cap: 1 }) })),
      load,
      { cap: options.perSeeder, maxShare: 1, minRelativeWeight: 0.25 },
      random
    )
  }
  const fill = (): void => {
    let inFlight = 0
    for (const list of inflight.values()) inFlight += list.length
    while (requested < options.chunks && inFlight < options.window) {
      const peer = choose()
      if (peer === undefined) return
      inflight.get(peer)!.push(downloader.clock.now())
      servedBy.push(peer)
      requested++
      inFlight++
      void downloader.net.send(peer, CHUNK_PROTOCOL, new Uint8Array(4))
    }
  }
  downloader.net.handle(CHUNK_PROTOCOL, ({ from, bytes }) => {
    const sentAt = inflight.get(from)!.shift()!
    const now = downloader.clock.now()
    core.table.observeTransfer(from, bytes.length, now - Math.max(sentAt, lastAnswer.get(from) ?? sentAt), now)
    lastAnswer.set(from, now)
    if (++received === options.chunks) finishedAt = sim.now
    fill()
  })
  sim.at(START, fill)
  await sim.run({ until: START + 3_600_000, maxEvents: 50_000_000 })
  return { downloadMs: finishedAt - START, servedBy, downloader: core, nodes }
}
