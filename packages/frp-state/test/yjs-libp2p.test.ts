// Two DSCS documents on real libp2p nodes over loopback TCP: YDocSyncCore run by YDocSyncDriver (CoreDriver on the
// node's Net: direct streams for the sync, gossipsub for live updates), with the node's identity and signature cache.
import { afterEach, describe, expect, it } from 'vitest'
import { createNode, type DscsNode } from '@dscs/net'
import * as Y from 'yjs'
import { YDocSyncCore, YDocSyncDriver, type YjsEvent } from '../src/yjs/index.js'
import { waitFor } from '@dscs/test-support'

const LIBP2P_TEST_TIMEOUT = 30_000

interface SyncedDoc {
  readonly node: DscsNode
  readonly doc: Y.Doc
  readonly core: YDocSyncCore
  readonly driver: YDocSyncDriver
  readonly events: YjsEvent[]
}

describe('YDocSyncCore on libp2p', () => {
  const stops: (() => Promise<void>)[] = []
  afterEach(async () => {
    await Promise.all(stops.splice(0).map((stop) => stop()))
  })

  async function syncedDoc(): Promise<SyncedDoc> {
    const node = await createNode({ listen: ['/ip4/127.0.0.1/tcp/0'], relayServer: false })
    const doc = new Y.Doc()
    const core = new YDocSyncCore({ identity: node.identity, domain: 'notes', verificationCache: node.net.verificationCache })
    const events: YjsEvent[] = []
    const driver = new YDocSyncDriver({ core, net: node.net, clock: node.net.clock, onEvent: (event) => events.push(event) })
    driver.addDoc('shared', doc)
    stops.push(async () => {
      driver.stop()
      await node.stop()
    })
    return { node, doc, core, driver, events }
  }

  const textOf = (doc: Y.Doc): string => doc.getText('text').toJSON()

  it(
    'syncs edits made before the nodes met, then live edits both ways, and they converge',
    async () => {
      const alice = await syncedDoc()
      const bob = await syncedDoc()
      alice.doc.getText('text').insert(0, 'alice was here. ')
      bob.doc.getText('text').insert(0, 'bob was here. ')
      bob.doc.getMap('meta').set('owner', 'bob')
      alice.driver.start()
      bob.driver.start()
      await alice.node.dial(bob.node.multiaddrs()[0]!)

      await waitFor(() => textOf(alice.doc).length === 30 && textOf(alice.doc) === textOf(bob.doc), 'the first sync')
      expect(alice.doc.getMap('meta').get('owner')).toBe('bob')
      expect(alice.events).toContainEqual({ type: 'synced', doc: 'shared', peer: bob.node.peerId, changed: true })

      // Live edits travel on the topic once gossipsub knows each node subscribes to it.
      await waitFor(() => alice.node.net.topicPeers(alice.core.topicOf('shared')!).includes(bob.node.peerId), "alice's view of bob's subscription")
      await waitFor(() => bob.node.net.topicPeers(bob.core.topicOf('shared')!).includes(alice.node.peerId), "bob's view of alice's subscription")
      alice.doc.getArray<string>('list').push(['from alice'])
      bob.doc.getArray<string>('list').push(['from bob'])
      await waitFor(() => alice.doc.getArray('list').length === 2 && bob.doc.getArray('list').length === 2, 'the live edits')
      expect(alice.doc.getArray('list').toJSON()).toEqual(bob.doc.getArray('list').toJSON())
      expect(Y.encodeStateVector(alice.doc)).toEqual(Y.encodeStateVector(bob.doc))
      expect(alice.node.net.penalties(bob.node.peerId).total).toBe(0)
      expect(bob.node.net.penalties(alice.node.peerId).total).toBe(0)
    },
    LIBP2P_TEST_TIMEOUT
  )
})
