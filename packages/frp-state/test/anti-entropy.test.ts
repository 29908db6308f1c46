import { joinBytes, type CoreEffect } from '@dscs/interface'
import { signEnvelope } from '@dscs/identity'
import { createEnvelope, encodeEnvelope, encodePayload } from '@dscs/wire'
import { describe, expect, it } from 'vitest'
import { SyncMessage, type FrpStateCore, type FrpStateEvent, type SyncEvent, type SyncPayload } from '../src/index.js'
import { alice, bob, carol, counterState, opBytes, type Add } from './fixtures.js'

const NOW = 1_700_000_000_000

type Name = 'alice' | 'bob'

/** Carries `send` effects between two cores until neither has more to say; returns the Sync bytes, op counts each way and session ends. */
function exchange(cores: Record<Name, FrpStateCore<Add>>, first: CoreEffect<FrpStateEvent<Add>>[], from: Name) {
  return exchangeAll(cores, first.map((effect) => ({ effect, from })))
}

function exchangeAll(cores: Record<Name, FrpStateCore<Add>>, queue: { effect: CoreEffect<FrpStateEvent<Add>>; from: Name }[]) {
  const traffic = { messages: 0, bytes: 0, opsTo: { alice: 0, bob: 0 }, ends: [] as [string, SyncEvent][] }
  for (let guard = 0; queue.length > 0 && guard < 1000; guard++) {
    const { effect, from: sender } = queue.shift()!
    if (effect.type === 'emit' && (effect.event.type === 'sync-ended' || effect.event.type === 'sync-failed')) traffic.ends.push([sender, effect.event])
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
    // Each side's session ends once its peer's last message and every op it announced are in: what crossed, both ways.
    expect(traffic.ends).toHaveLength(2)
    expect(traffic.ends).toContainEqual(['alice', { type: 'sync-ended', peer: 'bob', initiated: true, requests: [], received: 40, sent: 25 }])
    expect(traffic.ends).toContainEqual(['bob', { type: 'sync-ended', peer: 'alice', initiated: false, requests: [], received: 25, sent: 40 }])
    expect(a.core.syncSessions + b.core.syncSessions).toBe(0)
  })

  it('counts ops split over several Sync messages, whatever order they arrive in', () => {
    const a = counterState(alice, { self: 'alice' })
    const b = counterState(bob, { self: 'bob' })
    for (let i = 0; i < 5000; i++) b.core.submit({ counter: `k${i % 7}`, by: 1 }, NOW - 50_000 + i * 10)
    const { request, effects } = a.core.sync('bob', NOW)
    const ends: SyncEvent[] = []
    let queue: { effect: CoreEffect<FrpStateEvent<Add>>; from: Name }[] = effects.map((effect) => ({ effect, from: 'alice' }))
    for (let guard = 0; queue.length > 0 && guard < 100; guard++) {
      // Every round's messages delivered last first: the last message overtakes the ops before it.
      const round = queue.reverse()
      queue = []
      for (const { effect, from } of round) {
        if (effect.type === 'emit' && effect.event.type === 'sync-ended' && from === 'alice') ends.push(effect.event)
        if (effect.type !== 'send') continue
        const to = from === 'alice' ? 'bob' : 'alice'
        for (const next of (to === 'alice' ? a : b).core.receive(from, joinBytes(effect.bytes), NOW)) queue.push({ effect: next, from: to })
      }
    }
    expect(a.core.log.size).toBe(5000)
    expect(ends).toEqual([{ type: 'sync-ended', peer: 'bob', initiated: true, requests: [request], received: 5000, sent: 0 }])
  })

  it('joins a session open with the peer; of two started at once, the smaller peer\'s goes on', () => {
    const a = counterState(alice, { self: 'alice' })
    const b = counterState(bob, { self: 'bob' })
    for (let i = 0; i < 7; i++) a.core.submit({ counter: 'x', by: 1 }, NOW - 10_000 + i)
    for (let i = 0; i < 5; i++) b.core.submit({ counter: 'y', by: 1 }, NOW - 9_000 + i)
    const first = a.core.sync('bob', NOW)
    const joined = a.core.sync('bob', NOW)
    expect(joined.effects).toEqual([])
    // Bob asks too before alice's start reaches him: his session gives way to hers, and his request rides on it.
    const fromBob = b.core.sync('alice', NOW)
    const starts: { effect: CoreEffect<FrpStateEvent<Add>>; from: Name }[] = [
      ...first.effects.map((effect) => ({ effect, from: 'alice' as const })),
      ...fromBob.effects.map((effect) => ({ effect, from: 'bob' as const }))
    ]
    const traffic = exchangeAll({ alice: a.core, bob: b.core }, starts)
    const ended = traffic.ends.filter(([, e]) => e.type === 'sync-ended')
    expect(ended).toContainEqual(['alice', { type: 'sync-ended', peer: 'bob', initiated: true, requests: [first.request, joined.request], received: 5, sent: 7 }])
    expect(ended).toContainEqual(['bob', { type: 'sync-ended', peer: 'alice', initiated: false, requests: [fromBob.request], received: 7, sent: 5 }])
    expect(a.core.log.size).toBe(12)
    expect(b.core.log.size).toBe(12)
  })

  it('answers a sync asked before the connection came with the session started on connect', () => {
    const a = counterState(alice, { self: 'alice' })
    const b = counterState(bob, { self: 'bob' })
    for (let i = 0; i < 3; i++) b.core.submit({ counter: 'y', by: 1 }, NOW - 9_000 + i)
    const early = a.core.sync('bob', NOW) // its messages never arrive: no connection yet
    const traffic = exchange({ alice: a.core, bob: b.core }, a.core.peerConnected('bob', NOW + 1), 'alice')
    expect(traffic.ends).toContainEqual(['alice', { type: 'sync-ended', peer: 'bob', initiated: true, requests: [early.request], received: 3, sent: 0 }])
    expect(a.core.syncSessions).toBe(0)
  })

  it('reports a session silent for the timeout, or cut by a disconnection, as failed', () => {
    const a = counterState(alice, { self: 'alice', syncTimeout: 1_000 })
    const silent = a.core.sync('bob', NOW)
    const ends = a.core.tick(NOW + 1_000).flatMap((e) => (e.type === 'emit' && e.event.type === 'sync-failed' ? [e.event] : []))
    expect(ends).toMatchObject([{ peer: 'bob', requests: [silent.request], error: { code: 'SYNC_TIMEOUT' } }])
    const cut = a.core.sync('carol', NOW + 2_000)
    expect(a.core.peerDisconnected('carol')).toMatchObject([{ type: 'emit', event: { type: 'sync-failed', requests: [cut.request], error: { code: 'SYNC_ABORTED' } } }])
    expect(a.core.syncSessions).toBe(0)
  })

  it('sends almost nothing when both sides hold the same ops', () => {
    const a = counterState(alice, { self: 'alice' })
    const b = counterState(bob, { self: 'bob' })
    for (let i = 0; i < 2000; i++) {
      const bytes = opBytes(carol, { wall: NOW - 50_000 + i, payload: { counter: 'x', by: 1 } })
      a.core.ingest(bytes, NOW, 'topic', 'carol')
      b.core.ingest(bytes, NOW, 'topic', 'carol')
    }
    const traffic = exchange({ alice: a.core, bob: b.core }, a.core.sync('bob', NOW).effects, 'alice')
    expect(traffic.opsTo).toEqual({ alice: 0, bob: 0 })
    // One fingerprint each way, and alice's empty last message: bob waits for it to know the session is over.
    expect(traffic.messages).toBe(3)
    expect(traffic.bytes).toBeLessThan(1800)
    expect(traffic.ends).toEqual([
      ['alice', { type: 'sync-ended', peer: 'bob', initiated: true, requests: [1], received: 0, sent: 0 }],
      ['bob', { type: 'sync-ended', peer: 'alice', initiated: false, requests: [], received: 0, sent: 0 }]
    ])
  })

  it('keeps one session started by each peer: a new start replaces the old', () => {
    const a = counterState(alice, { self: 'alice' })
    const b = counterState(bob, { self: 'bob' })
    for (let i = 0; i < 500; i++) b.core.submit({ counter: 'x', by: 1 }, NOW - 10_000 + i)
    // Bob forgets each session at once (as on a reconnection), so each sync starts a new one.
    const starts = Array.from({ length: 10 }, (_, i) => {
      const { effects } = b.core.sync('alice', NOW + i)
      b.core.peerDisconnected('alice')
      return effects
    })
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
