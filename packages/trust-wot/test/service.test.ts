// The service on real libp2p nodes, on loopback TCP: statements by gossip and on connect, LevelDB persistence, penalties.
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { createNode, type DscsNode } from '@dscs/net'
import { PROTOCOL_ID, trustWot, type TrustWot, type TrustWotInit } from '../src/index.js'
import { waitFor } from './helpers.js'

const LIBP2P_TEST_TIMEOUT = 30_000
const DAY = 86_400_000

describe('trustWot on libp2p', () => {
  let nodes: DscsNode[] = []
  const dirs: string[] = []
  afterEach(async () => {
    await Promise.all(nodes.map((node) => node.stop()))
    nodes = []
    await Promise.all(dirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })))
  })

  async function startNode(options: { init?: TrustWotInit | null; dataDir?: string } = {}): Promise<DscsNode> {
    const node = await createNode({
      listen: ['/ip4/127.0.0.1/tcp/0'],
      transports: ['tcp'],
      relayServer: false,
      ...(options.dataDir === undefined ? {} : { dataDir: options.dataDir }),
      ...(options.init === null ? {} : { services: { wot: trustWot(options.init ?? {}) } })
    })
    nodes.push(node)
    return node
  }

  const wot = (node: DscsNode): TrustWot => node.libp2p.services.wot as TrustWot

  it(
    'sends statements to a peer as it connects, gossips new ones, and keeps them in LevelDB across a restart',
    async () => {
      const dataDir = await mkdtemp(join(tmpdir(), 'trust-wot-'))
      dirs.push(dataDir)
      let alice = await startNode({ dataDir })
      const bob = await startNode()
      const carol = await startNode()
      await wot(alice).trust(bob.peerId, { level: 80, expires: Date.now() + DAY })
      expect(wot(alice).trustOf(bob.peerId)).toBe(0.4)

      // Bob was not connected when alice made her statement: he gets it as they connect.
      await alice.dial(bob.multiaddrs()[0]!)
      await waitFor(() => wot(bob).viewpoint(alice.peerId).trust(wot(bob).viewpoint().viewer) === 0.4, "alice's statement at bob")
      // Carol joins through bob; then a new statement of bob's reaches alice by gossip.
      await carol.dial(bob.multiaddrs()[0]!)
      await waitFor(() => wot(carol).viewpoint(alice.peerId).trust(wot(bob).viewpoint().viewer) === 0.4, "alice's statement at carol")
      // Bob publishes only to peers he knows are on the topic: wait until each side sees the other there.
      await waitFor(() => alice.net.topicPeers('dscs/trust-wot/records/1').includes(bob.peerId), 'bob on the topic at alice')
      await waitFor(() => bob.net.topicPeers('dscs/trust-wot/records/1').includes(alice.peerId), 'alice on the topic at bob')
      await wot(bob).trust(carol.peerId, { level: 100, expires: Date.now() + DAY })
      await waitFor(() => wot(alice).trustOf(carol.peerId) === 0.2, "bob's statement at alice")

      // Alice restarts from her data directory: her records come back from LevelDB before she meets anyone.
      await alice.stop()
      nodes = nodes.filter((node) => node !== alice)
      alice = await startNode({ dataDir })
      expect(wot(alice).trustOf(bob.peerId)).toBe(0.4)
      expect(wot(alice).trustOf(carol.peerId)).toBe(0.2)
    },
    LIBP2P_TEST_TIMEOUT
  )

  it(
    'penalises a peer that sends a Records message that is not one',
    async () => {
      const alice = await startNode()
      const mallory = await startNode({ init: null })
      await mallory.dial(alice.multiaddrs()[0]!)
      await mallory.net.send(alice.peerId, PROTOCOL_ID, new Uint8Array([0xff, 0xff]))
      await waitFor(() => alice.net.penalties(mallory.peerId).total === 1, 'the penalty')
      expect(alice.net.penalties(mallory.peerId).byCode.get('MALFORMED')).toBe(1)
    },
    LIBP2P_TEST_TIMEOUT
  )
})
