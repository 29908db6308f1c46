import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createNode, type DscsNode } from '@dscs/net'
import { sha256 } from '@noble/hashes/sha2.js'
import { afterEach, describe, expect, it } from 'vitest'
import { FsChunkStore, MemoryChunkStore, chunkDistribution, type ChunkDistribution, type ChunkDistributionEvent, type ChunkStore, type ContentId } from '../src/node/index.js'
import { collect, contentBytes } from './helpers.js'

const CHUNK = 16 * 1024
const started: DscsNode[] = []
const dirs: string[] = []
afterEach(async () => {
  await Promise.all(started.splice(0).map((node) => node.stop()))
  await Promise.all(dirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })))
})

interface Peer {
  readonly node: DscsNode
  readonly chunks: ChunkDistribution
  readonly events: ChunkDistributionEvent[]
  readonly id: string
}

async function peer(init: Parameters<typeof chunkDistribution>[0] = {}): Promise<Peer> {
  const node = await createNode({
    listen: ['/ip4/127.0.0.1/tcp/0'],
    relayServer: false,
    services: { chunks: chunkDistribution({ requestTimeout: 2_000, ...init }) }
  })
  started.push(node)
  const chunks = node.libp2p.services.chunks as ChunkDistribution
  const events: ChunkDistributionEvent[] = []
  chunks.onEvent((event) => events.push(event))
  return { node, chunks, events, id: node.libp2p.peerId.toString() }
}

async function mesh(peers: readonly Peer[]): Promise<void> {
  for (let i = 0; i < peers.length; i++) for (let j = 0; j < i; j++) await peers[i]!.node.dial(peers[j]!.node.multiaddrs()[0]!)
}

async function contentOf(chunks: ChunkDistribution, cid: ContentId): Promise<string> {
  return Buffer.from(sha256(await collect(chunks.read(cid)))).toString('hex')
}

const BYTES = contentBytes(64 * CHUNK - 1234, 3)
const EXPECTED = Buffer.from(sha256(BYTES)).toString('hex')

/** A store whose chunks are served corrupt: every byte of each one flipped. */
function corrupting(store: ChunkStore): ChunkStore {
  return new Proxy(store, {
    get(target, name, receiver) {
      if (name === 'get') return async (cid: ContentId, index: number) => (await target.get(cid, index))?.map((byte) => byte ^ 0xff)
      const value: unknown = Reflect.get(target, name, receiver)
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value
    }
  })
}

