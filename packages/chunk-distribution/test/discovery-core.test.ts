import { generateIdentity, peerIdFromIdentity, signEnvelope, type Identity } from '@dscs/identity'
import type { CoreEffect } from '@dscs/interface'
import { createEnvelope, encodeEnvelope } from '@dscs/wire'
import { describe, expect, it } from 'vitest'
import { ANNOUNCE_TOPIC, AnnouncementPayload, DiscoveryCore, contentIdOf, createAnnouncement, openAnnouncement, type ContentId, type DiscoveryEvent, type DiscoveryOptions } from '../src/index.js'
import { codeOf } from './helpers.js'

const CHUNK = 16 * 1024
const SECOND = 1_000

function cidOf(n: number): ContentId {
  return contentIdOf({ size: 8 * CHUNK, chunkSize: CHUNK, root: new Uint8Array(32).fill(n) })
}

const A = cidOf(1)
const B = cidOf(2)

interface Node {
  readonly identity: Identity
  readonly peer: string
}

function node(): Node {
  const identity = generateIdentity()
  return { identity, peer: peerIdFromIdentity(identity).toString() }
}

function core(options: Partial<DiscoveryOptions> = {}, now = 0): { core: DiscoveryCore; self: Node } {
  const self = node()
  return { core: new DiscoveryCore({ identity: self.identity, self: self.peer, addresses: () => ['/ip4/127.0.0.1/tcp/4001'], ...options }, now), self }
}

/** What the published announcements among `effects` say: `cid held/chunks`, `+` when seeking. */
function published(effects: readonly CoreEffect<DiscoveryEvent>[]): string[] {
  return effects.flatMap((effect) => {
    if (effect.type !== 'publish') return []
    expect(effect.topic).toBe(ANNOUNCE_TOPIC)
    const a = openAnnouncement(effect.bytes)
    return [`${a.cid.equals(A) ? 'A' : 'B'} ${a.held}/${a.chunks}${a.seeking ? '+' : ''}`]
  })
}

function emitted(effects: readonly CoreEffect<DiscoveryEvent>[]): DiscoveryEvent[] {
  return effects.flatMap((effect) => (effect.type === 'emit' ? [effect.event] : []))
}

function dials(effects: readonly CoreEffect<DiscoveryEvent>[]): string[] {
  return emitted(effects).flatMap((event) => (event.type === 'dial' ? [event.peer] : []))
}

function announcement(from: Node, cid: ContentId, held: number, chunks: number, seeking: boolean, now: number): Uint8Array {
  return createAnnouncement(from.identity, { cid, held, chunks, seeking, addresses: [`/ip4/127.0.0.1/tcp/${held + 5000}`] }, now)
}

