// Hostile input: garbage, malformed proofs, wrong sizes, forged statements and tampered evidence get typed errors,
// are dropped, the sender is penalised, and nothing stored or trusted changes.
import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { isDscsError } from '@dscs/interface'
import { encodeObserverMessage, seal, TreeHeadKind, verifyEvidence, forkEvidence, type ObserverMessage } from '../src/index.js'
import { ALICE, clientCore, envelope, exchange, ObserverHarness, OBSERVER, penalties, sent, T0 } from './fixtures.js'

const NOW = T0 + 1_000
const MAX_EVIDENCE = 1 << 18

describe('hostile input', () => {
  it('the observer answers any bytes with a penalty or an answer, never an exception, and its log stays as it was', async () => {
    const h = await ObserverHarness.create()
    await h.submit('alice', envelope(ALICE, NOW), NOW)
    const root = await h.log.root()
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 2_000 }), (bytes) => {
        const effects = h.core.receive('mallory', bytes, NOW)
        expect(effects.every((e) => e.type === 'penalise' || e.type === 'send' || e.type === 'emit')).toBe(true)
      }),
      { numRuns: 1_000 }
    )
    expect(h.log.size).toBe(1)
    expect(await h.log.root()).toEqual(root)
  })

  it('the observer refuses structurally valid messages with hostile fields', async () => {
    const h = await ObserverHarness.create()
    await h.submit('alice', envelope(ALICE, NOW), NOW)
    const field = fc.oneof(fc.constant(0), fc.nat(), fc.constant(2 ** 53 - 1))
    const message: fc.Arbitrary<ObserverMessage> = fc.oneof(
      fc.record({ type: fc.constant('getInclusion' as const), request: fc.nat(), treeSize: field, entry: fc.oneof(fc.record({ index: field }), fc.record({ id: fc.uint8Array({ minLength: 32, maxLength: 32 }) })) }),
      fc.record({ type: fc.constant('getConsistency' as const), request: fc.nat(), oldSize: field, newSize: field }),
      fc.record({ type: fc.constant('getEntries' as const), request: fc.nat(), start: field, end: field }),
      fc.record({ type: fc.constant('submit' as const), request: fc.nat(), envelope: fc.uint8Array({ maxLength: 300 }) }),
      fc.record({ type: fc.constant('refusal' as const), request: fc.nat(), code: fc.string(), reason: fc.string() })
    )
    await fc.assert(
      fc.asyncProperty(message, async (m) => {
        const effects = await h.settle(h.core.receive('mallory', encodeObserverMessage(m), NOW), NOW)
        for (const { message: answer } of sent(effects)) {
          if (answer.type === 'refusal') expect(answer.code).toMatch(/^[A-Z_]+$/)
        }
      }),
      { numRuns: 300 }
    )
    expect(h.log.size).toBe(1)
  })

  it('a client answers any direct bytes or topic bytes with a penalty or a verdict, and stays trusted', async () => {
    const h = await ObserverHarness.create()
    await h.submit('alice', envelope(ALICE, NOW), NOW)
    const client = clientCore('carol')
    await exchange(h, { carol: client }, [{ from: 'carol', effects: client.poll(NOW) }], NOW)
    const latest = client.latest
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 2_000 }), (bytes) => {
        expect(client.receive('observer', bytes, NOW).every((e) => e.type === 'penalise')).toBe(true)
        expect(['reject', 'ignore', 'accept']).toContain(client.receiveTopic('relay', client.topic, bytes, NOW).verdict)
      }),
      { numRuns: 1_000 }
    )
    expect(client.latest).toBe(latest)
    expect(client.evidence).toBeUndefined()
  })

  it('a client penalises malformed and wrong-size proofs without convicting the observer', async () => {
    const h = await ObserverHarness.create()
    for (let i = 0; i < 3; i++) await h.submit('alice', envelope(ALICE, NOW), NOW + i * 200, i)
    const client = clientCore('carol')
    await exchange(h, { carol: client }, [{ from: 'carol', effects: client.poll(NOW + 1_000) }], NOW + 1_000)
    const { effects } = client.watch('00'.repeat(32), NOW + 1_000)
    const ask = effects.find((e) => e.type === 'send')
    expect(ask).toBeDefined()
    const request = 2
    const answers: ObserverMessage[] = [
      { type: 'inclusion', request, treeSize: 2, index: 0, entry: envelope(ALICE, NOW), path: [] }, // another tree size
      { type: 'inclusion', request, treeSize: 3, index: 0, entry: envelope(ALICE, NOW), path: [new Uint8Array(32), new Uint8Array(32)] } // a path that fails
    ]
    for (const answer of answers) {
      // Each answer needs its request outstanding: ask again.
      client.unwatch('00'.repeat(32))
      const [again] = sent(client.watch('00'.repeat(32), NOW + 1_000).effects)
      const number = again?.message.request ?? request
      expect(penalties(client.receive('observer', encodeObserverMessage({ ...answer, request: number }), NOW + 1_000))).toEqual(['BAD_PROOF'])
    }
    // A path with a hash of the wrong length does not even decode.
    const short = encodeObserverMessage({ type: 'inclusion', request: 99, treeSize: 3, index: 0, entry: new Uint8Array(1), path: [new Uint8Array(31)] })
    expect(penalties(client.receive('observer', short, NOW))).toEqual(['MALFORMED'])
    expect(client.evidence).toBeUndefined()
  })

  it('evidence that proves nothing is refused with a typed error: a consistent pair, a tampered one', () => {
    const root = new Uint8Array(32).fill(1)
    const a = seal(OBSERVER, TreeHeadKind, { size: 5, root }, NOW)
    const b = seal(OBSERVER, TreeHeadKind, { size: 5, root }, NOW + 1)
    expect(() => verifyEvidence(forkEvidence(a, b), { maxBytes: MAX_EVIDENCE })).toThrow(expect.objectContaining({ code: 'BAD_EVIDENCE' }) as Error)
    const other = seal(OBSERVER, TreeHeadKind, { size: 5, root: new Uint8Array(32).fill(2) }, NOW)
    const valid = forkEvidence(a, other)
    expect(verifyEvidence(valid, { maxBytes: MAX_EVIDENCE }).kind).toBe('fork')
    // Another observer's statements in one fork prove nothing against either.
    const stranger = seal(ALICE, TreeHeadKind, { size: 5, root: new Uint8Array(32).fill(2) }, NOW)
    expect(() => verifyEvidence(forkEvidence(a, stranger), { maxBytes: MAX_EVIDENCE })).toThrow(expect.objectContaining({ code: 'WRONG_AUTHOR' }) as Error)
    expect(() => verifyEvidence(valid, { maxBytes: 64 })).toThrow(expect.objectContaining({ code: 'TOO_LARGE' }) as Error)
    fc.assert(
      fc.property(fc.nat(valid.length - 1), fc.integer({ min: 1, max: 255 }), (at, flip) => {
        const tampered = valid.slice()
        tampered[at]! ^= flip
        try {
          // A flip that leaves a valid proof (in a byte nobody signed, such as a tag's) still proves a fork of this observer.
          expect(verifyEvidence(tampered, { maxBytes: MAX_EVIDENCE, observer: OBSERVER.publicKey }).kind).toBe('fork')
        } catch (err) {
          expect(isDscsError(err)).toBe(true)
        }
      }),
      { numRuns: 500 }
    )
  })
})
