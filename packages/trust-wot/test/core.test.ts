// The core alone: records between cores, sync on connect, expiry, persistence, and hostile input.
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { signEnvelope, type Identity } from '@dscs/identity'
import type { CoreEffect } from '@dscs/interface'
import { createEnvelope, decodeEnvelope, encodeEnvelope, encodePayload } from '@dscs/wire'
import { MAX_ATTESTATION_BYTES, MAX_RECORDS_PER_MESSAGE, RECORDS_TOPIC, RecordsPayloadKind, StatementPayloadKind, TrustWotCore, signStatement, type TrustWotCoreOptions, type TrustWotEvent } from '../src/index.js'
import { hex, outcomes, person, published, sends } from './helpers.js'

const T0 = 1_700_000_000_000
const DAY = 86_400_000
const [alice, bob, carol, mallory] = [person(1), person(2), person(3), person(66)]

function core(identity: Identity, options: Partial<TrustWotCoreOptions> = {}): TrustWotCore {
  return new TrustWotCore({ identity, ...options })
}

/** Delivers `bytes` on the records topic to `to` from peer `from`; returns the verdict and effect outcomes. */
function gossip(to: TrustWotCore, bytes: Uint8Array, now: number, from = 'relay') {
  const { verdict, effects } = to.receiveTopic(from, RECORDS_TOPIC, bytes, now)
  return { verdict, outcomes: outcomes(effects), effects }
}

/** A signed envelope of any kind and payload by `author`, for input the core would never make. */
function handmade(author: Identity, kind: string, payload: Uint8Array, timestamp: number): Uint8Array {
  return encodeEnvelope(signEnvelope(author, createEnvelope({ kind, payload, author: author.publicKey, timestamp })))
}

/** `bytes` re-signed with 20 parent hashes: a statement envelope past the 512 bytes a record may take. */
function padded(bytes: Uint8Array): Uint8Array {
  const envelope = decodeEnvelope(bytes)
  return encodeEnvelope(signEnvelope(alice, { ...envelope, parents: Array.from({ length: 20 }, () => new Uint8Array(32)) }))
}

const rawStatement = (author: Identity, trustee: Uint8Array, level: number, timestamp: number, expires = timestamp + DAY, scope = '') =>
  handmade(author, StatementPayloadKind.name, StatementPayloadKind.codec.encode({ trustee, level, scope, expires }), timestamp)

/** A Records message from `sender`, holding `records`. */
function recordsMessage(sender: Identity, records: readonly Uint8Array[], timestamp: number): Uint8Array {
  return handmade(sender, RecordsPayloadKind.name, encodePayload(RecordsPayloadKind, { records }), timestamp)
}

const events = (effects: readonly CoreEffect<TrustWotEvent>[]): TrustWotEvent[] => effects.flatMap((e) => (e.type === 'emit' ? [e.event] : []))

