import { signEnvelope } from '@dscs/identity'
import { createNode, type DscsNode, type NodeOptions } from '@dscs/net'
import { createEnvelope, encodeEnvelope } from '@dscs/wire'
import { sha256 } from '@noble/hashes/sha2.js'
import { afterEach, describe, expect, it } from 'vitest'
import { dscs } from '../src/gen/chunk-distribution.js'
import { ANNOUNCE_TOPIC, AnnouncementPayload, ContentBuilder, chunkDistribution, createAnnouncement, type ChunkDistribution, type ChunkDistributionEvent, type ContentId, type DiscoveryInit } from '../src/node/index.js'
import { collect, contentBytes } from './helpers.js'

const CHUNK = 16 * 1024
const BYTES = contentBytes(24 * CHUNK - 345, 11)
const EXPECTED = Buffer.from(sha256(BYTES)).toString('hex')
// Short intervals: a seeder answers a seeker within half a second, a lookup is retried each second.
const QUICK: DiscoveryInit = { announceInterval: 500, seekInterval: 2_000, lookupInterval: 1_000 }

const started: DscsNode[] = []
afterEach(async () => {
  await Promise.all(started.splice(0).map((node) => node.stop()))
})

interface Peer {
  readonly node: DscsNode
  readonly chunks: ChunkDistribution
  readonly events: ChunkDistributionEvent[]
  readonly id: string
}

async function peer(options: { dht?: boolean; discovery?: DiscoveryInit; uploadBytesPerSecond?: number } = {}): Promise<Peer> {
  const node = await createNode({
    listen: ['/ip4/127.0.0.1/tcp/0'],
    relayServer: false,
    dht: options.dht ?? false,
    net: { rationing: { bytesPerSecond: 1 << 30, burstBytes: 1 << 30 } },
    services: {
      chunks: chunkDistribution({
        requestTimeout: 2_000,
        discovery: { ...QUICK, ...options.discovery },
        ...(options.uploadBytesPerSecond === undefined ? {} : { uploadBytesPerSecond: options.uploadBytesPerSecond, uploadBurstBytes: 2 * CHUNK })
      })
    }
  } satisfies NodeOptions)
  started.push(node)
  const chunks = node.libp2p.services.chunks as ChunkDistribution
  const events: ChunkDistributionEvent[] = []
  chunks.onEvent((event) => events.push(event))
  return { node, chunks, events, id: node.peerId }
}

/** Polls `condition` every 50 ms until it holds; the test's own timeout bounds the wait. */
async function until(condition: () => boolean | Promise<boolean>): Promise<void> {
  while (!(await condition())) await new Promise((resolve) => setTimeout(resolve, 50))
}

/** The providers of `cid` that `p`'s content routing finds within a second. */
async function providersAt(p: Peer, cid: ContentId): Promise<string[]> {
  const found: string[] = []
  try {
    for await (const provider of p.node.libp2p.contentRouting.findProviders(cid, { signal: AbortSignal.timeout(1_000) })) found.push(provider.id.toString())
  } catch {
    // Timed out: what was found so far.
  }
  return found
}

async function connect(a: Peer, b: Peer): Promise<void> {
  await a.node.dial(b.node.multiaddrs()[0]!)
}

/** Both ends see each other on the announcement topic: what one publishes reaches the other. */
async function joined(a: Peer, b: Peer): Promise<void> {
  await until(() => a.node.net.topicPeers(ANNOUNCE_TOPIC).includes(b.id) && b.node.net.topicPeers(ANNOUNCE_TOPIC).includes(a.id))
}

function connected(a: Peer, b: Peer): boolean {
  return a.node.net.peers().includes(b.id)
}

async function contentOf(chunks: ChunkDistribution, cid: ContentId): Promise<string> {
  return Buffer.from(sha256(await collect(chunks.read(cid)))).toString('hex')
}

function providers(events: readonly ChunkDistributionEvent[]): { peer: string; via: string }[] {
  return events.flatMap((event) => (event.type === 'provider' ? [{ peer: event.peer, via: event.via }] : []))
}

/** A seeder and a leecher, each connected only to a hub, all three on the topic; the seeder holds the content. */
async function seederAndLeecherThroughHub(seederOptions: Parameters<typeof peer>[0] = {}) {
  const hub = await peer()
  const seeder = await peer(seederOptions)
  const leecher = await peer()
  await connect(seeder, hub)
  await connect(leecher, hub)
  await joined(seeder, hub)
  await joined(leecher, hub)
  const cid = await seeder.chunks.publish(BYTES, { chunkSize: CHUNK })
  return { hub, seeder, leecher, cid }
}

