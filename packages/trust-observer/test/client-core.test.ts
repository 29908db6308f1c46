import { describe, expect, it } from 'vitest'
import type { CoreEffect } from '@dscs/interface'
import { bytesToHex } from '@noble/hashes/utils.js'
import { decodeEnvelope, envelopeHash } from '@dscs/wire'
import { ConsistencyKind, encodeObserverMessage, seal, TreeHeadKind, verifyEvidence, type ClientEvent } from '../src/index.js'
import { ALICE, clientCore, envelope, events, exchange, identity, ObserverHarness, OBSERVER, penalties, sent, T0 } from './fixtures.js'

const NOW = T0 + 1_000
const MAX_EVIDENCE = 1 << 18

const idOf = (bytes: Uint8Array): string => bytesToHex(envelopeHash(decodeEnvelope(bytes)))
const emitted = (seen: { effect: CoreEffect<ClientEvent> }[]): ClientEvent[] => events(seen.map((s) => s.effect))

/** An observer with `entries` committed and a client that verified its head. */
async function setUp(entries = 3, options: Parameters<typeof clientCore>[1] = {}) {
  const h = await ObserverHarness.create()
  for (let i = 0; i < entries; i++) await h.submit('x', envelope(ALICE, NOW), NOW + i * 200, i)
  const client = clientCore('carol', options)
  await exchange(h, { carol: client }, [{ from: 'carol', effects: client.poll(NOW + 1_000) }], NOW + 1_000)
  return { h, client }
}