describe('TrustWotCore', () => {
  it('publishes its own statements, and a peer that receives one computes trust from any viewpoint', () => {
    const a = core(alice)
    const b = core(bob)
    const made = a.trust(bob.publicKey, { level: 80, expires: T0 + DAY }, T0)
    expect(outcomes(made.effects)).toEqual(['emit:record', 'emit:trust', 'publish'])
    expect(a.local.trust(hex(bob))).toBe(0.4)
    const [bytes] = published(made.effects)
    expect(gossip(b, bytes!, T0 + 50)).toMatchObject({ verdict: 'accept', outcomes: ['emit:record'] })
    expect(b.viewpoint(hex(alice)).trust(hex(bob))).toBe(0.4)
    // Bob's own viewpoint does not reach alice: he trusts nobody yet.
    expect(b.local.trust(hex(alice))).toBe(0)
    expect(b.local.trust(hex(bob))).toBe(1)
  })

  it('reports the shifts of its own trust as statements arrive, are revoked and expire', () => {
    const a = core(alice)
    const b = core(bob)
    const fromBob = published(b.trust(carol.publicKey, { level: 100, expires: T0 + 10_000 }, T0).effects)[0]!
    a.trust(bob.publicKey, { level: 100, expires: T0 + DAY }, T0)
    const received = gossip(a, fromBob, T0 + 10)
    expect(events(received.effects).find((e) => e.type === 'trust')).toEqual({ type: 'trust', shifts: [{ key: hex(carol), before: 0, after: 0.25 }] })
    // Alice revokes bob: bob and carol both lose her trust.
    const revoked = events(a.revoke(bob.publicKey, '', T0 + 20).effects).find((e) => e.type === 'trust')
    expect(revoked).toMatchObject({ type: 'trust', shifts: expect.arrayContaining([{ key: hex(bob), before: 0.5, after: 0 }, { key: hex(carol), before: 0.25, after: 0 }]) as unknown })
    a.trust(bob.publicKey, { level: 100, expires: T0 + DAY }, T0 + 30)
    expect(a.local.trust(hex(carol))).toBe(0.25)
    // Bob's statement about carol lapses at T0 + 10 000.
    expect(a.nextDeadline()).toBe(T0 + 10_000)
    expect(events(a.tick(T0 + 10_000))).toEqual([{ type: 'trust', shifts: [{ key: hex(carol), before: 0.25, after: 0 }] }])
  })

  it('sends every record to a peer that connects; the peer takes what it lacks and ignores the rest without blame', () => {
    const a = core(alice)
    a.trust(bob.publicKey, { level: 60, expires: T0 + DAY }, T0)
    gossip(a, published(core(bob).trust(carol.publicKey, { level: 40, expires: T0 + DAY }, T0).effects)[0]!, T0)
    for (let i = 0; i < 600; i++) gossip(a, rawStatement(person(1_000 + i), person(2_000 + i).publicKey, 10, T0), T0)
    const sync = sends(a.peerConnected('carol', T0 + 100))
    expect(sync.map((s) => s.to)).toEqual(['carol', 'carol'])
    const c = core(carol)
    for (const { bytes } of sync) expect(outcomes(c.receive('alice', bytes, T0 + 150)).filter((o) => !o.startsWith('emit'))).toEqual([])
    expect(c.graph.size).toBe(602)
    // The trusted trusters' records come first: alice's, then bob's (alice trusts him).
    expect(decodeEnvelope(RecordsPayloadKind.codec.decode(decodeEnvelope(sync[0]!.bytes).payload).records[0]!).author).toEqual(alice.publicKey)
    expect(c.viewpoint(hex(alice)).trust(hex(carol))).toBeGreaterThan(0)
    const again = sends(a.peerConnected('carol', T0 + 200))
    for (const { bytes } of again) expect(c.receive('alice', bytes, T0 + 250)).toEqual([])
  })

  it('passes what was news in a Records message on to its other peers, once', () => {
    const a = core(alice)
    a.trust(bob.publicKey, { level: 60, expires: T0 + DAY }, T0)
    const relay = core(carol)
    relay.peerConnected('alice', T0)
    relay.peerConnected('dave', T0)
    const [sync] = sends(a.peerConnected('carol', T0))
    const passed = sends(relay.receive('alice', sync!.bytes, T0))
    expect(passed.map((s) => s.to)).toEqual(['dave'])
    const dave = core(person(4))
    expect(outcomes(dave.receive('carol', passed[0]!.bytes, T0))).toEqual(['emit:record'])
    // The same records again are no news: nothing is passed on.
    expect(sends(relay.receive('alice', sends(a.peerConnected('carol', T0 + 1))[0]!.bytes, T0 + 1))).toEqual([])
    relay.peerDisconnected('dave')
  })

  it('reads back stored records, forgets those that lapsed meanwhile, and names the damaged ones', () => {
    const a = core(alice, { maxLifetime: 2 * DAY })
    const stored = new Map<string, Uint8Array>()
    const keep = (effects: readonly CoreEffect<TrustWotEvent>[]) => {
      for (const event of events(effects)) {
        if (event.type === 'record') stored.set(event.record.id, event.record.bytes)
        if (event.type === 'forget') stored.delete(event.record.id)
      }
    }
    keep(a.trust(bob.publicKey, { level: 100, expires: T0 + DAY }, T0).effects)
    keep(a.trust(carol.publicKey, { level: 100, expires: T0 + 1_000 }, T0).effects)
    keep(a.trust(bob.publicKey, { level: 50, expires: T0 + DAY }, T0 + 1).effects)
    expect(stored.size).toBe(2)
    const restarted = core(alice, { maxLifetime: 2 * DAY })
    const damaged = { id: 'ab'.repeat(32), bytes: stored.values().next().value!.slice(1) }
    const { effects, corrupt } = restarted.restore([...[...stored].map(([id, bytes]) => ({ id, bytes })), damaged], T0 + 5_000)
    expect(corrupt).toEqual([damaged.id])
    expect(restarted.local.trust(hex(bob))).toBe(0.25)
    expect(restarted.local.trust(hex(carol))).toBe(0)
    expect(events(effects).filter((e) => e.type === 'record')).toEqual([])
    // Past the lifetime, a stored record is forgotten as it is read back.
    const late = core(alice, { maxLifetime: 2 * DAY }).restore([...stored].map(([id, bytes]) => ({ id, bytes })), T0 + 2 * DAY + 1)
    expect(events(late.effects).filter((e) => e.type === 'forget')).toHaveLength(2)
  })
})

