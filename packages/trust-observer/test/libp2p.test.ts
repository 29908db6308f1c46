// The observer protocol on real libp2p nodes on loopback TCP: an observer, a witness and two clients, one running
// frp-state on the observer's TrustPolicy: submit, receipt, inclusion under a gossiped and cosigned head, confirmation.
import { afterEach, describe, expect, it } from 'vitest'
import { createNode, type DscsNode, type NodeOptions } from '@dscs/net'
import { frpState, jsonCodec, StateGraph, type FrpState } from '@dscs/frp-state'
import { signEnvelope } from '@dscs/identity'
import { createEnvelope } from '@dscs/wire'
import { trustObserver, type ClientService, type ObserverService } from '../src/index.js'
import { waitFor } from '@dscs/test-support'

const LIBP2P_TEST_TIMEOUT = 60_000

interface Add {
  readonly n: number
}
const isAdd = (v: unknown): v is Add => Number.isSafeInteger((v as Add)?.n)

describe('the observer protocol on libp2p', () => {
  const nodes: DscsNode[] = []
  afterEach(async () => {
    await Promise.all(nodes.splice(0).map((node) => node.stop()))
  })
  const start = async (services: NodeOptions['services']): Promise<DscsNode> => {
    const node = await createNode({ listen: ['/ip4/127.0.0.1/tcp/0'], relayServer: false, services })
    nodes.push(node)
    return node
  }

  it(
    'an observer and three nodes: receipts, heads gossiped and cosigned, inclusion proven, frp-state ops confirmed',
    async () => {
      const observer = await start({ log: trustObserver({ role: 'observer', batchInterval: 50 }) })
      const witness = await start({ log: trustObserver({ role: 'witness', observer: observer.peerId }) })
      const witnesses = { keys: [witness.identity.publicKey], threshold: 1 }
      const client = trustObserver({ role: 'client', observer: observer.peerId, witnesses })
      const graph = new StateGraph<Add>()
      const sum = graph.reducer<number>({ name: 'sum', key: () => 'sum', reduce: (n, op) => n + op.payload.n, initial: 0 })
      const alice = await start({ log: client, state: frpState<Add>({ graph, codec: jsonCodec(isAdd), trust: client.trustPolicy() }) })
      const bob = await start({ log: trustObserver({ role: 'client', observer: { peer: observer.peerId }, witnesses }) })
      for (const node of [witness, alice, bob]) await node.dial(observer.multiaddrs()[0]!)
      await alice.dial(witness.multiaddrs()[0]!)
      await bob.dial(witness.multiaddrs()[0]!)
      await alice.dial(bob.multiaddrs()[0]!)

      const logOf = (node: DscsNode) => node.libp2p.services.log as ClientService
      const topic = logOf(alice).core.topic
      await waitFor(() => [witness, alice, bob].every((node) => node.net.topicPeers(topic).length >= 2), 'the observer topic mesh')

      // Alice's op: pending in frp-state until the observer has logged it under a head the witness cosigned.
      const state = alice.libp2p.services.state as FrpState<Add>
      const op = await state.submit({ n: 5 })
      expect([graph.get('predicted', sum, 'sum'), graph.get('confirmed', sum, 'sum')]).toEqual([5, 0])
      const receipt = await logOf(alice).submit(op.envelope)
      expect(receipt.index).toBe(0)

      // Bob submits an envelope of his own.
      const { identity } = bob
      const own = signEnvelope(identity, createEnvelope({ kind: 'demo.Op', payload: new Uint8Array([1]), author: identity.publicKey, timestamp: Date.now() }))
      const bobReceipt = await logOf(bob).submit(own)
      expect(bobReceipt.index).toBe(1)

      await waitFor(() => graph.get('confirmed', sum, 'sum') === 5, 'the op confirmed in frp-state', 20_000)
      expect(logOf(alice).includedAt(op.key)).toBe(0)
      await waitFor(() => logOf(bob).trusted !== undefined && logOf(bob).trusted!.value.size >= 2, 'bob to trust a head holding both entries', 20_000)
      const observed = observer.libp2p.services.log as ObserverService
      expect(observed.log.size).toBe(2)
      expect(logOf(bob).trusted!.value.root).toEqual(await observed.log.root(logOf(bob).trusted!.value.size))
      for (const node of [witness, alice, bob]) expect(logOf(node).evidence).toBeUndefined()
      expect(await logOf(bob).entries(0, 2)).toHaveLength(2)
    },
    LIBP2P_TEST_TIMEOUT
  )
})
