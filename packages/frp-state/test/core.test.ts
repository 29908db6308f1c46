import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import type { TrustPolicy, TrustStatusChange } from '@dscs/interface'
import { allowList, type Batch } from '../src/index.js'
import { addCodec, alice, bob, carol, counterState, events, opBytes, thrownCode } from './fixtures.js'

const NOW = 1_700_000_000_000

describe('FrpStateCore', () => {
  it('applies a local op at once and publishes it; a peer applying it derives the same state', () => {
    const a = counterState(alice)
    const b = counterState(bob)
    const heard: Batch[] = []
    a.graph.subscribe((batch) => heard.push(batch))
    const { op, effects } = a.core.submit({ counter: 'clicks', by: 2 }, NOW)
    expect(heard).toHaveLength(1) // speculative: before anything was sent
    expect(a.graph.get('predicted', a.counters, 'clicks')).toBe(2)
    const publish = effects.find((effect) => effect.type === 'publish')!
    expect(publish).toMatchObject({ type: 'publish', topic: 'dscs/frp-state/default/ops', bytes: op.envelope })
    const receipt = b.core.receiveTopic('alice', 'dscs/frp-state/default/ops', op.envelope, NOW + 5)
    expect(receipt.verdict).toBe('accept')
    expect(b.graph.get('confirmed', b.counters, 'clicks')).toBe(2)
    // Duplicates are ignored, without blame.
    expect(b.core.receiveTopic('carol', 'dscs/frp-state/default/ops', op.envelope, NOW + 6)).toEqual({ verdict: 'ignore', effects: [] })
    expect(b.graph.get('confirmed', b.counters, 'clicks')).toBe(2)
  })

  it('issues HLC times that sort after every op it has seen', () => {
    const a = counterState(alice)
    a.core.receiveTopic('bob', a.core.topic, opBytes(bob, { wall: NOW + 3000, counter: 7 }), NOW)
    const { op } = a.core.submit({ counter: 'x', by: 1 }, NOW)
    expect([op.wall, op.counter]).toEqual([NOW + 3000, 8])
  })

  it('integrates a late op in its place and reports the correction', () => {
    const graphOrder: string[] = []
    const a = counterState(alice)
    a.graph.subscribe((batch) => graphOrder.push(batch.correction ? 'correction' : 'update'))
    a.core.receiveTopic('bob', a.core.topic, opBytes(bob, { wall: NOW + 20, payload: { counter: 'x', by: 10 } }), NOW + 30)
    a.core.receiveTopic('carol', a.core.topic, opBytes(carol, { wall: NOW + 10, payload: { counter: 'x', by: 1 } }), NOW + 40)
    expect(graphOrder).toEqual(['update', 'correction'])
    expect(a.graph.get('predicted', a.counters, 'x')).toBe(11)
  })

  it.each([
    ['malformed bytes', () => new Uint8Array([1, 2, 3, 4, 5]), 'reject', 'MALFORMED'],
    ['a forged signature', () => tamperSignature(opBytes(bob, { wall: NOW })), 'reject', 'BAD_SIGNATURE'],
    ['an op of another domain', () => opBytes(bob, { wall: NOW, kind: 'dscs.frp-state.op.other' }), 'reject', 'UNKNOWN_KIND'],
    ['an op from the far future', () => opBytes(bob, { wall: NOW + 60_000 }), 'reject', 'FROM_FUTURE'],
    ['an op beyond the lateness horizon', () => opBytes(bob, { wall: NOW - 120_000 }), 'ignore', 'BEYOND_HORIZON'],
    ['an oversized payload', () => opBytes(bob, { wall: NOW, payload: new Uint8Array(1200).fill(32) }), 'reject', 'BAD_PAYLOAD'],
    ['an oversized envelope, before decoding it', () => opBytes(bob, { wall: NOW, payload: new Uint8Array(2000).fill(32) }), 'reject', 'TOO_LARGE'],
    ['a payload the codec refuses', () => opBytes(bob, { wall: NOW, payload: new TextEncoder().encode('{"counter":1}') }), 'reject', 'BAD_PAYLOAD'],
    ['an HLC counter past its bound', () => opBytes(bob, { wall: NOW, counter: 70_000 }), 'reject', 'BAD_MESSAGE']
  ])('refuses %s with a typed error, and leaves the state untouched', (_, bytes, verdict, code) => {
    const a = counterState(alice, { maxPayloadBytes: 1024 })
    a.core.submit({ counter: 'x', by: 5 }, NOW)
    const receipt = a.core.receiveTopic('mallory', a.core.topic, bytes(), NOW)
    expect(receipt.verdict).toBe(verdict)
    expect(events(receipt.effects)).toMatchObject([{ type: 'refused', code, from: 'mallory' }])
    const penalties = receipt.effects.flatMap((effect) => (effect.type === 'penalise' ? [[effect.peer, effect.error.code]] : []))
    expect(penalties).toEqual(verdict === 'reject' ? [['mallory', code]] : [])
    expect(a.core.log.size).toBe(1)
    expect(a.graph.get('predicted', a.counters, 'x')).toBe(5)
  })

  it('never throws and never changes the state on hostile bytes (property)', () => {
    const valid = opBytes(bob, { wall: NOW, payload: { counter: 'y', by: 3 } })
    fc.assert(
      fc.property(
        fc.oneof(
          fc.uint8Array({ maxLength: 600 }),
          fc.tuple(fc.nat({ max: valid.length - 1 }), fc.integer({ min: 1, max: 255 })).map(([at, flip]) => {
            const copy = valid.slice()
            copy[at]! ^= flip
            return copy
          })
        ),
        (bytes) => {
          const a = counterState(alice)
          a.core.submit({ counter: 'x', by: 5 }, NOW)
          const receipt = a.core.receiveTopic('mallory', a.core.topic, bytes, NOW)
          // Only the unsigned stamp field may change without breaking the signature: the same op, admitted.
          if (receipt.verdict === 'accept') expect(a.graph.get('predicted', a.counters, 'y')).toBe(3)
          else expect(a.core.log.size).toBe(1)
          expect(a.graph.get('predicted', a.counters, 'x')).toBe(5)
        }
      ),
      { numRuns: 2000 }
    )
  })

  it('shows pending ops in the predicted view only, then confirms or nullifies them', () => {
    const policy = allowList([alice.publicKey], { others: 'pending' })
    const a = counterState(alice, { trust: policy })
    const fromBob = opBytes(bob, { wall: NOW, payload: { counter: 'x', by: 10 } })
    const fromCarol = opBytes(carol, { wall: NOW + 1, payload: { counter: 'x', by: 100 } })
    a.core.submit({ counter: 'x', by: 1 }, NOW + 2)
    a.core.receiveTopic('bob', a.core.topic, fromBob, NOW + 3)
    a.core.receiveTopic('carol', a.core.topic, fromCarol, NOW + 3)
    expect([a.graph.get('predicted', a.counters, 'x'), a.graph.get('confirmed', a.counters, 'x')]).toEqual([111, 1])
    policy.allow(bob.publicKey)
    expect([a.graph.get('predicted', a.counters, 'x'), a.graph.get('confirmed', a.counters, 'x')]).toEqual([111, 11])
    expect(events(a.core.takeSettled())).toMatchObject([{ type: 'status', status: 'confirmed' }])
  })

  it('brings a nullified op back into both views when its policy confirms it after all (a transaction mined again)', () => {
    const tell = new Set<(change: TrustStatusChange) => void>()
    const policy: TrustPolicy = {
      mode: 'proof-of-work',
      evaluate: () => ({ status: 'pending', reason: 'not deep yet' }),
      onStatusChange: (listener) => (tell.add(listener), () => tell.delete(listener))
    }
    const decide = (id: string, status: TrustStatusChange['status']) => tell.forEach((listener) => listener({ id, status, reason: 'test' }))
    const a = counterState(alice, { trust: policy })
    const { op } = a.core.submit({ counter: 'x', by: 5 }, NOW)
    const views = () => [a.graph.get('predicted', a.counters, 'x'), a.graph.get('confirmed', a.counters, 'x')]
    decide(op.key, 'confirmed')
    expect(views()).toEqual([5, 5])
    decide(op.key, 'nullified')
    expect(views()).toEqual([0, 0])
    decide(op.key, 'nullified') // told twice: nothing changes, nothing is reported
    decide(op.key, 'confirmed')
    expect(views()).toEqual([5, 5])
    expect(events(a.core.takeSettled()).map((event) => event.type === 'status' && event.status)).toEqual(['confirmed', 'nullified', 'confirmed'])
  })

  it('refuses the ops of authors off the allow-list in reject mode, and its own when not allowed', () => {
    const a = counterState(alice, { trust: allowList([bob.publicKey]) })
    const receipt = a.core.receiveTopic('carol', a.core.topic, opBytes(carol, { wall: NOW }), NOW)
    expect(receipt.verdict).toBe('reject')
    expect(events(receipt.effects)).toMatchObject([{ code: 'TRUST_REJECTED' }])
    expect(thrownCode(() => a.core.submit({ counter: 'x', by: 1 }, NOW))).toBe('TRUST_REJECTED')
  })

  it('folds ops older than the horizon into the bases, and refuses ops before the floor', () => {
    const a = counterState(alice, { horizon: 1000, compactEvery: 100 })
    for (let i = 0; i < 10; i++) a.core.receiveTopic('bob', a.core.topic, opBytes(bob, { wall: NOW + i * 100, payload: { counter: 'x', by: 1 } }), NOW + i * 100)
    const effects = a.core.tick(NOW + 1550)
    expect(events(effects)).toMatchObject([{ type: 'compacted', floor: NOW + 550 }])
    expect(a.core.log.size).toBe(4)
    expect(a.graph.get('confirmed', a.counters, 'x')).toBe(10)
    const late = a.core.ingest(opBytes(carol, { wall: NOW + 500 }), NOW + 1200, 'sync', 'carol')
    expect(late.verdict).toBe('ignore')
  })

  it('decodes op payloads with the application codec', () => {
    expect(addCodec.decode(addCodec.encode({ counter: 'a', by: 3 }))).toEqual({ counter: 'a', by: 3 })
    expect(thrownCode(() => addCodec.decode(new Uint8Array([0xff])))).toBe('BAD_PAYLOAD')
  })
})

function tamperSignature(bytes: Uint8Array): Uint8Array {
  const copy = bytes.slice()
  copy[copy.length - 3]! ^= 1 // inside the signature, the envelope's last field
  return copy
}
