import { describe, expect, it } from 'vitest'
import { VerificationCache } from '@dscs/identity'
import { bytesToHex, concatBytes } from '@noble/hashes/utils.js'
import { envelopeHash, decodeEnvelope } from '@dscs/wire'
import { BatchTree, ConsistencyKind, encodeObserverMessage, leafHash, open, rootHash, TreeHeadKind, verifyConsistency, verifyInclusion, verifyReceipt } from '../src/index.js'
import { ALICE, BOB, envelope, events, ObserverHarness, OBSERVER, penalties, sent, submitMessage, T0 } from './fixtures.js'

const NOW = T0 + 1_000

function idOf(bytes: Uint8Array): string {
  return bytesToHex(envelopeHash(decodeEnvelope(bytes)))
}

describe('the observer core', () => {
  it('commits a batch, then answers each submitter with a receipt that verifies, and publishes the new head', async () => {
    const h = await ObserverHarness.create()
    const [a, b] = [envelope(ALICE, NOW), envelope(BOB, NOW)]
    const first = h.core.receive('alice', submitMessage(a, 7), NOW)
    const second = h.core.receive('bob', submitMessage(b, 9), NOW + 10)
    // Nothing is acknowledged before the batch is durable.
    expect(sent([...first, ...second])).toEqual([])
    const effects = await h.settle(h.core.tick(NOW + 100), NOW + 100)
    expect(h.log.size).toBe(2)
    const answers = sent(effects)
    expect(answers.map(({ to, message }) => [to, message.type, message.request])).toEqual([
      ['alice', 'submitted', 7],
      ['bob', 'submitted', 9]
    ])
    answers.forEach(({ message }, i) => {
      if (message.type !== 'submitted') throw new Error('not a receipt')
      const receipt = verifyReceipt(message.receipt, OBSERVER.publicKey)
      expect(receipt.index).toBe(i)
      expect(bytesToHex(receipt.entryId)).toBe(idOf([a, b][i]!))
      expect(receipt.deadline).toBe(NOW + 100 + 10_000)
    })
    // The first tick signs the head of the empty log; the commit signs the next.
    const published = effects.flatMap((e) => (e.type === 'publish' ? [open(e.bytes, TreeHeadKind, { author: OBSERVER.publicKey })] : []))
    expect(published.map((head) => head.value.size)).toEqual([0, 2])
    const head = published[1]!
    expect(head.value.size).toBe(2)
    expect(head.value.root).toEqual(await h.log.root())
    expect(events(effects).map((e) => e.type)).toEqual(['append', 'head', 'committed', 'head'])
  })

  it('cuts at most one batch per interval, the first at once after a quiet spell', async () => {
    const h = await ObserverHarness.create({ batchInterval: 100 })
    h.core.receive('alice', submitMessage(envelope(ALICE, NOW)), NOW)
    expect(h.core.nextDeadline()).toBeLessThanOrEqual(NOW)
    await h.settle(h.core.tick(NOW), NOW)
    h.core.receive('alice', submitMessage(envelope(ALICE, NOW), 2), NOW + 1)
    expect(h.core.nextDeadline()).toBe(NOW + 100)
    expect(events(h.core.tick(NOW + 50)).filter((e) => e.type === 'append')).toEqual([])
    await h.settle(h.core.tick(NOW + 100), NOW + 100)
    expect(h.log.size).toBe(2)
  })

  it('answers a duplicate with the first receipt: queued, it waits with the first; committed, at once', async () => {
    const h = await ObserverHarness.create()
    const bytes = envelope(ALICE, NOW)
    h.core.receive('alice', submitMessage(bytes, 1), NOW)
    h.core.receive('bob', submitMessage(bytes, 2), NOW + 1)
    const committed = sent(await h.settle(h.core.tick(NOW + 100), NOW + 100))
    expect(committed.map(({ to }) => to)).toEqual(['alice', 'bob'])
    const again = sent(h.core.receive('carol', submitMessage(bytes, 3), NOW + 200))
    expect(again).toHaveLength(1)
    const [first, late] = [committed[0]!.message, again[0]!.message]
    if (first.type !== 'submitted' || late.type !== 'submitted') throw new Error('not receipts')
    expect(late.receipt).toEqual(first.receipt)
    expect(h.log.size).toBe(1)
  })

  it('refuses, cheapest check first, with typed errors: size, kind, window, allow-list, queue, signature', async () => {
    const h = await ObserverHarness.create({ allow: [ALICE.publicKey], kinds: ['test.Op'], maxQueue: 1, maxEntryBytes: 512 })
    const refusal = (effects: ReturnType<typeof h.core.receive>) => {
      const [answer] = sent(effects)
      return [answer?.message.type === 'refusal' ? answer.message.code : undefined, penalties(effects)]
    }
    expect(refusal(h.core.receive('m', submitMessage(envelope(ALICE, NOW, 1_000)), NOW))).toEqual(['TOO_LARGE', ['TOO_LARGE']])
    expect(refusal(h.core.receive('m', submitMessage(new Uint8Array([1, 2, 3])), NOW))).toEqual(['MALFORMED', ['MALFORMED']])
    expect(refusal(h.core.receive('m', submitMessage(envelope(BOB, NOW)), NOW))).toEqual(['NOT_ALLOWED', ['NOT_ALLOWED']])
    expect(refusal(h.core.receive('m', submitMessage(envelope(ALICE, NOW - 61_000)), NOW))).toEqual(['OUTSIDE_WINDOW', ['OUTSIDE_WINDOW']])
    const forged = envelope(ALICE, NOW).slice()
    forged[forged.length - 5]! ^= 1
    expect(refusal(h.core.receive('m', submitMessage(forged), NOW))).toEqual(['BAD_SIGNATURE', ['BAD_SIGNATURE']])
    expect(refusal(h.core.receive('a', submitMessage(envelope(ALICE, NOW)), NOW))).toEqual([undefined, []])
    // The queue is full: refused before the signature is checked, without blame.
    const cache = new VerificationCache()
    const h2 = await ObserverHarness.create({ maxQueue: 1, verificationCache: cache })
    h2.core.receive('a', submitMessage(envelope(ALICE, NOW)), NOW)
    const full = envelope(ALICE, NOW)
    expect(refusal(h2.core.receive('a', submitMessage(full), NOW))).toEqual(['QUEUE_FULL', []])
    expect(cache.get(idOf(full))).toBeUndefined()
    expect(h.core.stats.queued).toBe(1)
  })

  it('with parallelVerify, hands signatures to the driver: a valid one is queued, a forgery refused to all who sent it', async () => {
    const cache = new VerificationCache()
    const h = await ObserverHarness.create({ parallelVerify: true, verificationCache: cache })
    const good = envelope(ALICE, NOW)
    const [check] = events(h.core.receive('alice', submitMessage(good, 1), NOW))
    if (check?.type !== 'verify') throw new Error('no check handed over')
    expect(check.check.id).toBe(idOf(good))
    // A duplicate while the signature is being checked waits with the first.
    expect(h.core.receive('bob', submitMessage(good, 2), NOW)).toEqual([])
    expect(h.core.stats).toMatchObject({ checking: 1, queued: 0 })
    expect(h.core.verified(check.check, true)).toEqual([])
    expect(cache.get(check.check.id)).toBe(true)
    const committed = sent(await h.settle(h.core.tick(NOW + 100), NOW + 100))
    expect(committed.map(({ to, message }) => [to, message.type])).toEqual([
      ['alice', 'submitted'],
      ['bob', 'submitted']
    ])
    const forged = envelope(ALICE, NOW).slice()
    forged[forged.length - 5]! ^= 1
    const [forgery] = events(h.core.receive('mallory', submitMessage(forged, 3), NOW + 200))
    h.core.receive('eve', submitMessage(forged, 4), NOW + 200)
    if (forgery?.type !== 'verify') throw new Error('no check handed over')
    const refused = h.core.verified(forgery.check, false)
    expect(sent(refused).map(({ to, message }) => [to, message.type === 'refusal' && message.code])).toEqual([
      ['mallory', 'BAD_SIGNATURE'],
      ['eve', 'BAD_SIGNATURE']
    ])
    expect(penalties(refused)).toEqual(['BAD_SIGNATURE', 'BAD_SIGNATURE'])
    expect(h.core.stats).toMatchObject({ checking: 0, queued: 0, queuedBytes: 0 })
    // Known to be forged now: refused at once, before any new check.
    expect(sent(h.core.receive('mallory', submitMessage(forged, 5), NOW + 300))[0]?.message).toMatchObject({ code: 'BAD_SIGNATURE' })
  })

  it('refuses a kind it does not log', async () => {
    const h = await ObserverHarness.create({ kinds: ['other.Op'] })
    const [answer] = sent(h.core.receive('m', submitMessage(envelope(ALICE, NOW)), NOW))
    expect(answer?.message).toMatchObject({ type: 'refusal', code: 'KIND_NOT_ALLOWED' })
  })

  it('serves inclusion and consistency proofs that verify, and entries by bounded range', async () => {
    const h = await ObserverHarness.create({ maxRangeEntries: 3 })
    for (let i = 0; i < 5; i++) await h.submit('alice', envelope(ALICE, NOW + i), NOW + i * 200, i)
    expect(h.log.size).toBe(5)
    const root3 = await h.log.root(3)
    const root5 = await h.log.root(5)
    const ask = async (message: Parameters<typeof encodeObserverMessage>[0]) => sent(await h.settle(h.core.receive('bob', encodeObserverMessage(message), NOW + 2_000), NOW + 2_000))[0]!.message

    const inclusion = await ask({ type: 'getInclusion', request: 1, treeSize: 5, entry: { index: 3 } })
    if (inclusion.type !== 'inclusion') throw new Error(`got ${inclusion.type}`)
    expect(verifyInclusion(leafHash(inclusion.entry), 3, 5, inclusion.path, root5)).toBe(true)

    const consistency = await ask({ type: 'getConsistency', request: 2, oldSize: 3, newSize: 5 })
    if (consistency.type !== 'consistency') throw new Error(`got ${consistency.type}`)
    const statement = open(consistency.consistency, ConsistencyKind, { author: OBSERVER.publicKey })
    expect(statement.value.oldRoot).toEqual(root3)
    expect(statement.value.newRoot).toEqual(root5)
    expect(verifyConsistency(3, 5, root3, root5, statement.value.path)).toBe(true)

    const entries = await ask({ type: 'getEntries', request: 3, start: 1, end: 100 })
    expect(entries).toMatchObject({ type: 'entries', start: 1 })
    expect(entries.type === 'entries' && entries.entries.length).toBe(3)

    for (const bad of [
      { type: 'getInclusion', request: 4, treeSize: 6, entry: { index: 1 } },
      { type: 'getInclusion', request: 5, treeSize: 3, entry: { index: 3 } },
      { type: 'getConsistency', request: 6, oldSize: 0, newSize: 5 },
      { type: 'getConsistency', request: 7, oldSize: 4, newSize: 3 },
      { type: 'getEntries', request: 8, start: 5, end: 9 }
    ] as const) {
      expect(await ask(bad)).toMatchObject({ type: 'refusal', code: 'OUT_OF_RANGE' })
    }
  })

  it('refuses a batch the log could not append, and commits the next one at the same index', async () => {
    const h = await ObserverHarness.create()
    h.core.receive('alice', submitMessage(envelope(ALICE, NOW), 1), NOW)
    const [append] = events(h.core.tick(NOW + 100))
    if (append?.type !== 'append') throw new Error('no batch')
    const failed = h.core.appendFailed(append.batch, new Error('disk full'))
    expect(sent(failed)[0]?.message).toMatchObject({ type: 'refusal', request: 1, code: 'STORE_FAILED' })
    expect(penalties(failed)).toEqual([])
    const effects = await h.submit('alice', envelope(ALICE, NOW + 300), NOW + 300, 2)
    const answer = sent(effects)[0]!.message
    expect(answer.type === 'submitted' && answer.receipt.index).toBe(0)
  })

  it('refuses a log that reports another size than the append should leave (LOG_MISMATCH), signing nothing', async () => {
    const h = await ObserverHarness.create()
    h.core.receive('alice', submitMessage(envelope(ALICE, NOW), 1), NOW)
    const [append] = events(h.core.tick(NOW + 100))
    if (append?.type !== 'append') throw new Error('no batch')
    const effects = h.core.committed(append.batch, { size: 5, root: new Uint8Array(32) }, NOW + 100)
    expect(sent(effects)[0]?.message).toMatchObject({ type: 'refusal', code: 'LOG_MISMATCH' })
    expect(effects.some((e) => e.type === 'publish')).toBe(false)
  })

  it('republishes its head when nothing changed, and answers GetHead', async () => {
    const h = await ObserverHarness.create({ republishInterval: 1_000 })
    const firstTick = h.core.tick(NOW)
    expect(firstTick.filter((e) => e.type === 'publish')).toHaveLength(1)
    expect(h.core.tick(NOW + 500).filter((e) => e.type === 'publish')).toHaveLength(0)
    expect(h.core.tick(NOW + 1_000).filter((e) => e.type === 'publish')).toHaveLength(1)
    const [answer] = sent(h.core.receive('bob', encodeObserverMessage({ type: 'getHead', request: 4 }), NOW + 1_001))
    if (answer?.message.type !== 'head') throw new Error('no head')
    expect(open(answer.message.head, TreeHeadKind, { author: OBSERVER.publicKey }).timestamp).toBe(NOW + 1_000)
  })

  it('bounds reads in flight, per peer and in all', async () => {
    const h = await ObserverHarness.create({ maxReadsPerPeer: 2, maxReads: 3 })
    await h.submit('alice', envelope(ALICE, NOW), NOW)
    const ask = (peer: string, request: number) => h.core.receive(peer, encodeObserverMessage({ type: 'getEntries', request, start: 0, end: 1 }), NOW)
    expect(events(ask('a', 1))[0]).toMatchObject({ type: 'read' })
    expect(events(ask('a', 2))[0]).toMatchObject({ type: 'read' })
    expect(sent(ask('a', 3))[0]?.message).toMatchObject({ type: 'refusal', code: 'BUSY' })
    expect(events(ask('b', 4))[0]).toMatchObject({ type: 'read' })
    expect(sent(ask('c', 5))[0]?.message).toMatchObject({ type: 'refusal', code: 'BUSY' })
  })
})

describe('the batch tree', () => {
  it('has the RFC 9162 root and audit paths of its ids, for every size up to 70', () => {
    for (let count = 1; count <= 70; count++) {
      const ids = Array.from({ length: count }, (_, i) => new Uint8Array(32).fill(i))
      const tree = new BatchTree(concatBytes(...ids))
      expect(tree.root).toEqual(rootHash(ids))
      const paths = ids.map((_, i) => tree.path(i))
      // Asked in any order (the tree reuses views between neighbouring paths), and still right once others were asked.
      for (let i = count - 1; i >= 0; i -= 3) expect(tree.path(i)).toEqual(paths[i])
      for (let i = 0; i < count; i++) expect(verifyInclusion(leafHash(ids[i]!), i, count, paths[i]!, tree.root)).toBe(true)
    }
  })

  it('refuses no ids, or ids that are not whole 32-byte hashes', () => {
    expect(() => new BatchTree(new Uint8Array(0))).toThrow(expect.objectContaining({ code: 'INVALID_OPTION' }))
    expect(() => new BatchTree(new Uint8Array(33))).toThrow(expect.objectContaining({ code: 'INVALID_OPTION' }))
  })
})
