// YDocReplica and checkUpdate: remote updates are checked before Yjs sees them; local ones are reported, remote ones never.
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { isDscsError } from '@dscs/interface'
import * as encoding from 'lib0/encoding'
import * as Y from 'yjs'
import { YDocReplica, checkUpdate } from '../src/yjs/index.js'

/** A doc with a text, a map holding an array, and an array, as client 1. */
function baseDoc(): Y.Doc {
  const doc = new Y.Doc()
  doc.clientID = 1
  doc.getText('text').insert(0, 'hello world')
  doc.getMap('map').set('key', 'value')
  doc.getMap('map').set('list', new Y.Array())
  doc.getArray('array').push([1, 2, { x: 3 }])
  return doc
}

/** Updates another client (2) makes on top of the base doc: inserts, deletes, nested types. */
function editsOnTopOf(base: Y.Doc): Uint8Array[] {
  const doc = new Y.Doc()
  doc.clientID = 2
  Y.applyUpdate(doc, Y.encodeStateAsUpdate(base))
  const updates: Uint8Array[] = []
  doc.on('update', (update: Uint8Array) => updates.push(update))
  doc.getText('text').insert(3, 'XYZ')
  doc.getText('text').delete(0, 2)
  ;(doc.getMap('map').get('list') as Y.Array<unknown>).push(['q', new Y.Map()])
  doc.getArray('array').delete(1, 1)
  return updates
}

/** A v1 update of one item by `client` at `clock` whose left origin is `origin`: hand-written, as a hostile peer would. */
function itemUpdate(client: number, clock: number, origin: { client: number; clock: number }): Uint8Array {
  const encoder = encoding.createEncoder()
  encoding.writeVarUint(encoder, 1) // one client
  encoding.writeVarUint(encoder, 1) // one struct
  encoding.writeVarUint(encoder, client)
  encoding.writeVarUint(encoder, clock)
  encoding.writeUint8(encoder, 0b1000_0100) // an item with a left origin and string content
  encoding.writeVarUint(encoder, origin.client)
  encoding.writeVarUint(encoder, origin.clock)
  encoding.writeVarString(encoder, 'x')
  encoding.writeVarUint(encoder, 0) // empty delete set
  return encoding.toUint8Array(encoder)
}

/** Updates of every kind of content Yjs writes: text with formats and embeds, nested maps and arrays, binary, XML, a subdocument. */
function updatesOfEveryKind(): Uint8Array[] {
  const doc = new Y.Doc()
  const updates: Uint8Array[] = []
  doc.on('update', (update: Uint8Array) => updates.push(update))
  const text = doc.getText('text')
  text.insert(0, 'héllo wörld 👋')
  text.format(0, 5, { bold: true })
  text.insertEmbed(3, { image: 'cat.png' })
  text.delete(1, 2)
  const map = doc.getMap('map')
  map.set('list', new Y.Array())
  ;(map.get('list') as Y.Array<unknown>).push([1, 'two', { three: [3] }, null, true, new Uint8Array([4, 5])])
  map.set('sub', new Y.Doc())
  doc.getXmlFragment('xml').insert(0, [new Y.XmlElement('p'), new Y.XmlText('x')])
  ;(doc.getXmlFragment('xml').get(0) as Y.XmlElement).setAttribute('class', 'c')
  map.delete('sub')
  return [...updates, Y.encodeStateAsUpdate(doc)]
}

/** What checkUpdate promises, decided the slow way: Yjs's own decoder, then the same rules over the structs it built. */
function yjsWouldTake(update: Uint8Array): boolean {
  let decoded: ReturnType<typeof Y.decodeUpdate>
  try {
    decoded = Y.decodeUpdate(update)
  } catch {
    return false
  }
  for (const struct of decoded.structs) {
    if (!(struct.length > 0) || !Number.isSafeInteger(struct.id.clock + struct.length)) return false
    if (!(struct instanceof Y.Item)) continue
    for (const reference of [struct.origin, struct.rightOrigin, struct.parent instanceof Y.ID ? struct.parent : null]) {
      if (reference !== null && reference.client === struct.id.client && reference.clock >= struct.id.clock) return false
    }
  }
  return [...decoded.ds.clients.values()].every((deletions) => deletions.every(({ len }) => len > 0))
}

const snapshot = (doc: Y.Doc) => ({ state: Y.encodeStateAsUpdate(doc), json: JSON.stringify(doc.toJSON()) })

