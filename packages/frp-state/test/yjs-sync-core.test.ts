// YDocSyncCore alone, driven by hand: the sync exchange, live updates, and hostile input.
import { describe, expect, it } from 'vitest'
import { generateIdentity, signEnvelope, type Identity } from '@dscs/identity'
import { isDscsError, joinBytes, type CoreEffect, type PeerRef } from '@dscs/interface'
import { createEnvelope, decodeEnvelope, decodePayload, encodeEnvelope, encodePayload, type PayloadKind } from '@dscs/wire'
import * as encoding from 'lib0/encoding'
import * as sync from 'y-protocols/sync'
import * as Y from 'yjs'
import { YDocSyncCore, YSyncPayload, YUpdatePayload, type YDocSyncCoreOptions, type YjsEvent, type YjsPayload } from '../src/yjs/index.js'

const NOW = 1_700_000_000_000
const DOMAIN = 'notes'
const NAME = 'todo'

/** A core keeping one document, NAME, as most tests need, with shorthands for it. */
class OneDocCore extends YDocSyncCore {
  readonly doc = new Y.Doc()
  readonly topic: string

  constructor(options: Partial<YDocSyncCoreOptions>) {
    super({ identity: generateIdentity(), domain: DOMAIN, ...options })
    this.addDoc(NAME, this.doc, NOW)
    this.topic = this.topicOf(NAME)!
  }

  onLocalUpdate(listener: (update: Uint8Array) => void): () => void {
    return this.replica(NAME)!.onLocalUpdate(listener)
  }
}

function newCore(options: Partial<YDocSyncCoreOptions> = {}): OneDocCore {
  return new OneDocCore(options)
}

/** A YSync or YUpdate envelope built by hand, so a test can send what a core never would. */
function handmade(identity: Identity, kind: PayloadKind<YjsPayload>, message: Uint8Array, payload: Partial<YjsPayload> = {}, timestamp = NOW): Uint8Array {
  const unsigned = createEnvelope({
    kind: kind.name,
    payload: encodePayload(kind, { domain: DOMAIN, doc: NAME, message, ...payload }),
    author: identity.publicKey,
    timestamp
  })
  return encodeEnvelope(signEnvelope(identity, unsigned))
}

function syncMessage(write: (encoder: encoding.Encoder) => void): Uint8Array {
  const encoder = encoding.createEncoder()
  write(encoder)
  return encoding.toUint8Array(encoder)
}

/** Each effect as `<peer> <code>` for a penalty, or as its type. */
function outcomes(effects: readonly CoreEffect<YjsEvent>[]): string[] {
  return effects.map((effect) => (effect.type === 'penalise' && isDscsError(effect.error) ? `${effect.peer} ${effect.error.code}` : effect.type))
}

/** The y-protocols message inside the envelope an effect carries. */
function messageOf(effect: CoreEffect<YjsEvent> | undefined): Uint8Array {
  if (effect?.type !== 'send' && effect?.type !== 'publish') throw new Error(`expected a send or publish, got ${JSON.stringify(effect)}`)
  const envelope = decodeEnvelope(joinBytes(effect.bytes))
  return decodePayload(envelope, envelope.kind === YSyncPayload.name ? YSyncPayload : YUpdatePayload).message
}

/**
 * Carries the effects of named cores to one another until none are left, as
 * a network would: sends and publishes to the other core, with counts.
 */
class Wire {
  readonly cores: Map<PeerRef, OneDocCore>
  readonly events: [PeerRef, YjsEvent][] = []
  readonly penalties: string[] = []
  sends = 0

  constructor(cores: Record<PeerRef, OneDocCore>) {
    this.cores = new Map(Object.entries(cores))
  }

  deliver(from: PeerRef, effects: readonly CoreEffect<YjsEvent>[]): void {
    for (const effect of effects) {
      if (effect.type === 'send') {
        this.sends++
        this.deliver(effect.to, this.cores.get(effect.to)!.receive(from, joinBytes(effect.bytes), NOW))
      } else if (effect.type === 'publish') {
        for (const [peer, core] of this.cores) {
          if (peer === from) continue
          const receipt = core.receiveTopic(from, effect.topic, effect.bytes, NOW)
          this.deliver(peer, receipt.effects)
        }
      } else if (effect.type === 'emit') {
        this.events.push([from, effect.event])
      } else {
        this.penalties.push(`${from} penalised ${effect.peer}: ${effect.error.code}`)
      }
    }
  }

