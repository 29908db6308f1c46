// The routing service as chunk-distribution's peer selector, on real libp2p nodes over loopback TCP: a seeder measured
// as slow is left out of the download, the others serve it; and the measurements come from the transfers themselves.
import { afterEach, describe, expect, it } from 'vitest'
import { createNode, type DscsNode } from '@dscs/net'
import { MemoryChunkStore, chunkDistribution, type ChunkDistribution, type ChunkStore, type ContentId } from '@dscs/chunk-distribution'
import { routingOptimizer, routingSelector, type RoutingOptimizer } from '../src/index.js'

const CHUNK = 16 * 1024
/** Requests in flight to a seeder before its first answer. */
const INITIAL_DEPTH = 4
const BYTES = new Uint8Array(48 * CHUNK).map((_, i) => (i * 31) % 251)

/** A store that counts the chunks read from it, by content: the chunks its node served (or read back for itself). */
function counting(store: ChunkStore): { store: ChunkStore; reads: (content?: ContentId) => number } {
  const read: string[] = []
  const proxy = new Proxy(store, {
    get(target, name, receiver) {
      const value: unknown = Reflect.get(target, name, receiver)
      if (name === 'get') {
        return async (...args: Parameters<ChunkStore['get']>) => {
          read.push(args[0].toString())
          return await target.get(...args)
        }
      }
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value
    }
  })
  return { store: proxy, reads: (content) => read.filter((cid) => content === undefined || cid === content.toString()).length }
}

/** A store that serves one chunk at a time, each `ms` after the one before: a seeder with a slow disk or uplink. */
function slowed(store: ChunkStore, ms: number): ChunkStore {
  let queue = Promise.resolve()
  return new Proxy(store, {
    get(target, name, receiver) {
      const value: unknown = Reflect.get(target, name, receiver)
      if (name === 'get') {
        return async (...args: Parameters<ChunkStore['get']>) => {
          const turn = queue.then(() => new Promise<void>((resolve) => setTimeout(resolve, ms)))
          queue = turn
          await turn
          return await target.get(...args)
        }
      }
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value
    }
  })
}

