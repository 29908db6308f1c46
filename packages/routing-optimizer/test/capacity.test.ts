import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { generateIdentity, signEnvelope, type Identity } from '@dscs/identity'
import { isDscsError, type CoreEffect } from '@dscs/interface'
import { createEnvelope, decodePayload, encodeEnvelope, encodePayload } from '@dscs/wire'
import { CAPACITY_TOPIC, CapacityRecordPayload, RoutingOptimizerCore, type CapacityRecordValue, type RoutingOptimizerEvent } from '../src/index.js'
import { sentBytes } from '@dscs/test-support'

const toHex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex')

/** Cores that know each other's keys, as libp2p peers do from their ids. */
function cluster(names: readonly string[]): Map<string, { core: RoutingOptimizerCore; identity: Identity }> {
  const identities = new Map(names.map((name) => [name, generateIdentity()]))
  const byKey = new Map([...identities].map(([name, identity]) => [toHex(identity.publicKey), name]))
  return new Map(
    names.map((name) => {
      const identity = identities.get(name)!
      const core = new RoutingOptimizerCore({ identity, self: name, randomBytes: (n) => crypto.getRandomValues(new Uint8Array(n)), peerOfKey: (key) => byKey.get(toHex(key)) })
      return [name, { core, identity }]
    })
  )
}

function published(effects: readonly CoreEffect<RoutingOptimizerEvent>[]): Uint8Array {
  const effect = effects[0]
  if (effect?.type !== 'publish') throw new TypeError('expected a publish effect')
  expect(effect.topic).toBe(CAPACITY_TOPIC)
  return effect.bytes
}

function handmadeRecord(identity: Identity, record: CapacityRecordValue, timestamp: number): Uint8Array {
  const unsigned = createEnvelope({ kind: CapacityRecordPayload.name, payload: encodePayload(CapacityRecordPayload, record), author: identity.publicKey, timestamp })
  return encodeEnvelope(signEnvelope(identity, unsigned))
}