describe('YDocReplica', () => {
  it('applies a remote update, and reports local transactions only', () => {
    const doc = new Y.Doc()
    const replica = new YDocReplica(doc)
    const local: Uint8Array[] = []
    replica.onLocalUpdate((update) => local.push(update))

    const remote = new Y.Doc()
    remote.getText('text').insert(0, 'from afar')
    replica.applyRemote(Y.encodeStateAsUpdate(remote))
    doc.getText('text').insert(0, 'here: ')
    replica.applyRemote(Y.encodeStateAsUpdate(remote)) // again: nothing new, nothing reported
    doc.getText('text').insert(0, '> ')

    expect(doc.getText('text').toJSON()).toBe('> here: from afar')
    expect(local).toHaveLength(2)
    // Each reported update carries the local change alone.
    const check = new Y.Doc()
    Y.applyUpdate(check, Y.encodeStateAsUpdate(remote))
    for (const update of local) Y.applyUpdate(check, update)
    expect(check.getText('text').toJSON()).toBe('> here: from afar')
  })

  it('reports a local edit that an observer makes in answer to a remote update', () => {
    const doc = new Y.Doc()
    const replica = new YDocReplica(doc)
    const local: Uint8Array[] = []
    replica.onLocalUpdate((update) => local.push(update))
    // An application that stamps every remote change: its edit is local and must go out.
    doc.getText('text').observe((event) => {
      if (event.transaction.origin === replica) doc.getMap('meta').set('seen', true)
    })
    const remote = new Y.Doc()
    remote.getText('text').insert(0, 'ping')
    replica.applyRemote(Y.encodeStateAsUpdate(remote))

    expect(local).toHaveLength(1)
    const check = new Y.Doc()
    Y.applyUpdate(check, local[0]!)
    expect(check.getMap('meta').get('seen')).toBe(true)
    expect(check.getText('text').toJSON()).toBe('') // the remote text is not sent back
  })

  it('reports a deletion that an observer makes in answer to a remote update, and listens on beside a listener added meanwhile', () => {
    const doc = new Y.Doc()
    doc.getText('local').insert(0, 'xy')
    const replica = new YDocReplica(doc)
    const local: Uint8Array[] = []
    replica.onLocalUpdate((update) => local.push(update))
    const seen: unknown[] = []
    doc.getText('text').observe((event) => {
      if (event.transaction.origin !== replica) return
      doc.getText('local').delete(0, 1) // a deletion alone: no new struct
      doc.on('update', (_update: Uint8Array, origin: unknown) => seen.push(origin))
    })
    const remote = new Y.Doc()
    remote.getText('text').insert(0, 'ping')
    replica.applyRemote(Y.encodeStateAsUpdate(remote))
    expect(local).toHaveLength(1)
    const check = new Y.Doc()
    Y.applyUpdate(check, Y.encodeStateAsUpdate(doc, Y.encodeStateVector(remote)))
    Y.applyUpdate(check, Y.encodeStateAsUpdate(remote))
    expect(check.getText('local').toJSON()).toBe('y')

    doc.getText('local').insert(0, 'z')
    expect(local).toHaveLength(2)
    expect(seen).toEqual([replica, null, null]) // the listener added meanwhile heard the round, then the insert
  })

  it('stops reporting when the last listener goes', () => {
    const doc = new Y.Doc()
    const replica = new YDocReplica(doc)
    let reported = 0
    const stop = replica.onLocalUpdate(() => reported++)
    doc.getText('text').insert(0, 'a')
    stop()
    doc.getText('text').insert(0, 'b')
    expect(reported).toBe(1)
  })

  it('refuses an update that does not decode or is too large, and leaves the doc untouched', () => {
    const doc = baseDoc()
    const replica = new YDocReplica(doc, { maxUpdateBytes: 64 })
    const before = snapshot(doc)
    expect(() => replica.applyRemote(new Uint8Array([1, 1, 2, 0, 0xff, 0xff]))).toThrow(expect.objectContaining({ code: 'BAD_YJS_UPDATE' }))
    expect(() => replica.applyRemote(new Uint8Array(65))).toThrow(expect.objectContaining({ code: 'YJS_UPDATE_TOO_LARGE' }))
    expect(snapshot(doc)).toEqual(before)
  })

  it("refuses an item referring to its own client's future, which Yjs would integrate only half-way", () => {
    const hostile = itemUpdate(7, 0, { client: 7, clock: 5 })
    // Yjs alone throws an untyped error in the middle of integrating it.
    expect(() => Y.applyUpdate(new Y.Doc(), hostile)).toThrow(TypeError)
    const doc = baseDoc()
    const before = snapshot(doc)
    expect(() => new YDocReplica(doc).applyRemote(hostile)).toThrow(expect.objectContaining({ code: 'BAD_YJS_UPDATE' }))
    expect(snapshot(doc)).toEqual(before)
    // The same item with an origin before it is fine: it waits for the missing struct, harmlessly.
    expect(() => checkUpdate(itemUpdate(7, 6, { client: 7, clock: 5 }))).not.toThrow()
  })

  it('survives a forged GC of history it lacks, where Yjs alone breaks on the genuine update that follows', () => {
    const author = new Y.Doc()
    author.clientID = 1
    const updates: Uint8Array[] = []
    author.on('update', (update: Uint8Array) => updates.push(update))
    author.getArray('list').push(['a', 'b', 'c'])
    author.getArray('list').push(['d', 'e'])
    // A peer claims client 1's clock 3 was garbage-collected: well-formed, and unverifiable, as Yjs updates carry no signatures.
    const encoder = encoding.createEncoder()
    for (const value of [1, 1, 1, 3, 0, 1, 0]) encoding.writeVarUint(encoder, value) // 1 client, 1 struct at 1:3, a GC of length 1, no deletions
    const forgedGc = encoding.toUint8Array(encoder)

    const plain = new Y.Doc()
    Y.applyUpdate(plain, updates[0]!)
    Y.applyUpdate(plain, forgedGc)
    expect(() => Y.applyUpdate(plain, updates[1]!)).toThrow(TypeError)

    const doc = new Y.Doc()
    const replica = new YDocReplica(doc)
    expect([updates[0]!, forgedGc, updates[1]!].map((update) => replica.applyRemote(update))).toEqual([true, true, true])
    // The forgery stands (the genuine items now hang off garbage), but the doc stays whole and usable.
    doc.getArray('list').push(['f'])
    expect(doc.getArray('list').toJSON()).toEqual(['a', 'b', 'c', 'f'])
  })

  it('drops what an update cannot integrate yet instead of keeping it pending, and reports it incomplete', () => {
    const author = new Y.Doc()
    const updates: Uint8Array[] = []
    author.on('update', (update: Uint8Array) => updates.push(update))
    author.getText('text').insert(0, 'first')
    author.getText('text').insert(5, ' second')
    const doc = new Y.Doc()
    const replica = new YDocReplica(doc)

    expect(replica.applyRemote(updates[1]!)).toBe(false) // builds on the first, which has not arrived
    expect(doc.store.pendingStructs).toBeNull()
    expect(doc.getText('text').toJSON()).toBe('')
    // The history, in order (as a sync step 2 brings it), completes the doc.
    expect(replica.applyRemote(Y.encodeStateAsUpdate(author, Y.encodeStateVector(doc)))).toBe(true)
    expect(doc.getText('text').toJSON()).toBe('first second')
  })

  it('accepts exactly the damaged updates that Yjs decodes and that keep the rules, without building them (property)', () => {
    const genuine = updatesOfEveryKind()
    for (const update of genuine) expect(() => checkUpdate(update)).not.toThrow()
    const damage = fc.array(fc.tuple(fc.nat(), fc.integer({ min: -2, max: 255 })), { minLength: 1, maxLength: 4 })
    fc.assert(
      fc.property(fc.nat(genuine.length - 1), damage, (which, edits) => {
        let update = genuine[which]!.slice()
        // -1 nudges a byte up, -2 cuts one out; others overwrite it.
        for (const [at, value] of edits) {
          const i = at % update.length
          if (value === -2) update = Uint8Array.of(...update.subarray(0, i), ...update.subarray(i + 1))
          else update[i] = value === -1 ? (update[i]! + 1) & 0xff : value
          if (update.length === 0) return
        }
        let accepted = true
        try {
          checkUpdate(update)
        } catch (err) {
          expect(isDscsError(err, 'BAD_YJS_UPDATE')).toBe(true)
          accepted = false
        }
        expect(accepted).toBe(yjsWouldTake(update))
      }),
      { numRuns: 5_000, seed: 7 }
    )
  })

  it('takes damaged updates among genuine ones in any order: each applies or is refused untouched, and never breaks a later one (property)', () => {
    const base = baseDoc()
    const genuine = [Y.encodeStateAsUpdate(base), ...editsOnTopOf(base)]
    const damage = fc.array(fc.tuple(fc.nat(), fc.integer({ min: -1, max: 255 })), { minLength: 1, maxLength: 3 })
    const order = fc.shuffledSubarray(genuine.map((_, i) => i), { minLength: genuine.length })
    fc.assert(
      fc.property(fc.nat(genuine.length - 1), damage, order, fc.nat(genuine.length), (which, edits, delivery, split) => {
        const update = genuine[which]!.slice()
        // -1 nudges a byte up by one (a varint off by one, the damage most likely to decode); others overwrite it.
        for (const [at, value] of edits) update[at % update.length] = value < 0 ? (update[at % update.length]! + 1) & 0xff : value
        const doc = new Y.Doc()
        const replica = new YDocReplica(doc)
        for (const i of delivery.slice(0, split)) replica.applyRemote(genuine[i]!)
        const before = snapshot(doc)
        try {
          replica.applyRemote(update)
        } catch (err) {
          expect(isDscsError(err, 'BAD_YJS_UPDATE')).toBe(true)
          expect(snapshot(doc)).toEqual(before)
        }
        // Whatever the damaged update did, the genuine ones still go in without an error (in order at the end, as a sync brings them).
        for (const i of delivery.slice(split)) replica.applyRemote(genuine[i]!)
        for (const genuineUpdate of genuine) replica.applyRemote(genuineUpdate)
        doc.getText('text').insert(0, 'still usable')
      }),
      { numRuns: 2_000, seed: 42 }
    )
  })
})
