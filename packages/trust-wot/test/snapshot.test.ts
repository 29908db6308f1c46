// Snapshot bootstrap on real libp2p nodes: observers that replayed a history publish its state as a snapshot through
// @dscs/chunk-distribution and attest its content id; a new node trusting them fetches the snapshot, every chunk
// verified against the attested id, and starts from the same state without replaying anything.
import { afterEach, describe, expect, it } from 'vitest'
import { chunkDistribution, type ChunkDistribution } from '@dscs/chunk-distribution'
import { createNode, type DscsNode } from '@dscs/net'
import { fetchTrustedSnapshot, publishSnapshot, trustWot, type TrustWot } from '../src/index.js'
import { waitFor } from './helpers.js'

const LIBP2P_TEST_TIMEOUT = 60_000
const DAY = 86_400_000
const DOMAIN = 'counters'
const ENTRIES = 20_000

interface Entry {
  readonly key: string
  readonly value: number
}
const history: Entry[] = Array.from({ length: ENTRIES }, (_, i) => ({ key: `k${(i * 7919) % 10_007}`, value: i }))
// Not commutative: a state built in another order shows.
const fold = (previous: number, value: number): number => (previous * 31 + value) % 1_000_003

/** What a peer derives by replaying `entries`: every key's folded value. */
function replay(entries: readonly Entry[]): Record<string, number> {
  const state: Record<string, number> = {}
  for (const { key, value } of entries) state[key] = fold(state[key] ?? 1, value)
  return state
}

/** A snapshot's bytes: the state with its keys in order, so peers with one state encode one snapshot. */
const encode = (state: Record<string, number>): Uint8Array => new TextEncoder().encode(JSON.stringify(Object.entries(state).sort(([a], [b]) => (a < b ? -1 : 1))))
const decode = (bytes: Uint8Array): Record<string, number> => Object.fromEntries(JSON.parse(new TextDecoder().decode(bytes)) as [string, number][])

describe('snapshot bootstrap on libp2p', () => {
  let nodes: DscsNode[] = []
  afterEach(async () => {
    await Promise.all(nodes.map((node) => node.stop()))
    nodes = []
  })

  async function startNode(): Promise<DscsNode> {
    const node = await createNode({ listen: ['/ip4/127.0.0.1/tcp/0'], transports: ['tcp'], relayServer: false, services: { wot: trustWot(), chunks: chunkDistribution() } })
    nodes.push(node)
    return node
  }
  const wot = (node: DscsNode): TrustWot => node.libp2p.services.wot as TrustWot
  const chunks = (node: DscsNode): ChunkDistribution => node.libp2p.services.chunks as ChunkDistribution

  it(
    'a new node fetches the snapshot trusted observers attest, verified against its root, and reaches the state of the peers that replayed everything',
    async () => {
      const [o1, o2, liar] = [await startNode(), await startNode(), await startNode()]
      // o1 relays the others' attestations: it trusts them (a node keeps attestations of observers it trusts only).
      await wot(o1).trust(o2.peerId, { level: 10, expires: Date.now() + DAY })
      await wot(o1).trust(liar.peerId, { level: 10, expires: Date.now() + DAY })
      await o2.dial(o1.multiaddrs()[0]!)
      await liar.dial(o1.multiaddrs()[0]!)
      await waitFor(() => [o2, liar].every((node) => o1.net.topicPeers('dscs/trust-wot/records/1').includes(node.peerId)), 'the gossip mesh')

      // The observers replayed the whole history; the liar leaves one entry out. Small chunks: the snapshot takes several.
      const state = replay(history)
      const options = { chunkSize: 16 * 1024 }
      const time = Date.now()
      const published = await publishSnapshot(wot(o1), chunks(o1), { domain: DOMAIN, version: ENTRIES, time, bytes: encode(state) }, options)
      const again = await publishSnapshot(wot(o2), chunks(o2), { domain: DOMAIN, version: ENTRIES, time, bytes: encode(state) }, options)
      expect(again.cid.toString()).toBe(published.cid.toString())
      await publishSnapshot(wot(liar), chunks(liar), { domain: DOMAIN, version: ENTRIES, time, bytes: encode(replay(history.slice(1))) }, options)
      await waitFor(() => wot(o1).trustedRoot(DOMAIN, ENTRIES, 0.01) === undefined, "the liar's conflicting attestation at o1") // two roots now

      // The newcomer trusts the three observers alike (0.165 each) and asks for 0.3: the two that agree.
      const newcomer = await startNode()
      for (const observer of [o1, o2, liar]) await wot(newcomer).trust(observer.peerId, { level: 33, expires: Date.now() + DAY })
      await newcomer.dial(o1.multiaddrs()[0]!)
      const snapshot = await fetchTrustedSnapshot(wot(newcomer), chunks(newcomer), { domain: DOMAIN, threshold: 0.3, signal: AbortSignal.timeout(20_000) })
      expect(snapshot.version).toBe(ENTRIES)
      expect(snapshot.cid.toString()).toBe(published.cid.toString())
      expect(snapshot.bytes.length).toBeGreaterThan(3 * 16 * 1024)
      // 0.165 each, and o2 a little more through o1's statement about it.
      expect(snapshot.trust).toBeGreaterThanOrEqual(0.33)
      expect(snapshot.trust).toBeLessThan(0.4)
      expect(snapshot.attestations.map((a) => a.observer).sort()).toEqual([wot(o1).viewpoint().viewer, wot(o2).viewpoint().viewer].sort())
      expect(decode(snapshot.bytes)).toEqual(state)

      // Asking for more trust than agrees: no snapshot is trusted, and the wait is given up.
      await expect(fetchTrustedSnapshot(wot(newcomer), chunks(newcomer), { domain: DOMAIN, threshold: 0.4, signal: AbortSignal.timeout(500) })).rejects.toMatchObject({ code: 'ABORTED' })
      await expect(fetchTrustedSnapshot(wot(newcomer), chunks(newcomer), { domain: DOMAIN, threshold: 0.3, maxBytes: 1_000 })).rejects.toMatchObject({ code: 'BAD_SNAPSHOT' })
    },
    LIBP2P_TEST_TIMEOUT
  )
})