describe('TrustWotCore under hostile input', () => {
  const genuine = () => rawStatement(alice, bob.publicKey, 50, T0)

  it('refuses forged, altered and impostor records, and penalises the relay', () => {
    const b = core(bob)
    const bytes = genuine()
    const flipped = bytes.slice()
    flipped[flipped.length - 1]! ^= 1
    const altered = encodeEnvelope({ ...decodeEnvelope(bytes), payload: StatementPayloadKind.codec.encode({ trustee: carol.publicKey, level: 100, scope: '', expires: T0 + DAY }) })
    const impostor = encodeEnvelope({ ...decodeEnvelope(rawStatement(mallory, bob.publicKey, 50, T0)), author: alice.publicKey })
    for (const forgery of [flipped, altered, impostor]) {
      expect(gossip(b, forgery, T0, 'mallory')).toMatchObject({ verdict: 'reject', outcomes: ['emit:refused', 'mallory BAD_SIGNATURE'] })
    }
    expect(b.graph.size).toBe(0)
    expect(gossip(b, bytes, T0).verdict).toBe('accept')
  })

  it('refuses records replayed on the topic or stale ones published there, and replayed Records messages', () => {
    const b = core(bob, { maxClockSkew: 1_000 })
    const bytes = genuine()
    expect(gossip(b, bytes, T0).verdict).toBe('accept')
    expect(gossip(b, bytes, T0 + 10, 'mallory').outcomes).toEqual(['emit:refused', 'mallory REPLAYED'])
    expect(gossip(b, bytes, T0 + 5_000, 'mallory').outcomes).toEqual(['emit:refused', 'mallory OUTSIDE_WINDOW'])
    // Records messages are fresh and once only; the old records inside them are fine.
    const message = recordsMessage(mallory, [bytes], T0 + 5_000)
    expect(outcomes(core(carol).receive('mallory', message, T0 + 5_000))).toEqual(['emit:record'])
    const c = core(carol)
    c.receive('mallory', message, T0 + 5_000)
    expect(outcomes(c.receive('mallory', message, T0 + 5_001))).toEqual(['emit:refused', 'mallory REPLAYED'])
  })

  it('refuses oversized and malformed input, out-of-range fields, self-trust, records from the future and bad expiries', () => {
    const b = core(bob)
    const cases: [Uint8Array, string][] = [
      [new Uint8Array(MAX_ATTESTATION_BYTES + 1), 'TOO_LARGE'],
      [padded(rawStatement(alice, bob.publicKey, 50, T0)), 'TOO_LARGE'],
      [new Uint8Array([0xff, 0xff]), 'MALFORMED'],
      [rawStatement(alice, bob.publicKey, 0, T0), 'BAD_RECORD'],
      [rawStatement(alice, bob.publicKey, 101, T0), 'BAD_RECORD'],
      [rawStatement(alice, new Uint8Array(31), 50, T0), 'BAD_RECORD'],
      [rawStatement(alice, bob.publicKey, 50, T0, T0 + DAY, 'Not A Scope'), 'BAD_RECORD'],
      [rawStatement(alice, alice.publicKey, 50, T0), 'SELF_TRUST'],
      [rawStatement(alice, bob.publicKey, 50, T0 + 100_000, T0 + DAY), 'FROM_FUTURE'],
      [rawStatement(alice, bob.publicKey, 50, T0, T0), 'BAD_EXPIRY'],
      [rawStatement(alice, bob.publicKey, 50, T0, T0 + 366 * DAY), 'BAD_EXPIRY'],
      [handmade(alice, 'dscs.trust-wot.Other', new Uint8Array(0), T0), 'UNEXPECTED_KIND']
    ]
    // Inside Records messages, and on the topic, where a record from the future falls outside the replay window first.
    for (const [i, [bytes, code]] of cases.entries()) {
      expect(outcomes(b.receive('mallory', recordsMessage(mallory, [bytes], T0 + i), T0))).toEqual(['emit:refused', `mallory ${code}`])
      expect(gossip(b, bytes, T0, 'mallory').outcomes).toEqual(['emit:refused', `mallory ${code === 'FROM_FUTURE' ? 'OUTSIDE_WINDOW' : code}`])
    }
    const tooMany = recordsMessage(mallory, Array.from({ length: MAX_RECORDS_PER_MESSAGE + 1 }, () => new Uint8Array(1)), T0)
    expect(outcomes(b.receive('mallory', tooMany, T0))).toEqual(['emit:refused', 'mallory TOO_LARGE'])
    expect(outcomes(b.receive('mallory', handmade(mallory, 'dscs.trust-wot.Ping', new Uint8Array(0), T0), T0))).toEqual(['emit:refused', 'mallory UNKNOWN_KIND'])
    expect(b.graph.size).toBe(0)
  })

  it('stops at the first forgery in a Records message: the records before it count, none after', () => {
    const c = core(carol)
    const forged = genuine().slice()
    forged[forged.length - 1]! ^= 1
    const message = recordsMessage(mallory, [rawStatement(bob, carol.publicKey, 10, T0), forged, rawStatement(bob, alice.publicKey, 10, T0)], T0)
    expect(outcomes(c.receive('mallory', message, T0))).toEqual(['emit:record', 'emit:refused', 'mallory BAD_SIGNATURE'])
    expect(c.graph.size).toBe(1)
  })

  it('takes cycles of trust: each record once, trust finite', () => {
    const a = core(alice)
    const ring = [alice, bob, carol, mallory]
    for (const [i, truster] of ring.entries()) gossip(a, rawStatement(truster, ring[(i + 1) % ring.length]!.publicKey, 100, T0), T0)
    expect(a.graph.size).toBe(4)
    let total = 0
    for (const [key, trust] of a.local.entries()) if (key !== hex(alice)) total += trust
    expect(total).toBeGreaterThan(0)
    expect(total).toBeLessThanOrEqual(1)
  })

  it('bounds a flood: one truster to maxRecordsPerTruster, and strangers to their own pool, never pushing out trusted records', () => {
    const a = core(alice, { maxRecordsPerTruster: 3, maxStrangerRecords: 50 })
    a.trust(bob.publicKey, { level: 100, expires: T0 + DAY }, T0)
    for (let i = 0; i < 3; i++) gossip(a, rawStatement(bob, person(100 + i).publicKey, 50, T0), T0)
    expect(gossip(a, rawStatement(bob, person(200).publicKey, 50, T0), T0, 'mallory').outcomes).toEqual(['emit:refused', 'mallory TOO_MANY_RECORDS'])
    // 1,000 Sybil identities, trusted by nobody alice trusts, each make a statement.
    for (let i = 0; i < 1_000; i++) expect(gossip(a, rawStatement(person(300 + i), person(2_000 + i).publicKey, 100, T0), T0).verdict).toBe('accept')
    expect(a.stats).toMatchObject({ trusted: 4, strangers: 50 })
    expect(a.graph.size).toBe(54)
    expect(a.local.trust(hex(person(100)))).toBeGreaterThan(0)
    // A stranger who gains alice's trust moves to the trusted pool with its records.
    const stranger = person(1_299)
    gossip(a, rawStatement(person(100), stranger.publicKey, 100, T0), T0)
    expect(a.stats).toMatchObject({ trusted: 6, strangers: 49 })
  })

  it('never throws on hostile bytes: each yields a verdict, and at most a refusal and a penalty', () => {
    const b = core(bob)
    const valid = genuine()
    const message = recordsMessage(mallory, [valid], T0)
    const flip = (source: Uint8Array) =>
      fc.tuple(fc.nat(source.length - 1), fc.integer({ min: 1, max: 255 })).map(([at, mask]) => {
        const bytes = source.slice()
        bytes[at]! ^= mask
        return bytes
      })
    fc.assert(
      fc.property(fc.oneof(fc.uint8Array({ maxLength: 700 }), flip(valid), flip(message)), (bytes) => {
        for (const effects of [b.receiveTopic('mallory', RECORDS_TOPIC, bytes, T0).effects, b.receive('mallory', bytes, T0)]) {
          const kinds = outcomes(effects)
          expect(kinds.filter((o) => o.startsWith('mallory')).length).toBeLessThanOrEqual(1)
        }
      }),
      { numRuns: 1_000 }
    )
    // Whatever got in is a genuine record of alice's: flipped bytes outside the signed part may still be valid.
    for (const record of b.graph.records()) expect(record.truster).toBe(hex(alice))
  })

  it('refuses its own statement when one as late exists, and out-of-range terms', () => {
    const a = core(alice)
    a.trust(bob.publicKey, { level: 10, expires: T0 + DAY }, T0 + 10)
    expect(() => a.trust(bob.publicKey, { level: 20, expires: T0 + DAY }, T0)).toThrow(expect.objectContaining({ code: 'SUPERSEDED' }))
    expect(() => a.trust(bob.publicKey, { level: 0, expires: T0 + DAY }, T0 + 20)).toThrow(expect.objectContaining({ code: 'BAD_RECORD' }))
    expect(() => a.viewpoint('not hex')).toThrow(expect.objectContaining({ code: 'INVALID_OPTION' }))
    // A closed viewpoint is forgotten: asked for again, it is a new one, and this node's own stays.
    const bobs = a.viewpoint(hex(bob))
    bobs.close()
    expect(a.viewpoint(hex(bob))).not.toBe(bobs)
    a.closeViewpoint(a.self)
    expect(a.viewpoint()).toBe(a.local)
    expect(signStatement(alice, bob.publicKey, { level: 1, expires: T0 + 1 }, T0).length).toBeLessThan(512)
  })
})