describe('chunk distribution on real libp2p nodes', () => {
  it('1 seeder, 3 leechers: every leecher gets the exact content', async () => {
    const seeder = await peer()
    const leechers = [await peer(), await peer(), await peer()]
    await mesh([seeder, ...leechers])
    const cid = await seeder.chunks.publish(BYTES, { chunkSize: CHUNK })
    await Promise.all(leechers.map((l) => l.chunks.fetch(cid)))
    for (const leecher of leechers) expect(await contentOf(leecher.chunks, cid)).toBe(EXPECTED)
  }, 60_000)

  it('carries chunks larger than an envelope: the protocol declares its own largest frame', async () => {
    const [seeder, leecher] = [await peer(), await peer()]
    await mesh([seeder, leecher])
    const big = contentBytes(5 * 1024 * 1024 + 17, 8)
    const cid = await seeder.chunks.publish(big, { chunkSize: 2 * 1024 * 1024 })
    await leecher.chunks.fetch(cid)
    expect(await contentOf(leecher.chunks, cid)).toBe(Buffer.from(sha256(big)).toString('hex'))
  }, 60_000)

  it('4 seeders, 1 leecher: the exact content, progress reported per chunk up to 100%', async () => {
    const seeders = [await peer(), await peer(), await peer(), await peer()]
    const leecher = await peer()
    await mesh([...seeders, leecher])
    let cid: ContentId | undefined
    for (const seeder of seeders) cid = await seeder.chunks.publish(BYTES, { chunkSize: CHUNK })
    const reports: number[] = []
    await leecher.chunks.fetch(cid!, { onProgress: (p) => reports.push(p.percent) })
    expect(await contentOf(leecher.chunks, cid!)).toBe(EXPECTED)
    expect(reports.at(-1)).toBe(100)
    expect(reports.length).toBe(64)
  }, 60_000)

  it('completes from honest peers when one seeder serves corrupt chunks, and drops the liar', async () => {
    const liar = await peer({ store: corrupting(new MemoryChunkStore()) })
    const honest = [await peer(), await peer()]
    const leecher = await peer()
    await mesh([liar, ...honest, leecher])
    const cid = await liar.chunks.publish(BYTES, { chunkSize: CHUNK })
    for (const h of honest) await h.chunks.publish(BYTES, { chunkSize: CHUNK })
    await leecher.chunks.fetch(cid)
    expect(await contentOf(leecher.chunks, cid)).toBe(EXPECTED)
    const dropped = leecher.events.filter((e) => e.type === 'peer-dropped')
    expect(dropped).toEqual([{ type: 'peer-dropped', cid, peer: liar.id, reason: 'corrupt' }])
    expect(leecher.events.filter((e) => e.type === 'refused').every((e) => e.type === 'refused' && e.from === liar.id)).toBe(true)
  }, 60_000)

  it('completes from the others when a seeder stops mid-transfer', async () => {
    const seeders = [await peer(), await peer()]
    const leecher = await peer({ initialDepth: 1, maxDepth: 2 })
    await mesh([...seeders, leecher])
    let cid: ContentId | undefined
    for (const seeder of seeders) cid = await seeder.chunks.publish(BYTES, { chunkSize: CHUNK })
    let stopping: Promise<void> | undefined
    await leecher.chunks.fetch(cid!, {
      onProgress: (p) => {
        if (p.percent > 20) stopping ??= seeders[0]!.node.stop()
      }
    })
    await stopping
    expect(stopping).toBeDefined()
    expect(await contentOf(leecher.chunks, cid!)).toBe(EXPECTED)
  }, 60_000)

  it('a leecher restarted on its FsChunkStore resumes without fetching its verified chunks again', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'dscs-chunks-'))
    dirs.push(dir)
    let puts = 0
    const counted = async (): Promise<ChunkStore> => {
      const store = await FsChunkStore.open(dir)
      return new Proxy(store, {
        get(target, name, receiver) {
          if (name === 'put') return (...args: Parameters<ChunkStore['put']>) => (puts++, target.put(...args))
          const value: unknown = Reflect.get(target, name, receiver)
          return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value
        }
      })
    }
    // The first seeder serves 20 chunks, then says it holds no more.
    let served = 0
    const stingy = new Proxy(new MemoryChunkStore(), {
      get(target, name, receiver) {
        if (name === 'get') return async (cid: ContentId, index: number) => (++served > 20 ? undefined : target.get(cid, index))
        const value: unknown = Reflect.get(target, name, receiver)
        return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value
      }
    })
    const seeder = await peer({ store: stingy })
    const cid = await seeder.chunks.publish(BYTES, { chunkSize: CHUNK })
    const first = await peer({ store: counted })
    await first.node.dial(seeder.node.multiaddrs()[0]!)
    const abort = new AbortController()
    const fetching = first.chunks.fetch(cid, { signal: abort.signal, onProgress: (p) => p.bytes >= 20 * CHUNK - 1234 && abort.abort() })
    await expect(fetching).rejects.toMatchObject({ code: 'ABORTED' })
    await first.node.stop()
    const reopened = await FsChunkStore.open(dir)
    const held = (await reopened.bitfield(cid))!.count
    await reopened.close()
    expect(held).toBe(20)
    expect(puts).toBe(20)

    const honest = await peer()
    await honest.chunks.publish(BYTES, { chunkSize: CHUNK })
    puts = 0
    const second = await peer({ store: counted })
    await second.node.dial(honest.node.multiaddrs()[0]!)
    await second.chunks.fetch(cid)
    expect(puts).toBe(64 - held)
    expect(await contentOf(second.chunks, cid)).toBe(EXPECTED)
  }, 60_000)
})