describe('announcement pacing (sans-I/O, virtual time)', () => {
  it('announces a download at once, coalesces its progress to one per interval, and its completion at once', () => {
    const { core: c } = core({ announceInterval: 5 * SECOND, seekInterval: 60 * SECOND })
    expect(published(c.download(A, 0, 0, 0))).toEqual(['A 0/0+'])
    // A chunk a few ms apart: nothing goes out before the interval.
    const early = [1, 2, 3, 4, 5].flatMap((held) => c.progress(A, held, 8, held * 100))
    expect(published(early)).toEqual([])
    expect(c.nextDeadline()).toBe(5 * SECOND)
    expect(published(c.tick(4_999))).toEqual([])
    // One announcement with the latest count.
    expect(published(c.tick(5 * SECOND))).toEqual(['A 5/8+'])
    expect(published(c.progress(A, 7, 8, 6 * SECOND))).toEqual([])
    // Completion is not held back by the interval.
    expect(published(c.progress(A, 8, 8, 6_500))).toEqual(['A 8/8'])
    expect(published(c.tick(20 * SECOND))).toEqual([])
    expect(c.nextDeadline()).toBeUndefined()
  })

  it('re-announces a seeking download each seek interval, and stops once it is complete', () => {
    const { core: c } = core({ announceInterval: SECOND, seekInterval: 10 * SECOND })
    expect(published(c.download(A, 2, 8, 0))).toEqual(['A 2/8+'])
    expect(c.nextDeadline()).toBe(10 * SECOND)
    expect(published(c.tick(10 * SECOND))).toEqual(['A 2/8+'])
    expect(published(c.tick(20 * SECOND))).toEqual(['A 2/8+'])
    expect(published(c.progress(A, 8, 8, 21 * SECOND))).toEqual(['A 8/8'])
    expect(c.nextDeadline()).toBeUndefined()
  })

  it('keeps to the node-wide budget: content beyond the burst waits its turn', () => {
    const { core: c } = core({ announcementsPerSecond: 1 })
    // A burst of 4 seconds' worth, then one a second.
    const seeded = Array.from({ length: 6 }, (_, i) => published(c.seed(cidOf(10 + i), 8, 0))).flat()
    expect(seeded.length).toBe(4)
    expect(published(c.tick(500)).length).toBe(0)
    expect(published(c.tick(1_000)).length).toBe(1)
    expect(published(c.tick(2_000)).length).toBe(1)
    expect(c.nextDeadline()).toBeUndefined()
  })

  it('answers a seeker not connected here, at most once per interval', () => {
    const { core: c } = core({ announceInterval: 5 * SECOND })
    const seeker = node()
    const seekers = [node(), node(), node()]
    expect(published(c.seed(A, 8, 0))).toEqual(['A 8/8'])
    // Within the interval of the first announcement: the answer waits for it.
    const first = c.receiveTopic(seeker.peer, ANNOUNCE_TOPIC, announcement(seeker, A, 0, 0, true, SECOND), SECOND)
    expect(first.verdict).toBe('accept')
    expect(published(first.effects)).toEqual([])
    for (const s of seekers) expect(published(c.receiveTopic(s.peer, ANNOUNCE_TOPIC, announcement(s, A, 0, 0, true, 2 * SECOND), 2 * SECOND).effects)).toEqual([])
    expect(published(c.tick(5 * SECOND))).toEqual(['A 8/8'])
    // A seeker connected here has this node's bitfield already: no answer.
    c.peerConnected(seeker.peer)
    expect(published(c.receiveTopic(seeker.peer, ANNOUNCE_TOPIC, announcement(seeker, A, 0, 0, true, 11 * SECOND), 11 * SECOND).effects)).toEqual([])
    expect(c.nextDeadline()).toBeUndefined()
    // Content not held here: nothing to answer.
    expect(published(c.receiveTopic(seekers[0]!.peer, ANNOUNCE_TOPIC, announcement(seekers[0]!, B, 0, 0, true, 12 * SECOND), 12 * SECOND).effects)).toEqual([])
  })
})

