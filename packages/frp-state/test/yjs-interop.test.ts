// A plain Y.Doc, driven by nothing but y-protocols/sync (readSyncMessage, writeSyncStep1, writeUpdate), syncs with a
// DSCS document through YDocSyncCore, both ways. What sits between them is a bridge that only moves envelope payloads:
// it wraps each y-protocols message the plain side writes, unchanged, as the payload of a signed YSync or YUpdate
// envelope, and unwraps the payload of each envelope the core sends, unchanged, for readSyncMessage. The plain side
// therefore reads and writes exactly the bytes a y-protocols peer would; the bridge adds a signature and removes it,
// nothing else (it is also where a real deployment would put the plain peer's DSCS identity).
import { describe, expect, it } from 'vitest'
import { generateIdentity, signEnvelope, type Identity } from '@dscs/identity'
import { joinBytes, type CoreEffect } from '@dscs/interface'
import { createEnvelope, decodeEnvelope, decodePayload, encodeEnvelope, encodePayload, type PayloadKind } from '@dscs/wire'
import * as decoding from 'lib0/decoding'
import * as encoding from 'lib0/encoding'
import * as sync from 'y-protocols/sync'
import * as Y from 'yjs'
import { YDocSyncCore, YSyncPayload, YUpdatePayload, type YjsEvent, type YjsPayload } from '../src/yjs/index.js'

const NOW = 1_700_000_000_000
const DOMAIN = 'notes'
const NAME = 'shared'
const PLAIN = 'plain-peer'

/** The y-protocols side: a Y.Doc, the sync functions of y-protocols, and the bridge to envelopes. */
class PlainPeer {
  readonly doc = new Y.Doc()
  readonly #identity: Identity = generateIdentity()
  #seq = 0

  constructor(readonly core: YDocSyncCore) {}

  /** Starts a sync as a y-protocols client does: its step 1. */
  start(): void {
    this.#toCore(YSyncPayload, written((encoder) => sync.writeSyncStep1(encoder, this.doc)))
  }

  /** Sends each local update on, as a y-protocols provider does, published on the topic. */
  publishLocalUpdates(): void {
    this.doc.on('update', (update: Uint8Array, origin: unknown) => {
      if (origin !== this) this.#toCore(YUpdatePayload, written((encoder) => sync.writeUpdate(encoder, update)))
    })
  }

  /** What the core did: each send or publish to this peer is unwrapped and read by y-protocols, answers go back. */
  handle(effects: readonly CoreEffect<YjsEvent>[]): void {
    for (const effect of effects) {
      if (effect.type === 'penalise') throw new Error(`the core refused the plain peer's message: ${effect.error.code}`)
      if (effect.type !== 'send' && effect.type !== 'publish') continue
      const envelope = decodeEnvelope(joinBytes(effect.bytes))
      const message = decodePayload(envelope, envelope.kind === YSyncPayload.name ? YSyncPayload : YUpdatePayload).message
      const reply = encoding.createEncoder()
      sync.readSyncMessage(decoding.createDecoder(message), reply, this.doc, this)
      if (encoding.length(reply) > 0) this.#toCore(YSyncPayload, encoding.toUint8Array(reply))
    }
  }

  // The bridge: the y-protocols bytes go in as the payload, unchanged.
  #toCore(kind: PayloadKind<YjsPayload>, message: Uint8Array): void {
    const unsigned = createEnvelope({
      kind: kind.name,
      payload: encodePayload(kind, { domain: DOMAIN, doc: NAME, message }),
      author: this.#identity.publicKey,
      timestamp: NOW,
      seq: this.#seq++
    })
    const bytes = encodeEnvelope(signEnvelope(this.#identity, unsigned))
    this.handle(kind === YSyncPayload ? this.core.receive(PLAIN, bytes, NOW) : this.core.receiveTopic(PLAIN, this.core.topicOf(NAME)!, bytes, NOW).effects)
  }
}

function written(write: (encoder: encoding.Encoder) => void): Uint8Array {
  const encoder = encoding.createEncoder()
  write(encoder)
  return encoding.toUint8Array(encoder)
}

/** A DSCS document and a plain one, each edited on its own first. */
function twoPeers(): { core: YDocSyncCore; doc: Y.Doc; plain: PlainPeer } {
  const core = new YDocSyncCore({ identity: generateIdentity(), domain: DOMAIN })
  const doc = new Y.Doc()
  core.addDoc(NAME, doc, NOW)
  const plain = new PlainPeer(core)
  doc.getText('text').insert(0, 'dscs wrote this. ')
  doc.getMap<string>('meta').set('dscs', 'yes')
  plain.doc.getText('text').insert(0, 'plain wrote this. ')
  plain.doc.getArray<number>('numbers').push([1, 2, 3])
  return { core, doc, plain }
}

/** Every type the tests use, by name: a doc's toJSON() leaves out types it has not asked for yet. */
const contentOf = (doc: Y.Doc) => ({ text: doc.getText('text').toJSON(), meta: doc.getMap('meta').toJSON(), numbers: doc.getArray('numbers').toJSON() })

function expectConverged(doc: Y.Doc, plain: PlainPeer): void {
  expect(contentOf(plain.doc)).toEqual(contentOf(doc))
  expect(Y.encodeStateVector(plain.doc)).toEqual(Y.encodeStateVector(doc))
}

describe('a plain y-protocols document and a DSCS document', () => {
  it('sync concurrent edits when the plain side starts, as a y-protocols client does', () => {
    const { doc, plain } = twoPeers()
    plain.start()
    expectConverged(doc, plain)
    expect(doc.getText('text').toJSON()).toContain('plain wrote this. ')
    expect(doc.getText('text').toJSON()).toContain('dscs wrote this. ')
    expect(doc.getArray('numbers').toJSON()).toEqual([1, 2, 3])
    expect(plain.doc.getMap('meta').get('dscs')).toBe('yes')
  })

  it('sync concurrent edits when both start, as peers do on connect', () => {
    const { core, doc, plain } = twoPeers()
    plain.handle(core.peerConnected(PLAIN, NOW))
    plain.start()
    expectConverged(doc, plain)
    expect(plain.doc.getText('text').toJSON()).toHaveLength('plain wrote this. dscs wrote this. '.length)
  })

  it('exchange live updates both ways after the sync, and concurrent edits merge', () => {
    const { core, doc, plain } = twoPeers()
    plain.start()
    plain.publishLocalUpdates()
    core.replica(NAME)!.onLocalUpdate((update) => plain.handle(core.publishUpdate(NAME, update, NOW)))

    plain.doc.getArray<number>('numbers').push([4])
    doc.getArray<number>('numbers').insert(0, [0])
    doc.getText('text').delete(doc.getText('text').toJSON().indexOf('dscs wrote this. '), 'dscs wrote this. '.length)
    plain.doc.getText('text').insert(plain.doc.getText('text').length, 'the end')

    expectConverged(doc, plain)
    expect(doc.getArray('numbers').toJSON()).toEqual([0, 1, 2, 3, 4])
    expect(doc.getText('text').toJSON()).toBe('plain wrote this. the end')
  })
})
