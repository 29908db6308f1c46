import { joinBytes, type CoreEffect } from '@dscs/interface'
import { signEnvelope } from '@dscs/identity'
import { createEnvelope, encodeEnvelope, encodePayload } from '@dscs/wire'
import { describe, expect, it } from 'vitest'
import { SyncMessage, type FrpStateCore, type FrpStateEvent, type SyncPayload } from '../src/index.js'
import { alice, bob, carol, counterState, opBytes, type Add } from './fixtures.js'

const NOW = 1_700_000_000_000

/** Carries `send` effects between two cores until neither has more to say; returns the Sync bytes and op counts each way. */
function exchange(cores: Record<'alice' | 'bob', FrpStateCore<Add>>, first: CoreEffect<FrpStateEvent<Add>>[], from: 'alice' | 'bob') {
  const queue = first.map((effect) => ({ effect, from }))
  const traffic = { messages: 0, bytes: 0, opsTo: { alice: 0, bob: 0 } }
  for (let guard = 0; queue.length > 0 && guard < 1000; guard++) {
    const { effect, from: sender } = queue.shift()!
    if (effect.type !== 'send') continue
    const to = effect.to as 'alice' | 'bob'
    traffic.messages++
    traffic.bytes += effect.bytes.length
    const before = cores[to].log.size
    for (const next of cores[to].receive(sender, joinBytes(effect.bytes), NOW)) queue.push({ effect: next, from: to })
    traffic.opsTo[to] += cores[to].log.size - before
  }
  return traffic
}

describe('anti-entropy between two cores', () => {
  it('transfers exactly the ops each side lacks, and both end with the same state', () => {
    const a = counterState(alice, { self: 'alice' })
    const b = counterState(bob, { self: 'bob' })
    const shared = Array.from({ length: 300 }, (_, i) => opBytes(carol, { wall: NOW - 50_000 + i, payload: { counter: `k${i % 9}`, by: i } }))
    for (const bytes of shared) {
      a.core.ingest(bytes, NOW, 'topic', 'carol')
      b.core.ingest(bytes, NOW, 'topic', 'carol')
    }
    for (let i = 0; i < 25; i++) a.core.submit({ counter: `k${i % 9}`, by: 1000 + i }, NOW - 40_000 + i * 7)
    for (let i = 0; i < 40; i++) b.core.submit({ counter: `k${i % 5}`, by: 2000 + i }, NOW - 30_000 + i * 3)
    let batches = 0
    a.graph.subscribe(() => batches++)
    const traffic = exchange({ alice: a.core, bob: b.core }, a.core.peerConnected('bob', NOW), 'alice')
    expect(traffic.opsTo).toEqual({ alice: 40, bob: 25 })
    expect(batches).toBe(1) // bob's 40 ops came in one Sync message: one notification
    expect(a.core.log.size).toBe(365)
    for (let k = 0; k < 9; k++) expect(a.graph.get('confirmed', a.counters, `k${k}`)).toBe(b.graph.get('confirmed', b.counters, `k${k}`))
    // Only the larger peer id waits for the other to start.
    expect(b.core.peerConnected('alice', NOW)).toEqual([])
  })

  it('sends almost nothing when both sides hold the same ops', () => {
    const a = counterState(alice, { self: 'alice' })
    const b = counterState(bob, { self: 'bob' })
    for (let i = 0; i < 2000; i++) {
      const bytes = opBytes(carol, { wall: NOW - 50_000 + i, payload: { counter: 'x', by: 1 } })
      a.core.ingest(bytes, NOW, 'topic', 'carol')
      b.core.ingest(bytes, NOW, 'topic', 'carol')
    }
    const traffic = exchange({ alice: a.core, bob: b.core }, a.core.sync('bob', NOW), 'alice')
    expect(traffic.opsTo).toEqual({ alice: 0, bob: 0 })
    expect(traffic.messages).toBe(2)
    expect(traffic.bytes).toBeLessThan(1500) // 2,000 ops held by both: one fingerprint each way
  })

  it('keeps one session started by each peer: a new start replaces the old', () => {
    const a = counterState(alice, { self: 'alice' })
    const b = counterState(bob, { self: 'bob' })
    for (let i = 0; i < 500; i++) b.core.submit({ counter: 'x', by: 1 }, NOW - 10_000 + i)
    const starts = Array.from({ length: 10 }, (_, i) => b.core.sync('alice', NOW + i))
    for (const effects of starts) for (const effect of effects) if (effect.type === 'send') a.core.receive('bob', joinBytes(effect.bytes), NOW)
    expect(a.core.syncSessions).toBe(1)
  })

  it('penalises a forged, foreign or malformed Sync message and changes nothing', () => {
    const a = counterState(alice, { self: 'alice' })
    a.core.submit({ counter: 'x', by: 1 }, NOW)
    const sync = (payload: Partial<SyncPayload>, author = bob) =>
      encodeEnvelope(
        signEnvelope(
          author,
          createEnvelope({
            kind: SyncMessage.name,
            payload: encodePayload(SyncMessage, { domain: 'default', step: new Uint8Array(0), ops: [], session: 1, start: true, fromInitiator: true, ...payload }),
            author: author.publicKey,
            timestamp: NOW
          })
        )
      )
    const codes = (bytes: Uint8Array) => a.core.receive('mallory', bytes, NOW).flatMap((e) => (e.type === 'penalise' ? [e.error.code] : []))
    expect(codes(sync({ domain: 'elsewhere' }))).toEqual(['BAD_MESSAGE'])
    expect(codes(sync({ step: new Uint8Array([1, 2, 3, 4, 5, 6]) }))).toEqual(['BAD_SYNC_MESSAGE'])
    const forged = sync({})
    forged[forged.length - 2]! ^= 1
    expect(codes(forged)).toEqual(['BAD_SIGNATURE'])
    expect(codes(new Uint8Array([9, 9, 9]))).toEqual(['MALFORMED'])
    // Ops inside a Sync are checked one by one like topic messages: the bad one is refused, the good one applied.
    expect(codes(sync({ ops: [new Uint8Array([1, 2]), opBytes(carol, { wall: NOW, payload: { counter: 'y', by: 7 } })] }))).toEqual(['MALFORMED'])
    expect(a.graph.get('confirmed', a.counters, 'x')).toBe(1)
    expect(a.graph.get('confirmed', a.counters, 'y')).toBe(7)
  })
})