  connect(a: PeerRef, b: PeerRef): void {
    this.deliver(a, this.cores.get(a)!.peerConnected(b, NOW))
    this.deliver(b, this.cores.get(b)!.peerConnected(a, NOW))
  }

  /** Publishes each local update of `peer`'s doc, as YDocSyncDriver does. */
  publishLocalUpdates(peer: PeerRef): void {
    const core = this.cores.get(peer)!
    core.onLocalUpdate((update) => this.deliver(peer, core.publishUpdate(NAME, update, NOW)))
  }
}

describe('YDocSyncCore', () => {
  it('syncs two docs with concurrent edits in one exchange: step 1 each way, step 2 each way, nothing more', () => {
    const alice = newCore()
    const bob = newCore()
    alice.doc.getText('text').insert(0, 'alice ')
    bob.doc.getText('text').insert(0, 'bob ')
    bob.doc.getMap('meta').set('owner', 'bob')
    const wire = new Wire({ alice, bob })

    wire.connect('alice', 'bob')

    expect(alice.doc.getText('text').toJSON()).toBe(bob.doc.getText('text').toJSON())
    expect(alice.doc.getText('text').toJSON()).toHaveLength('alice bob '.length)
    expect(alice.doc.getMap('meta').get('owner')).toBe('bob')
    expect(wire.sends).toBe(4)
    expect(wire.events).toEqual([
      ['alice', { type: 'synced', doc: NAME, peer: 'bob', changed: true }],
      ['bob', { type: 'synced', doc: NAME, peer: 'alice', changed: true }]
    ])
    expect(wire.penalties).toEqual([])
  })

  it('sends no second step 1 when the peer connects after its own step 1 was answered', () => {
    const alice = newCore()
    const bob = newCore()
    const wire = new Wire({ alice, bob })
    wire.deliver('alice', alice.peerConnected('bob', NOW)) // bob hears alice's step 1 before its own connect event
    expect(wire.sends).toBe(4) // alice's step 1, bob's step 2 and step 1, alice's step 2
    expect(bob.peerConnected('alice', NOW)).toEqual([])
  })

  it('answers a step 1 from a peer it has not greeted with step 2 and its own step 1, as a y-protocols server does', () => {
    const server = newCore()
    server.doc.getText('text').insert(0, 'on the server')
    const client = newCore()
    client.doc.getText('text').insert(0, 'on the client ')
    const wire = new Wire({ server, client })
    // Only the client starts, as a client of a y-protocols server would.
    wire.deliver('client', client.peerConnected('server', NOW))
    expect(wire.sends).toBe(4)
    expect(server.doc.getText('text').toJSON()).toBe(client.doc.getText('text').toJSON())
  })

  it('carries y-protocols sync messages byte for byte, in envelopes naming the domain and document', () => {
    const core = newCore()
    core.doc.getText('text').insert(0, 'hello')
    const [step1] = core.peerConnected('bob', NOW)
    expect(messageOf(step1)).toEqual(syncMessage((encoder) => sync.writeSyncStep1(encoder, core.doc)))
    const envelope = decodeEnvelope((step1 as { bytes: Uint8Array }).bytes)
    expect(envelope.kind).toBe('dscs.frp-state.YSync')
    expect(decodePayload(envelope, YSyncPayload)).toMatchObject({ domain: DOMAIN, doc: NAME })

    const bob = generateIdentity()
    const emptyStateVector = Y.encodeStateVector(new Y.Doc())
    const step2 = core.receive('bob', handmade(bob, YSyncPayload, syncMessage((encoder) => sync.writeSyncStep1(encoder, new Y.Doc()))), NOW)
    expect(messageOf(step2[0])).toEqual(syncMessage((encoder) => sync.writeSyncStep2(encoder, core.doc, emptyStateVector)))

    const update = Y.encodeStateAsUpdate(core.doc)
    const [published] = core.publishUpdate(NAME, update, NOW)
    expect(published).toMatchObject({ type: 'publish', topic: 'dscs/frp-state/notes/yjs/todo' })
    expect(messageOf(published)).toEqual(syncMessage((encoder) => sync.writeUpdate(encoder, update)))
  })

  it('publishes local updates on the topic, and never republishes the remote ones it applies', () => {
    const alice = newCore()
    const bob = newCore()
    const carol = newCore()
    const wire = new Wire({ alice, bob, carol })
    for (const peer of ['alice', 'bob', 'carol']) wire.publishLocalUpdates(peer)

    alice.doc.getArray<string>('list').push(['milk'])
    carol.doc.getArray<string>('list').push(['bread'])

    // Each edit went out once, from its author, and nothing came back: two publishes reached two peers each.
    for (const core of [alice, bob, carol]) expect(core.doc.getArray('list').length).toBe(2)
    expect(bob.doc.getArray('list').toJSON()).toEqual(alice.doc.getArray('list').toJSON())
    expect(wire.penalties).toEqual([])
  })

  it('asks the sender for the history an update builds on, once per interval, and completes with its step 2', () => {
    const alice = newCore()
    const bob = newCore({ resyncInterval: 1_000 })
    const updates: Uint8Array[] = []
    alice.onLocalUpdate((update) => updates.push(update))
    alice.doc.getText('text').insert(0, 'first')
    alice.doc.getText('text').insert(5, ' second')
    const late = alice.publishUpdate(NAME, updates[1]!, NOW)[0] as { bytes: Uint8Array; topic: string }

    const receipt = bob.receiveTopic('alice', late.topic, late.bytes, NOW)
    expect(receipt.verdict).toBe('accept')
    expect(outcomes(receipt.effects)).toEqual(['send'])
    expect(bob.doc.getText('text').toJSON()).toBe('') // the second edit builds on the first: dropped, not pending
    const again = alice.publishUpdate(NAME, updates[1]!, NOW + 1)[0] as { bytes: Uint8Array }
    expect(bob.receiveTopic('alice', late.topic, again.bytes, NOW + 1).effects).toEqual([]) // asked already, within the interval

    const wire = new Wire({ alice, bob })
    wire.deliver('bob', receipt.effects)
    expect(bob.doc.getText('text').toJSON()).toBe('first second')
    expect(wire.events).toContainEqual(['bob', { type: 'synced', doc: NAME, peer: 'alice', changed: true }])
  })

  it('penalises hostile input with a typed error and leaves the doc untouched', () => {
    const core = newCore({ maxEnvelopeBytes: 4_096, maxClockSkew: 1_000 })
    core.doc.getText('text').insert(0, 'precious')
    const before = Y.encodeStateAsUpdate(core.doc)
    const mallory = generateIdentity()
    const step1 = syncMessage((encoder) => sync.writeSyncStep1(encoder, new Y.Doc()))
    // A well-formed step 2 whose update does not decode: one struct of client 2 with an unknown content type.
    const badUpdate = syncMessage((encoder) => {
      encoding.writeVarUint(encoder, sync.messageYjsSyncStep2)
      encoding.writeVarUint8Array(encoder, new Uint8Array([1, 1, 2, 0, 0xff, 0xff]))
    })
    const stray = new Y.Doc()
    stray.getText('text').insert(0, 'x')
    const update = syncMessage((encoder) => sync.writeUpdate(encoder, Y.encodeStateAsUpdate(stray)))
    const valid = handmade(mallory, YSyncPayload, step1)
    const forged = valid.slice()
    forged[forged.length - 1]! ^= 1 // inside the signature

    const cases: [string, Uint8Array][] = [
      ['MALFORMED', new Uint8Array([0xff, 0xff])],
      ['TOO_LARGE', new Uint8Array(4_097)],
      ['OUTSIDE_WINDOW', handmade(mallory, YSyncPayload, step1, {}, NOW + 5_000)],
      ['KIND_MISMATCH', handmade(mallory, YUpdatePayload, update)],
      ['BAD_SYNC_MESSAGE', handmade(mallory, YSyncPayload, new Uint8Array([7, 0]))],
      ['BAD_SYNC_MESSAGE', handmade(mallory, YSyncPayload, new Uint8Array([0, 5, 1]))],
      ['BAD_SYNC_MESSAGE', handmade(mallory, YSyncPayload, new Uint8Array([...step1, 0]))],
      ['BAD_YJS_UPDATE', handmade(mallory, YSyncPayload, badUpdate)],
      ['BAD_SIGNATURE', forged]
    ]
    for (const [code, bytes] of cases) expect([code, outcomes(core.receive('mallory', bytes, NOW))]).toEqual([code, [`mallory ${code}`]])
    expect(outcomes(core.receive('mallory', valid, NOW))).toEqual(['send', 'send'])
    expect(outcomes(core.receive('mallory', valid, NOW))).toEqual(['mallory REPLAYED'])
    expect(Y.encodeStateAsUpdate(core.doc)).toEqual(before)
  })

  it('refuses on its topic anything but an update, and ignores other topics', () => {
    const core = newCore()
    const mallory = generateIdentity()
    const step1 = syncMessage((encoder) => sync.writeSyncStep1(encoder, new Y.Doc()))
    expect(core.receiveTopic('mallory', core.topic, handmade(mallory, YUpdatePayload, step1), NOW)).toMatchObject({
      verdict: 'reject',
      effects: [{ type: 'penalise', peer: 'mallory', error: { code: 'BAD_SYNC_MESSAGE' } }]
    })
    expect(core.receiveTopic('mallory', core.topic, handmade(mallory, YSyncPayload, step1), NOW)).toMatchObject({ verdict: 'reject' })
    expect(core.receiveTopic('mallory', 'dscs/frp-state/notes/yjs/other', new Uint8Array([1]), NOW)).toEqual({ verdict: 'ignore', effects: [] })
  })

  it('reports a state too large for one envelope instead of sending it', () => {
    const core = newCore({ maxEnvelopeBytes: 1_024 })
    core.doc.getText('text').insert(0, 'x'.repeat(2_000))
    const bob = generateIdentity()
    const effects = core.receive('bob', handmade(bob, YSyncPayload, syncMessage((encoder) => sync.writeSyncStep1(encoder, new Y.Doc()))), NOW)
    expect(effects[0]).toMatchObject({ type: 'emit', event: { type: 'notSent', doc: NAME, to: 'bob', error: { code: 'TOO_LARGE' } } })
    expect(effects[1]).toMatchObject({ type: 'send', to: 'bob' }) // its own step 1 is small and goes
    expect(core.publishUpdate(NAME, Y.encodeStateAsUpdate(core.doc), NOW)).toMatchObject([
      { type: 'emit', event: { type: 'notSent', doc: NAME, to: undefined, error: { code: 'TOO_LARGE' } } }
    ])
  })

  it('refuses names that cannot sit in a topic or a store key', () => {
    expect(() => newCore({ domain: 'a/b' })).toThrow(expect.objectContaining({ code: 'BAD_DOMAIN' }))
    expect(() => newCore().addDoc('', new Y.Doc(), NOW)).toThrow(expect.objectContaining({ code: 'INVALID_OPTION' }))
    expect(() => newCore().addDoc('x'.repeat(65), new Y.Doc(), NOW)).toThrow(expect.objectContaining({ code: 'INVALID_OPTION' }))
    expect(() => newCore({ maxEnvelopeBytes: 0 })).toThrow(expect.objectContaining({ code: 'INVALID_OPTION' }))
  })
})