describe('dialling announced providers (sans-I/O)', () => {
  it('dials holders of a download, within the in-flight and per-content bounds, each once', () => {
    const { core: c } = core({ maxDialsInFlight: 2, maxDialsPerContent: 3 })
    c.download(A, 0, 0, 0)
    const holders = [node(), node(), node(), node()]
    const effects = holders.map((h, i) => c.receiveTopic(h.peer, ANNOUNCE_TOPIC, announcement(h, A, i + 1, 8, false, 10), 10).effects)
    expect(effects.map(dials)).toEqual([[holders[0]!.peer], [holders[1]!.peer], [], []])
    const event = emitted(effects[0]!).find((e) => e.type === 'dial')
    expect(event).toEqual({ type: 'dial', peer: holders[0]!.peer, addresses: ['/ip4/127.0.0.1/tcp/5001'] })
    expect(emitted(effects[0]!)[0]).toEqual({ type: 'provider', cid: A, peer: holders[0]!.peer, via: 'topic' })
    // The third waits for a dial to end; the fourth is over the per-content bound.
    expect(dials(c.dialed(holders[0]!.peer, 10))).toEqual([holders[2]!.peer])
    expect(dials(c.dialed(holders[1]!.peer, 10))).toEqual([])
    // Never taken twice: announcing again starts no dial (a failed dial is tried again on its own schedule, below).
    expect(dials(c.receiveTopic(holders[0]!.peer, ANNOUNCE_TOPIC, announcement(holders[0]!, A, 5, 8, false, 20), 20).effects)).toEqual([])
  })

  it('dials a lost provider again while the download runs: waits doubling from 1 s to 30 s, a refused dial retried, none once complete', () => {
    const { core: c } = core()
    c.download(A, 0, 8, 0)
    const holder = node()
    expect(dials(c.receiveTopic(holder.peer, ANNOUNCE_TOPIC, announcement(holder, A, 8, 8, false, 0), 0).effects)).toEqual([holder.peer])
    c.peerConnected(holder.peer)
    c.dialed(holder.peer, 0)
    // Nothing just before the wait is over, the dial when it is; `connects` says whether that dial gets through.
    const redialAfter = (at: number, wait: number, connects: boolean) => {
      const result = [dials(c.tick(at + wait - 1)), dials(c.tick(at + wait))]
      if (connects) c.peerConnected(holder.peer)
      c.dialed(holder.peer, at + wait)
      return result
    }
    let at = 1_000
    for (const wait of [1_000, 2_000, 4_000, 8_000, 16_000, 30_000, 30_000]) {
      c.peerDisconnected(holder.peer, at)
      expect(redialAfter(at, wait, true)).toEqual([[], [holder.peer]])
      at += wait + 60_000
    }
    // Refused: tried again, at the longest wait by now, until it gets through.
    c.peerDisconnected(holder.peer, at)
    expect(redialAfter(at, 30_000, false)).toEqual([[], [holder.peer]])
    expect(redialAfter(at + 30_000, 30_000, true)).toEqual([[], [holder.peer]])
    // Lost after the download completed: not dialled again, nor is a redial that was waiting.
    at += 200_000
    c.peerDisconnected(holder.peer, at)
    c.progress(A, 8, 8, at + 1)
    expect(dials(c.tick(at + 100_000))).toEqual([])
    expect(c.nextDeadline()).toBeUndefined()
  })

  it('dials nobody for seekers with nothing, connected peers, content not fetched, or after completion', () => {
    const { core: c } = core()
    c.download(A, 0, 8, 0)
    const [empty, linked, other, late] = [node(), node(), node(), node()]
    expect(emitted(c.receiveTopic(empty.peer, ANNOUNCE_TOPIC, announcement(empty, A, 0, 8, true, 1), 1).effects)).toEqual([])
    c.peerConnected(linked.peer)
    expect(dials(c.receiveTopic(linked.peer, ANNOUNCE_TOPIC, announcement(linked, A, 8, 8, false, 1), 1).effects)).toEqual([])
    const unknown = c.receiveTopic(other.peer, ANNOUNCE_TOPIC, announcement(other, B, 8, 8, false, 1), 1)
    // Relayed for the nodes that want it, acted on by none here.
    expect(unknown).toEqual({ verdict: 'accept', effects: [] })
    c.progress(A, 8, 8, 2)
    expect(emitted(c.receiveTopic(late.peer, ANNOUNCE_TOPIC, announcement(late, A, 8, 8, false, 3), 3).effects)).toEqual([])
  })

  it('takes DHT providers through the same bounds', () => {
    const { core: c, self } = core({ maxDialsInFlight: 1 })
    c.download(A, 0, 0, 0)
    const [p, q] = [node(), node()]
    expect(c.found(A, self.peer, [])).toEqual([])
    expect(emitted(c.found(A, p.peer, ['/ip4/10.0.0.1/tcp/1']))).toEqual([
      { type: 'provider', cid: A, peer: p.peer, via: 'dht' },
      { type: 'dial', peer: p.peer, addresses: ['/ip4/10.0.0.1/tcp/1'] }
    ])
    expect(dials(c.found(A, q.peer, []))).toEqual([])
    expect(dials(c.dialed(p.peer, 0))).toEqual([q.peer])
  })
})