describe('routing optimiser as the chunk-distribution peer selector', () => {
  const started: DscsNode[] = []
  afterEach(async () => {
    await Promise.all(started.splice(0).map((node) => node.stop()))
  })

  it(
    'asks no chunk of a seeder measured as slow, and the others serve the whole content',
    async () => {
      const seeders = [counting(new MemoryChunkStore()), counting(new MemoryChunkStore()), counting(new MemoryChunkStore())]
      const seederNodes = await Promise.all(
        seeders.map((seeder) => createNode({ listen: ['/ip4/127.0.0.1/tcp/0'], relayServer: false, services: { chunks: chunkDistribution({ store: seeder.store }) } }))
      )
      started.push(...seederNodes)
      // The selector is built with the node, so it reaches the routing service through the node, once it runs.
      const leecher: DscsNode = await createNode({
        listen: ['/ip4/127.0.0.1/tcp/0'],
        relayServer: false,
        services: {
          routing: routingOptimizer(),
          chunks: chunkDistribution({ selector: { order: (content, candidates) => (leecher.libp2p.services.routing as RoutingOptimizer).order(content, candidates) } })
        }
      })
      started.push(leecher)
      const routing = leecher.libp2p.services.routing as RoutingOptimizer
      // Seeder 0 publishes; 1 and 2 fetch from it and seed too.
      const serviceOf = (node: DscsNode): ChunkDistribution => node.libp2p.services.chunks as ChunkDistribution
      const cid = await serviceOf(seederNodes[0]!).publish(BYTES, { chunkSize: CHUNK })
      for (const node of seederNodes.slice(1)) {
        await node.dial(seederNodes[0]!.multiaddrs()[0]!)
        await serviceOf(node).fetch(cid)
      }
      const readsBefore = seeders.map((seeder) => seeder.reads())
      for (const node of seederNodes) await leecher.dial(node.multiaddrs()[0]!)

      // Earlier transfers showed seeder 0 at 10 kB/s, the others at 10 MB/s.
      for (let i = 0; i < 3; i++) {
        routing.observeTransfer(seederNodes[0]!.peerId, 10_000, 1_000)
        routing.observeTransfer(seederNodes[1]!.peerId, 10_000_000, 1_000)
        routing.observeTransfer(seederNodes[2]!.peerId, 10_000_000, 1_000)
      }
      const chunks = leecher.libp2p.services.chunks as ChunkDistribution
      await chunks.fetch(cid)
      const served = seeders.map((seeder, i) => seeder.reads() - readsBefore[i]!)
      expect(served[0]).toBe(0)
      expect(served[1]! + served[2]!).toBeGreaterThanOrEqual(48)
      let total = 0
      for await (const piece of chunks.read(cid)) total += piece.length
      expect(total).toBe(BYTES.length)
    },
    60_000
  )

  it(
    'learns throughput from the transfers of one download, with no call of the application, and leaves the slow seeder out of the next',
    async () => {
      const fastStores = [counting(new MemoryChunkStore()), counting(new MemoryChunkStore())]
      const slowStore = counting(slowed(new MemoryChunkStore(), 50))
      const listen = { listen: ['/ip4/127.0.0.1/tcp/0'], relayServer: false }
      const seederNodes = await Promise.all(
        [...fastStores, slowStore].map((seeder) => createNode({ ...listen, services: { chunks: chunkDistribution({ store: seeder.store }) } }))
      )
      started.push(...seederNodes)
      const leecher: DscsNode = await createNode({
        ...listen,
        services: {
          routing: routingOptimizer(),
          chunks: chunkDistribution({ initialDepth: INITIAL_DEPTH, selector: routingSelector(() => leecher.libp2p.services.routing as RoutingOptimizer) })
        }
      })
      started.push(leecher)
      const serviceOf = (node: DscsNode): ChunkDistribution => node.libp2p.services.chunks as ChunkDistribution
      // 192 chunks: long enough that the slow seeder, asked at the start, answers some before the others finish.
      const first = await serviceOf(seederNodes[0]!).publish(new Uint8Array(192 * CHUNK).map((_, i) => (i * 7) % 253), { chunkSize: CHUNK })
      const second = await serviceOf(seederNodes[0]!).publish(BYTES.map((byte) => byte ^ 0x5a), { chunkSize: CHUNK })
      for (const node of seederNodes.slice(1)) {
        await node.dial(seederNodes[0]!.multiaddrs()[0]!)
        await serviceOf(node).fetch(first)
        await serviceOf(node).fetch(second)
      }
      for (const node of seederNodes) await leecher.dial(node.multiaddrs()[0]!)
      const routing = leecher.libp2p.services.routing as RoutingOptimizer
      const [fast, , slow] = seederNodes.map((node) => node.peerId.toString())

      await serviceOf(leecher).fetch(first)
      // Each seeder was tried (never measured, it is given the best capacity known), and measured by its pieces.
      const slowCapacity = routing.score(slow!).effectiveCapacity
      const fastCapacity = routing.score(fast!).effectiveCapacity
      expect(slowCapacity).toBeDefined()
      expect(fastCapacity).toBeDefined()
      expect(slowCapacity!).toBeLessThan(fastCapacity! / 4)

      // Counted by content: the slow store may still be working through requests of the first download. Should the
      // slow seeder say it holds the content before the others do, it is the only holder known and gets one pipeline
      // of requests; once a fast holder is known it is asked for nothing more.
      const before = [...fastStores, slowStore].map((store) => store.reads(second))
      await serviceOf(leecher).fetch(second)
      const [fastA, fastB, slowServed] = [...fastStores, slowStore].map((store, i) => store.reads(second) - before[i]!) as [number, number, number]
      expect(slowServed).toBeLessThanOrEqual(INITIAL_DEPTH)
      expect(fastA + fastB).toBeGreaterThanOrEqual(48 - INITIAL_DEPTH)
    },
    90_000
  )
})