describe('provider discovery on real libp2p nodes', () => {
  it('a leecher connected only to a hub hears of the seeder on the topic, dials it and completes', async () => {
    const { hub, seeder, leecher, cid } = await seederAndLeecherThroughHub()
    expect(connected(leecher, seeder)).toBe(false)
    await leecher.chunks.fetch(cid)
    expect(await contentOf(leecher.chunks, cid)).toBe(EXPECTED)
    expect(connected(leecher, seeder)).toBe(true)
    expect(providers(leecher.events)).toContainEqual({ peer: seeder.id, via: 'topic' })
    // The hub relayed announcements without holding or fetching anything.
    expect(await hub.chunks.store.manifest(cid)).toBeUndefined()
  }, 30_000)

  it('a leecher whose connection to the one seeder closes mid-download dials it again and completes', async () => {
    // Paced at 4 chunks a second: the download takes about 6 s, so the connection closes midway.
    const { seeder, leecher, cid } = await seederAndLeecherThroughHub({ uploadBytesPerSecond: 4 * CHUNK })
    const download = leecher.chunks.fetch(cid)
    await until(async () => ((await leecher.chunks.store.bitfield(cid))?.count ?? 0) >= 4)
    await leecher.node.libp2p.hangUp(seeder.node.libp2p.peerId)
    const heldWhenLost = (await leecher.chunks.store.bitfield(cid))!.count
    expect(heldWhenLost).toBeLessThan(24)
    // No other holder, and the seeder's answers to the leecher's seeking name a provider it took already: the leecher
    // dials it again (unless the seeder, with a message for the leecher, dialled first).
    await download
    expect(await contentOf(leecher.chunks, cid)).toBe(EXPECTED)
    expect(connected(leecher, seeder)).toBe(true)
  }, 30_000)

  it('with kad-dht, a leecher not connected to the seeder finds it among the providers and completes', async () => {
    // Announcements off: only the DHT can tell the leecher of the seeder.
    const quiet = { dht: true, discovery: { announce: false } }
    const hub = await peer(quiet)
    // The DHT connects every pair of a small network sooner or later (provides, queries), and a connected seeder
    // serves at once: serving slowly (seconds for the content) lets the leecher's lookup report it before completion.
    const seeder = await peer({ ...quiet, uploadBytesPerSecond: 128 * 1024 })
    const leecher = await peer(quiet)
    await connect(seeder, hub)
    await connect(leecher, hub)
    const dhtOf = (p: Peer): { routingTable: { size: number } } => (p.node.libp2p.services as unknown as { dht: { routingTable: { size: number } } }).dht
    await until(() => dhtOf(seeder).routingTable.size > 0 && dhtOf(leecher).routingTable.size > 0)
    const cid = await seeder.chunks.publish(BYTES, { chunkSize: CHUNK })
    // The seeder provides in the background: wait until the hub holds its record, so the leecher's lookup can find it.
    await until(async () => (await providersAt(hub, cid)).includes(seeder.id))
    if (connected(leecher, seeder)) await leecher.node.libp2p.hangUp(seeder.node.libp2p.peerId)
    await leecher.chunks.fetch(cid)
    expect(await contentOf(leecher.chunks, cid)).toBe(EXPECTED)
    expect(providers(leecher.events)).toContainEqual({ peer: seeder.id, via: 'dht' })
  }, 30_000)

  it('hostile announcements are rejected, their relay scored down, and the download still completes', async () => {
    const hub = await peer()
    const seeder = await peer()
    const leecher = await peer()
    // The attacker speaks gossip only: a bare node subscribed to the topic.
    const attacker = await createNode({ listen: ['/ip4/127.0.0.1/tcp/0'], relayServer: false })
    started.push(attacker)
    attacker.net.subscribe(ANNOUNCE_TOPIC, () => 'accept')
    await connect(seeder, hub)
    await connect(leecher, hub)
    await attacker.dial(hub.node.multiaddrs()[0]!)
    await joined(seeder, hub)
    await joined(leecher, hub)
    await until(() => attacker.net.topicPeers(ANNOUNCE_TOPIC).includes(hub.id) && hub.node.net.topicPeers(ANNOUNCE_TOPIC).includes(attacker.peerId))

    const cid = await seeder.chunks.publish(BYTES, { chunkSize: CHUNK })
    const signed = (payload: Uint8Array): Uint8Array =>
      encodeEnvelope(signEnvelope(attacker.identity, createEnvelope({ kind: AnnouncementPayload.name, payload, author: attacker.identity.publicKey, timestamp: Date.now() })))
    const pb = dscs.chunk_distribution.v1.Announcement
    const hostile = [
      // Oversized: 4 KiB of addresses.
      signed(pb.encode({ content: cid.bytes, held: 1, chunks: 24, addresses: Array.from({ length: 8 }, (_, i) => `/dns4/${'x'.repeat(500)}${i}`) }).finish()),
      // Malformed: no protobuf at all.
      signed(new Uint8Array([0xff, 0xff, 0xff, 0xff])),
      // More held than the content has.
      signed(pb.encode({ content: cid.bytes, held: 99, chunks: 24 }).finish())
    ]
    for (const bytes of hostile) await attacker.net.publish(ANNOUNCE_TOPIC, bytes)
    // Valid, for content nobody fetches: relayed, acted on by nobody.
    const other = new ContentBuilder({ chunkSize: CHUNK })
    other.push(contentBytes(CHUNK, 5))
    const unknown = other.finish().cid
    await attacker.net.publish(ANNOUNCE_TOPIC, createAnnouncement(attacker.identity, { cid: unknown, held: 1, chunks: 1, seeking: false, addresses: attacker.multiaddrs() }, Date.now()))

    await until(() => hub.events.filter((e) => e.type === 'refused').length >= hostile.length)
    expect(hub.events.flatMap((e) => (e.type === 'refused' ? [[e.from, e.code]] : []))).toEqual([
      [attacker.peerId, 'TOO_LARGE'],
      [attacker.peerId, 'MALFORMED'],
      [attacker.peerId, 'BAD_ANNOUNCEMENT']
    ])
    // gossipsub recomputes scores at its heartbeat.
    await until(() => hub.node.net.gossipScore(attacker.peerId) < 0)

    await leecher.chunks.fetch(cid)
    expect(await contentOf(leecher.chunks, cid)).toBe(EXPECTED)
    // Rejected at the hub, never relayed to the leecher.
    expect(leecher.events.filter((e) => e.type === 'refused')).toEqual([])
    expect(providers(leecher.events).map((p) => p.peer)).not.toContain(attacker.peerId)
    expect(leecher.node.net.peers()).not.toContain(attacker.peerId)
  }, 30_000)
})