describe('YDocSyncCore with many documents', () => {
  /** A core keeping, beside NAME, a document per name, each with a text saying whose and which it is. */
  function keeping(who: string, names: readonly string[], options: Partial<YDocSyncCoreOptions> = {}): OneDocCore {
    const core = newCore(options)
    for (const name of names) {
      const doc = new Y.Doc()
      doc.getText('text').insert(0, `${who}:${name} `)
      core.addDoc(name, doc, NOW)
    }
    return core
  }
  const textOf = (core: YDocSyncCore, name: string): string => core.replica(name)!.doc.getText('text').toJSON()

  it('syncs each document on connect, each by itself, on one protocol and a topic per document', () => {
    const alice = keeping('alice', ['a', 'b'])
    const bob = keeping('bob', ['a', 'b'])
    const wire = new Wire({ alice, bob })
    wire.connect('alice', 'bob')

    expect(textOf(alice, 'a')).toBe(textOf(bob, 'a'))
    expect(textOf(alice, 'b')).toBe(textOf(bob, 'b'))
    expect(textOf(alice, 'a')).toContain('bob:a')
    expect(textOf(alice, 'a')).not.toContain(':b')
    expect(alice.docs).toEqual([NAME, 'a', 'b'])
    expect(new Set([NAME, 'a', 'b'].map((name) => alice.topicOf(name))).size).toBe(3)
    expect(wire.events.filter(([, event]) => event.type === 'synced')).toHaveLength(6)
    expect(wire.penalties).toEqual([])
  })

  it('drops without blame, and without verifying it, a sync message for a document or domain it does not keep', () => {
    const alice = keeping('alice', ['shared', 'mine'])
    const bob = keeping('bob', ['shared'])
    const wire = new Wire({ alice, bob })
    wire.connect('alice', 'bob')
    expect(textOf(bob, 'shared')).toBe(textOf(alice, 'shared'))
    expect(wire.penalties).toEqual([])

    const mallory = generateIdentity()
    const step1 = syncMessage((encoder) => sync.writeSyncStep1(encoder, new Y.Doc()))
    const forged = handmade(mallory, YSyncPayload, step1, { doc: 'unknown' })
    forged[forged.length - 1]! ^= 1 // a bad signature, never checked
    expect(bob.receive('mallory', forged, NOW)).toEqual([])
    expect(bob.receive('mallory', handmade(mallory, YSyncPayload, step1, { domain: 'other' }), NOW)).toEqual([])
  })

  it("refuses on a topic an update naming another document than the topic's", () => {
    const core = keeping('core', ['a', 'b'])
    const mallory = generateIdentity()
    const stray = new Y.Doc()
    stray.getText('text').insert(0, 'x')
    const update = syncMessage((encoder) => sync.writeUpdate(encoder, Y.encodeStateAsUpdate(stray)))
    const receipt = core.receiveTopic('mallory', core.topicOf('a')!, handmade(mallory, YUpdatePayload, update, { doc: 'b' }), NOW)
    expect(receipt.verdict).toBe('reject')
    expect(outcomes(receipt.effects)).toEqual(['mallory WRONG_DOC'])
    expect(textOf(core, 'b')).toBe('core:b ')
  })

  it('syncs a document added after the peers met, with what both sides held before', () => {
    const alice = keeping('alice', ['late'], { resyncInterval: 1_000 })
    const bob = keeping('bob', [], { resyncInterval: 1_000 })
    const wire = new Wire({ alice, bob })
    wire.connect('alice', 'bob') // alice's step 1 of 'late' reaches bob, who does not keep it yet

    const doc = new Y.Doc()
    doc.getText('text').insert(0, 'bob:late ')
    // Later than the resync interval: alice's step 1 went unanswered, so she answers bob's with another.
    const later = NOW + 2_000
    const effects = bob.addDoc('late', doc, later)
    expect(outcomes(effects)).toEqual(['send'])
    for (const effect of effects) if (effect.type === 'send') wire.deliver('alice', alice.receive('bob', joinBytes(effect.bytes), later))
    expect(textOf(alice, 'late')).toBe(textOf(bob, 'late'))
    expect(textOf(alice, 'late')).toContain('alice:late')
    expect(textOf(alice, 'late')).toContain('bob:late')
  })

  it('forgets a removed document: no step 1 for it, its messages dropped, its name free again', () => {
    const core = keeping('core', ['a'])
    expect(core.removeDoc('a')).toBe(true)
    expect(core.removeDoc('a')).toBe(false)
    expect(core.replica('a')).toBeUndefined()
    expect(outcomes(core.peerConnected('bob', NOW))).toEqual(['send']) // NAME's only
    expect(core.publishUpdate('a', new Uint8Array([0, 0]), NOW)).toEqual([])
    expect(outcomes(core.addDoc('a', new Y.Doc(), NOW))).toEqual(['send']) // greets the connected peer at once
  })

  it('bounds the documents it keeps and refuses a name or a Y.Doc kept already', () => {
    const core = newCore({ maxDocs: 2 })
    core.addDoc('a', new Y.Doc(), NOW)
    expect(() => core.addDoc('a', new Y.Doc(), NOW)).toThrow(expect.objectContaining({ code: 'DUPLICATE_NAME' }))
    expect(() => core.addDoc('b', core.doc, NOW)).toThrow(expect.objectContaining({ code: 'INVALID_OPTION' }))
    expect(() => core.addDoc('c', new Y.Doc(), NOW)).toThrow(expect.objectContaining({ code: 'TOO_MANY_DOCS' }))
    expect(core.docs).toEqual([NAME, 'a'])
  })
})