describe('the client core', () => {
  it('takes the first head on trust, then verifies each larger one through a signed consistency proof', async () => {
    const { h, client } = await setUp(3)
    expect(client.latest?.value.size).toBe(3)
    const seen: ReturnType<typeof emitted> = []
    for (let i = 0; i < 2; i++) {
      const effects = await h.submit('x', envelope(ALICE, NOW + 2_000), NOW + 2_000 + i * 200, 10 + i)
      seen.push(...emitted(await exchange(h, { carol: client }, [{ from: 'observer', effects }], NOW + 2_500)))
    }
    expect(client.latest?.value.size).toBe(5)
    expect(client.trusted?.value.size).toBe(5)
    expect(seen.filter((e) => e.type === 'head').map((e) => e.type === 'head' && e.head.value.size)).toEqual([4, 5])
    expect(client.evidence).toBeUndefined()
  })

  it('submits, checks the receipt, and proves the entry included under the next head', async () => {
    const { h, client } = await setUp(2)
    const bytes = envelope(ALICE, NOW + 2_000)
    const { request, id, effects } = client.submit(bytes, NOW + 2_000)
    expect(id).toBe(idOf(bytes))
    const first = emitted(await exchange(h, { carol: client }, [{ from: 'carol', effects }], NOW + 2_000))
    // The receipt came with the batch's commit; the head of that commit was published with it.
    const tick = await h.settle(h.core.tick(NOW + 2_100), NOW + 2_100)
    const later = emitted(await exchange(h, { carol: client }, [{ from: 'observer', effects: tick }], NOW + 2_100))
    const all = [...first, ...later]
    expect(all.find((e) => e.type === 'receipt')).toMatchObject({ request, receipt: { index: 2 } })
    expect(all.find((e) => e.type === 'included')).toEqual({ type: 'included', id, index: 2, size: 3 })
    expect(client.includedAt(id)).toBe(2)
  })

  it('watches an entry it did not submit, and proves it included by its id', async () => {
    const { h, client } = await setUp(0)
    const bytes = envelope(ALICE, NOW + 2_000)
    const { watching, effects } = client.watch(idOf(bytes), NOW + 2_000)
    expect(watching).toBe(true)
    expect(effects).toEqual([]) // nothing to ask under an empty head
    const committed = await h.submit('x', bytes, NOW + 2_000)
    const seen = emitted(await exchange(h, { carol: client }, [{ from: 'observer', effects: committed }], NOW + 2_100))
    expect(seen.find((e) => e.type === 'included')).toMatchObject({ id: idOf(bytes), index: 0 })
  })

  it('catches a second root for a size it knows: fork evidence, broadcast, verifiable standalone', async () => {
    const { client } = await setUp(3)
    const liar = seal(OBSERVER, TreeHeadKind, { size: 3, root: new Uint8Array(32).fill(7) }, NOW + 5_000)
    const { verdict, effects } = client.receiveTopic('mallory-relay', client.topic, liar.bytes, NOW + 5_000)
    expect(verdict).toBe('accept')
    const [caught] = events(effects)
    expect(caught).toMatchObject({ type: 'equivocation', source: { detected: true } })
    expect(effects.some((e) => e.type === 'publish')).toBe(true)
    if (caught?.type !== 'equivocation') throw new Error('not caught')
    expect(verifyEvidence(caught.evidence.bytes, { maxBytes: MAX_EVIDENCE })).toMatchObject({ kind: 'fork', at: 3 })
    // Untrusted for good: submissions refused, no deadline to keep.
    expect(() => client.submit(envelope(ALICE, NOW), NOW + 5_000)).toThrow(expect.objectContaining({ code: 'UNTRUSTED' }) as Error)
    expect(client.nextDeadline()).toBeUndefined()
  })

  it('catches a signed consistency proof that does not link its roots: inconsistency evidence', async () => {
    const { h, client } = await setUp(3)
    await h.submit('x', envelope(ALICE, NOW), NOW + 3_000, 9)
    const head = h.core.head!
    const asked = client.receiveTopic('relay', client.topic, head.bytes, NOW + 3_100).effects
    const request = asked.find((e) => e.type === 'send')
    expect(request).toBeDefined()
    // The observer signs a proof that fails, its roots the heads' own.
    const bogus = seal(OBSERVER, ConsistencyKind, { oldSize: 3, oldRoot: await h.log.root(3), newSize: 4, newRoot: await h.log.root(4), path: [new Uint8Array(32)] }, NOW + 3_100)
    const answer = encodeObserverMessage({ type: 'consistency', request: 2, consistency: bogus.bytes })
    const [caught] = events(client.receive('observer', answer, NOW + 3_200))
    expect(caught).toMatchObject({ type: 'equivocation', evidence: { kind: 'inconsistent' } })
  })

  it('drops, and penalises, answers that do not check out, staying trusted', async () => {
    const { client } = await setUp(3)
    const before = client.latest
    const mallory = identity('mallory')
    // A head signed by another key, on the topic: rejected (the relay is penalised by the network layer).
    const forged = seal(mallory, TreeHeadKind, { size: 9, root: new Uint8Array(32) }, NOW)
    expect(client.receiveTopic('relay', client.topic, forged.bytes, NOW).verdict).toBe('reject')
    // A head whose signature is broken.
    const broken = seal(OBSERVER, TreeHeadKind, { size: 9, root: new Uint8Array(32) }, NOW).bytes.slice()
    broken[broken.length - 3]! ^= 1
    expect(client.receiveTopic('relay', client.topic, broken, NOW).verdict).toBe('reject')
    // Direct messages only from the observer; answers only to requests asked.
    expect(penalties(client.receive('mallory', encodeObserverMessage({ type: 'getHead', request: 1 }), NOW))).toEqual(['UNEXPECTED_MESSAGE'])
    expect(client.receive('observer', encodeObserverMessage({ type: 'head', request: 999, head: forged.bytes }), NOW)).toEqual([])
    expect(penalties(client.receive('observer', new Uint8Array([0x0a, 0xff]), NOW))).toEqual(['MALFORMED'])
    expect(client.latest).toBe(before)
    expect(client.evidence).toBeUndefined()
  })

  it('refuses a receipt for another entry, or one whose path does not lead to its batch root', async () => {
    const { h, client } = await setUp(1)
    const bytes = envelope(ALICE, NOW + 2_000)
    const { request, effects } = client.submit(bytes, NOW + 2_000)
    expect(effects).toHaveLength(1)
    const other = await h.submit('x', envelope(ALICE, NOW + 2_000), NOW + 2_000, 5)
    const [receipt] = sent(other)
    if (receipt?.message.type !== 'submitted') throw new Error('no receipt')
    const forwarded = client.receive('observer', encodeObserverMessage({ ...receipt.message, request }), NOW + 2_100)
    expect(penalties(forwarded)).toEqual(['BAD_RECEIPT'])
    expect(events(forwarded)).toMatchObject([{ type: 'refused', request, error: { code: 'BAD_RECEIPT' } }])
  })
})