describe('capacity records', () => {
  it('signs, relays and keeps a record about its author, whoever relays it', () => {
    const nodes = cluster(['alice', 'bob', 'carol'])
    const bytes = published(nodes.get('alice')!.core.advertise({ uploadBytesPerSecond: 5e6, relay: true }, 1_000))
    // Carol relayed alice's record: it is about alice.
    const receipt = nodes.get('bob')!.core.receiveTopic('carol', CAPACITY_TOPIC, bytes, 1_010)
    expect(receipt.verdict).toBe('accept')
    expect(receipt.effects).toMatchObject([{ type: 'emit', event: { type: 'capacity', peer: 'alice', record: { uploadBytesPerSecond: 5e6, relay: true } } }])
    expect(nodes.get('bob')!.core.table.capacityRecord('alice')).toMatchObject({ uploadBytesPerSecond: 5e6, relay: true, issuedAt: 1_000, receivedAt: 1_010 })
    // The record carried alice's coordinate: bob can predict the RTT to her without having measured it.
    expect(nodes.get('bob')!.core.table.predictRtt('alice')).toBeGreaterThan(0)
    // Its echo is not an offence; its own record coming back is not kept as a peer's.
    expect(nodes.get('bob')!.core.receiveTopic('alice', CAPACITY_TOPIC, bytes, 1_020)).toEqual({ verdict: 'ignore', effects: [] })
    expect(nodes.get('alice')!.core.receiveTopic('bob', CAPACITY_TOPIC, bytes, 1_020).effects).toEqual([])
    expect(nodes.get('alice')!.core.table.capacityRecord('alice')).toBeUndefined()
  })

  it('keeps the newest record: one issued earlier and overtaken on the way changes nothing', () => {
    const nodes = cluster(['alice', 'bob'])
    const alice = nodes.get('alice')!
    const bob = nodes.get('bob')!.core
    const older = handmadeRecord(alice.identity, { uploadBytesPerSecond: 1, relay: false }, 1_000)
    const newer = handmadeRecord(alice.identity, { uploadBytesPerSecond: 2, relay: false }, 2_000)
    bob.receiveTopic('alice', CAPACITY_TOPIC, newer, 2_100)
    expect(bob.receiveTopic('alice', CAPACITY_TOPIC, older, 2_100).verdict).toBe('accept')
    expect(bob.table.capacityRecord('alice')?.uploadBytesPerSecond).toBe(2)
  })

  it('rejects a bad record with a typed error and penalises the peer that relayed it', () => {
    const nodes = cluster(['alice', 'bob'])
    const bob = nodes.get('bob')!.core
    const stranger = generateIdentity()
    const cases: [Uint8Array, string][] = [
      [handmadeRecord(stranger, { uploadBytesPerSecond: 1e6, relay: false }, 0), 'UNKNOWN_AUTHOR'],
      [handmadeRecord(nodes.get('alice')!.identity, { uploadBytesPerSecond: 1e15, relay: false }, 0), 'BAD_CAPACITY'],
      [handmadeRecord(nodes.get('alice')!.identity, { uploadBytesPerSecond: 1, relay: false, coordinate: { vector: [1], height: 0, error: 1 } }, 0), 'BAD_COORDINATE'],
      [handmadeRecord(nodes.get('alice')!.identity, { uploadBytesPerSecond: 1, relay: false, coordinate: { vector: [1, 2], height: Number.NaN, error: 1 } }, 0), 'BAD_COORDINATE'],
      [new Uint8Array(600), 'TOO_LARGE'],
      [new Uint8Array([0xff, 0xff]), 'MALFORMED']
    ]
    for (const [bytes, code] of cases) {
      const receipt = bob.receiveTopic('mallory', CAPACITY_TOPIC, bytes, 0)
      expect(receipt.verdict).toBe('reject')
      expect(receipt.effects).toEqual([{ type: 'penalise', peer: 'mallory', error: expect.objectContaining({ code }) as unknown }])
    }
    const flipped = handmadeRecord(nodes.get('alice')!.identity, { uploadBytesPerSecond: 7, relay: false }, 5)
    flipped[flipped.length - 1]! ^= 1
    expect(bob.receiveTopic('mallory', CAPACITY_TOPIC, flipped, 5).effects).toMatchObject([{ type: 'penalise', error: { code: 'BAD_SIGNATURE' } }])
    expect(bob.table.capacityRecord('alice')).toBeUndefined()
  })

  it('never throws on hostile bytes, and keeps only records that decode and check', () => {
    const nodes = cluster(['alice', 'bob'])
    const bob = nodes.get('bob')!.core
    const genuine = published(nodes.get('alice')!.core.advertise({ uploadBytesPerSecond: 3e6, relay: false }, 0))
    const mutated = fc.tuple(fc.nat(genuine.length - 1), fc.integer({ min: 1, max: 255 })).map(([at, mask]) => {
      const bytes = genuine.slice()
      bytes[at]! ^= mask
      return bytes
    })
    fc.assert(
      fc.property(fc.oneof(fc.uint8Array({ maxLength: 700 }), mutated), (bytes) => {
        const receipt = bob.receiveTopic('mallory', CAPACITY_TOPIC, bytes, 0)
        for (const effect of receipt.effects) {
          if (effect.type === 'penalise') expect(isDscsError(effect.error)).toBe(true)
          else expect(effect).toMatchObject({ type: 'emit', event: { type: 'capacity', peer: 'alice' } })
        }
        expect(receipt.verdict === 'reject').toBe(receipt.effects.some((effect) => effect.type === 'penalise'))
        const kept = bob.table.capacityRecord('alice')
        if (kept !== undefined) expect(kept.uploadBytesPerSecond).toBeLessThanOrEqual(100e9)
      }),
      { numRuns: 1_000 }
    )
  })

  it('the payload decoder alone refuses every hostile payload with a typed error, or yields a record in range', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (payload) => {
        try {
          const record = decodePayload({ kind: CapacityRecordPayload.name, payload } as Parameters<typeof decodePayload>[0], CapacityRecordPayload)
          expect(record.uploadBytesPerSecond).toBeLessThanOrEqual(100e9)
          if (record.coordinate !== undefined) expect(record.coordinate.vector.every(Number.isFinite)).toBe(true)
        } catch (err) {
          expect(isDscsError(err)).toBe(true)
        }
      }),
      { numRuns: 2_000 }
    )
  })
})

describe('measurements through the core', () => {
  it('learns RTT, reliability and the answerer\'s coordinate from pings', () => {
    const nodes = cluster(['alice', 'bob'])
    const alice = nodes.get('alice')!.core
    const bob = nodes.get('bob')!.core
    for (let i = 0; i < 5; i++) {
      const { effects } = alice.ping('bob', i * 1_000)
      alice.receive('bob', sentBytes(bob.receive('alice', sentBytes(effects), i * 1_000 + 20)), i * 1_000 + 40)
    }
    alice.ping('bob', 10_000)
    expect(alice.tick(30_000)).toMatchObject([{ type: 'emit', event: { type: 'timeout', peer: 'bob' } }])
    const measured = alice.table.measurements('bob')!
    expect(measured.rtt).toBe(40)
    expect(measured.reliability).toBeLessThan(1)
    expect(measured.reliability).toBeGreaterThan(0.5)
    expect(alice.table.predictRtt('bob')).toBeDefined()
    expect(alice.table.coordinate.error).toBeLessThan(1.5)
  })

  it('takes RTT samples from piggybacked timestamps it stamped, and ignores forged echoes', () => {
    const alice = cluster(['alice']).get('alice')!.core
    const stamp = alice.stamp('bob', 1_000)
    alice.echoed('bob', stamp + 500, 1_030) // never stamped: would claim 30 ms less
    alice.echoed('carol', stamp, 1_030) // stamped for bob, not carol
    expect(alice.table.measurements('bob')).toBeUndefined()
    alice.echoed('bob', stamp, 1_030)
    expect(alice.table.measurements('bob')?.rtt).toBe(30)
    alice.echoed('bob', stamp, 1_031) // each stamp once
    expect(alice.table.measurements('bob')?.rtt).toBe(30)
  })
})
