// Stamps on real libp2p nodes, on loopback TCP: a topic that requires 12 bits of work.
import { afterEach, describe, expect, it } from 'vitest'
import { generateIdentity, signEnvelope, type Identity } from '@dscs/identity'
import { createNode, type DscsNode } from '@dscs/net'
import { createEnvelope, decodeEnvelope, encodeEnvelope, signingBytes, type Envelope } from '@dscs/wire'
import { mintStamp, nonceBytes, stampWork, trustPow, type TrustPow, type TrustPowInit } from '../src/node/index.js'
import { waitFor } from '@dscs/test-support'

const LIBP2P_TEST_TIMEOUT = 30_000
const TOPIC = 'chat'

describe('trustPow stamps on libp2p', () => {
  let nodes: DscsNode[] = []
  afterEach(async () => {
    await Promise.all(nodes.map((node) => node.stop()))
    nodes = []
  })

  async function startNode(init: TrustPowInit | null = {}): Promise<DscsNode> {
    const node = await createNode({
      listen: ['/ip4/127.0.0.1/tcp/0'],
      relayServer: false,
      ...(init === null ? {} : { services: { trustPow: trustPow(init) } })
    })
    nodes.push(node)
    return node
  }

  const serviceOf = (node: DscsNode): TrustPow => node.libp2p.services.trustPow as TrustPow

  function chat(author: Identity, text: string): Envelope {
    return signEnvelope(author, createEnvelope({ kind: 'test.Chat', payload: new TextEncoder().encode(text), author: author.publicKey, timestamp: Date.now() }))
  }

  /** A guarded node and a sender without the service on the topic, the sender seeing the guarded node subscribed. */
  async function guardedTopic() {
    const guarded = await startNode({ stamps: { topics: { [TOPIC]: 12 } } })
    const sender = await startNode(null)
    await sender.dial(guarded.multiaddrs()[0]!)
    const delivered: string[] = []
    guarded.net.subscribe(TOPIC, ({ bytes }) => {
      delivered.push(new TextDecoder().decode(decodeEnvelope(bytes).payload))
      return 'accept'
    })
    sender.net.subscribe(TOPIC, () => 'accept')
    await waitFor(() => sender.net.topicPeers(TOPIC).includes(guarded.peerId), 'the guarded node to subscribe')
    return { guarded, sender, delivered }
  }

  it(
    'delivers a stamped message and rejects an unstamped one, scoring its sender below zero',
    async () => {
      const { guarded, sender, delivered } = await guardedTopic()
      const stamped = await mintStamp(chat(sender.net.identity, 'stamped'), 12)
      await sender.net.publish(TOPIC, encodeEnvelope(stamped))
      await waitFor(() => delivered.length === 1, 'the stamped message')
      expect(delivered).toEqual(['stamped'])
      expect(guarded.net.gossipScore(sender.peerId)).toBeGreaterThanOrEqual(0)

      await sender.net.publish(TOPIC, encodeEnvelope(chat(sender.net.identity, 'unstamped')))
      await waitFor(() => guarded.net.penalties(sender.peerId).total > 0, 'the unstamped message to be refused')
      expect([...guarded.net.penalties(sender.peerId).byCode]).toEqual([['INSUFFICIENT_WORK', 1]])
      await waitFor(() => guarded.net.gossipScore(sender.peerId) < 0, "the sender's gossipsub score to fall below zero")
      expect(delivered).toEqual(['stamped'])
    },
    LIBP2P_TEST_TIMEOUT
  )

  it(
    'rejects an under-stamped message, and checks the stamp before the signature',
    async () => {
      const { guarded, sender, delivered } = await guardedTopic()
      // A stamp proving some work, but under 12 bits: minted at 4, kept only if it falls short of 12.
      let under = await mintStamp(chat(sender.net.identity, 'under'), 4)
      for (let nonce = 0; stampWork(signingBytes(under), under.stamp) >= 12; nonce++) under = { ...under, stamp: nonceBytes(nonce) }
      await sender.net.publish(TOPIC, encodeEnvelope(under))
      // Forged (another author) and unstamped: refused for the stamp, so its bad signature was never checked.
      const forged = { ...chat(sender.net.identity, 'forged'), author: generateIdentity().publicKey }
      await sender.net.publish(TOPIC, encodeEnvelope(forged))
      await waitFor(() => guarded.net.penalties(sender.peerId).total === 2, 'both messages to be refused')
      expect([...guarded.net.penalties(sender.peerId).byCode]).toEqual([['INSUFFICIENT_WORK', 2]])
      expect(guarded.net.verificationCache.size).toBe(0) // no signature was verified
      expect(delivered).toEqual([])
    },
    LIBP2P_TEST_TIMEOUT
  )

  it(
    'tells a peer what it demands, and stops guarding the topic when stopped',
    async () => {
      const { guarded, sender, delivered } = await guardedTopic()
      const asker = await startNode()
      await asker.dial(guarded.multiaddrs()[0]!)
      expect(await serviceOf(asker).stamps.ask(guarded.peerId)).toEqual([{ topic: TOPIC, bits: 12, untrustedBits: 12 }])
      expect(serviceOf(guarded).stamps.demand()).toEqual([{ topic: TOPIC, bits: 12, untrustedBits: 12 }])
      await expect(serviceOf(guarded).stamps.ask(sender.peerId)).rejects.toMatchObject({ code: 'SEND_FAILED' })

      serviceOf(guarded).stop()
      await sender.net.publish(TOPIC, encodeEnvelope(chat(sender.net.identity, 'free again')))
      await waitFor(() => delivered.length === 1, 'the unstamped message')
      await expect(serviceOf(guarded).stamps.ask(asker.peerId)).rejects.toMatchObject({ code: 'NOT_RUNNING' })
    },
    LIBP2P_TEST_TIMEOUT
  )
})