describe('hostile announcements (sans-I/O)', () => {
  const attacker = node()
  const signed = (payload: Uint8Array, kind = AnnouncementPayload.name): Uint8Array =>
    encodeEnvelope(signEnvelope(attacker.identity, createEnvelope({ kind, payload, author: attacker.identity.publicKey, timestamp: 1 })))

  it('rejects what breaks a rule, with a typed error, and penalises the relay', () => {
    const { core: c } = core()
    c.download(A, 0, 0, 0)
    const relay = 'relay'
    const cases: [Uint8Array, string][] = [
      [new Uint8Array(4_000), 'TOO_LARGE'],
      [new Uint8Array([1, 2, 3]), 'MALFORMED'],
      [signed(new Uint8Array([0xff, 0xff, 0xff])), 'MALFORMED'],
      [signed(new Uint8Array(0), 'dscs.chunk-distribution.Manifest'), 'KIND_MISMATCH'],
      [createEnvelopeWith(attacker, { held: 9, chunks: 8 }), 'BAD_ANNOUNCEMENT'],
      [createEnvelopeWith(attacker, { held: 1, chunks: 0 }), 'BAD_ANNOUNCEMENT'],
      [createEnvelopeWith(attacker, { addresses: ['not a multiaddr'] }), 'BAD_ANNOUNCEMENT']
    ]
    for (const [bytes, code] of cases) {
      const receipt = c.receiveTopic(relay, ANNOUNCE_TOPIC, bytes, 1)
      expect(receipt.verdict).toBe('reject')
      expect(emitted(receipt.effects)).toEqual([{ type: 'refused', from: relay, code, message: expect.any(String) as string }])
      expect(receipt.effects.some((e) => e.type === 'penalise' && e.peer === relay && e.error.code === code)).toBe(true)
    }
  })

  it('refuses to sign an announcement that breaks a rule', () => {
    expect(codeOf(() => createAnnouncement(attacker.identity, { cid: A, held: 2, chunks: 1, seeking: false, addresses: [] }, 1))).toBe('BAD_ANNOUNCEMENT')
  })

  it('drops announcements beyond an author rate unrelayed, without blame', () => {
    const { core: c } = core({ authorAnnouncementsPerSecond: 1 })
    const verdicts = Array.from({ length: 6 }, (_, i) => c.receiveTopic('relay', ANNOUNCE_TOPIC, announcement(attacker, B, 1, 8, false, i), i).verdict)
    expect(verdicts).toEqual(['accept', 'accept', 'accept', 'accept', 'ignore', 'ignore'])
    expect(c.receiveTopic('relay', ANNOUNCE_TOPIC, announcement(attacker, B, 1, 8, false, 1_010), 1_010).verdict).toBe('accept')
  })

  it('ignores other topics and its own announcements', () => {
    const { core: c, self } = core()
    c.download(A, 0, 0, 0)
    expect(c.receiveTopic('relay', 'other', new Uint8Array(1), 1)).toEqual({ verdict: 'ignore', effects: [] })
    expect(c.receiveTopic('relay', ANNOUNCE_TOPIC, announcement(self, A, 8, 8, false, 1), 1)).toEqual({ verdict: 'accept', effects: [] })
  })
})

/** A signed announcement of A whose fields break a rule the encoder would refuse. */
function createEnvelopeWith(from: Node, fields: { held?: number; chunks?: number; addresses?: string[] }): Uint8Array {
  const payload = AnnouncementPayload.codec.encode({ cid: A, held: fields.held ?? 1, chunks: fields.chunks ?? 8, seeking: false, addresses: fields.addresses ?? [] })
  return encodeEnvelope(signEnvelope(from.identity, createEnvelope({ kind: AnnouncementPayload.name, payload, author: from.identity.publicKey, timestamp: 1 })))
}
