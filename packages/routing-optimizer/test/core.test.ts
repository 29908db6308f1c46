import fc from 'fast-check'
import { describe, expect, it, vi } from 'vitest'
import { VerificationCache, generateIdentity, signEnvelope, type Identity } from '@dscs/identity'
import { isDscsError, type CoreEffect } from '@dscs/interface'
import { createEnvelope, decodeEnvelope, encodeEnvelope, encodePayload } from '@dscs/wire'
import { PingPayload, RoutingOptimizerCore, RoutingOptimizerError, type RoutingOptimizerCoreOptions } from '../src/index.js'
import { sentBytes } from '@dscs/test-support'

// Deterministic nonces: 0x01…, 0x02…, one fill byte per ping.
function countingBytes(): (length: number) => Uint8Array {
  let calls = 0
  return (length) => new Uint8Array(length).fill(++calls)
}

function newCore(options: Partial<RoutingOptimizerCoreOptions> = {}): RoutingOptimizerCore {
  return new RoutingOptimizerCore({ identity: generateIdentity(), randomBytes: countingBytes(), ...options })
}

// A signed Ping built by hand, so a test can send what the core itself never would.
function handmadePing(identity: Identity, nonce: Uint8Array, timestamp: number, kind = PingPayload.name): Uint8Array {
  const unsigned = createEnvelope({ kind, payload: encodePayload(PingPayload, { nonce }), author: identity.publicKey, timestamp })
  return encodeEnvelope(signEnvelope(identity, unsigned))
}

// Each effect as `<peer> <code>` for a penalty, or as its type.
function outcomes(effects: readonly CoreEffect<unknown>[]): string[] {
  return effects.map((effect) => (effect.type === 'penalise' && isDscsError(effect.error) ? `${effect.peer} ${effect.error.code}` : effect.type))
}

describe('RoutingOptimizerCore', () => {
  it('answers a ping and measures the round trip from the times it is given', () => {
    const alice = newCore()
    const bob = newCore()
    const { id, effects } = alice.ping('bob', 1_000)
    expect(effects).toMatchObject([{ type: 'send', to: 'bob' }])
    const answer = bob.receive('alice', sentBytes(effects), 1_010)
    expect(answer).toMatchObject([{ type: 'send', to: 'alice' }])
    expect(alice.receive('bob', sentBytes(answer), 1_042)).toEqual([{ type: 'emit', event: { type: 'pong', id, peer: 'bob', rtt: 42 } }])
    expect(alice.nextDeadline()).toBeUndefined()
  })

  it('takes fractional time, as a simulator gives it, and puts whole milliseconds in envelopes', () => {
    const alice = newCore()
    const bob = newCore()
    const { effects } = alice.ping('bob', 1_000.75)
    expect(decodeEnvelope(sentBytes(effects)).timestamp).toBe(1_000)
    const answer = bob.receive('alice', sentBytes(effects), 1_020.5)
    expect(alice.receive('bob', sentBytes(answer), 1_041.25)).toMatchObject([{ type: 'emit', event: { type: 'pong', rtt: 40.5 } }])
  })

  it('times a ping out on tick, then drops its late pong without a penalty', () => {
    const alice = newCore({ timeout: 5_000 })
    const bob = newCore()
    const { id, effects } = alice.ping('bob', 0)
    expect(alice.nextDeadline()).toBe(5_000)
    expect(alice.tick(4_999)).toEqual([])
    expect(alice.tick(5_000)).toEqual([{ type: 'emit', event: { type: 'timeout', id, peer: 'bob' } }])
    expect(alice.nextDeadline()).toBeUndefined()
    expect(alice.receive('bob', sentBytes(bob.receive('alice', sentBytes(effects), 5_001)), 5_002)).toEqual([])
  })

  it('settles a pong only from the peer that was pinged', () => {
    const alice = newCore()
    const bob = newCore()
    const answer = sentBytes(bob.receive('alice', sentBytes(alice.ping('bob', 0).effects), 1))
    expect(alice.receive('carol', answer, 2)).toEqual([])
    expect(alice.receive('bob', answer, 2)).toMatchObject([{ type: 'emit', event: { type: 'pong', rtt: 2 } }])
  })

  it('penalises the sender of bad input with a typed error, and answers nothing', () => {
    const bob = newCore({ maxClockSkew: 1_000 })
    const mallory = generateIdentity()
    const nonce = new Uint8Array(16)
    const validPing = handmadePing(mallory, nonce, 10_000)
    expect(bob.receive('mallory', validPing, 10_000)).toMatchObject([{ type: 'send', to: 'mallory' }])
    expect(outcomes(bob.receive('mallory', handmadePing(mallory, nonce, 12_000), 10_000))).toEqual(['mallory OUTSIDE_WINDOW'])
    expect(outcomes(bob.receive('mallory', handmadePing(mallory, new Uint8Array(3), 10_000), 10_000))).toEqual(['mallory BAD_NONCE'])
    expect(outcomes(bob.receive('mallory', handmadePing(mallory, nonce, 10_000, 'dscs.other.Thing'), 10_000))).toEqual(['mallory UNKNOWN_KIND'])
    expect(outcomes(bob.receive('mallory', new Uint8Array(513), 10_000))).toEqual(['mallory TOO_LARGE'])
    expect(outcomes(bob.receive('mallory', new Uint8Array([0xff, 0xff]), 10_000))).toEqual(['mallory MALFORMED'])
  })

  it('refuses a replayed ping, however soon it comes back', () => {
    const alice = newCore()
    const bob = newCore()
    const captured = sentBytes(alice.ping('bob', 1_000).effects)
    expect(bob.receive('alice', captured, 1_010)).toMatchObject([{ type: 'send', to: 'alice' }])
    expect(outcomes(bob.receive('alice', captured, 1_010))).toEqual(['alice REPLAYED'])
    expect(outcomes(bob.receive('mallory', captured, 30_000))).toEqual(['mallory REPLAYED'])
    expect(outcomes(bob.receive('mallory', captured, 62_000))).toEqual(['mallory OUTSIDE_WINDOW'])
  })

  it('remembers at most maxSeenEnvelopes, and then refuses anything as old as what it forgot', () => {
    const bob = newCore({ maxSeenEnvelopes: 2 })
    const carol = generateIdentity()
    for (const [i, timestamp] of [1_000, 2_000, 3_000].entries()) {
      expect(bob.receive('carol', handmadePing(carol, new Uint8Array(16).fill(i), timestamp), 3_000)).toMatchObject([{ type: 'send' }])
    }
    // The first ping was forgotten to make room; its replay is still refused.
    expect(outcomes(bob.receive('carol', handmadePing(carol, new Uint8Array(16).fill(0), 1_000), 3_000))).toEqual(['carol OUTSIDE_WINDOW'])
    expect(bob.receive('carol', handmadePing(carol, new Uint8Array(16).fill(9), 2_500), 3_000)).toMatchObject([{ type: 'send' }])
  })

  it('refuses forged and altered envelopes with BAD_SIGNATURE, and still accepts the genuine ones after', () => {
    const alice = generateIdentity()
    const mallory = generateIdentity()
    const bob = newCore()
    const genuine = handmadePing(alice, new Uint8Array(16).fill(1), 0)
    const altered = encodeEnvelope({ ...decodeEnvelope(genuine), payload: encodePayload(PingPayload, { nonce: new Uint8Array(16).fill(2) }) })
    const flipped = genuine.slice()
    flipped[flipped.length - 1]! ^= 1 // the last byte is part of the signature
    const impostor = encodeEnvelope({ ...decodeEnvelope(handmadePing(mallory, new Uint8Array(16).fill(1), 0)), author: alice.publicKey })
    for (const forgery of [altered, flipped, impostor]) expect(outcomes(bob.receive('mallory', forgery, 0))).toEqual(['mallory BAD_SIGNATURE'])
    expect(bob.receive('alice', genuine, 0)).toMatchObject([{ type: 'send', to: 'alice' }])

    // An altered pong neither settles the ping nor spends it: the genuine pong still does.
    const carol = newCore()
    const { id, effects } = carol.ping('bob', 0)
    const pong = sentBytes(bob.receive('carol', sentBytes(effects), 5))
    const alteredPong = pong.slice()
    alteredPong[alteredPong.length - 1]! ^= 1
    expect(outcomes(carol.receive('bob', alteredPong, 10))).toEqual(['bob BAD_SIGNATURE'])
    expect(carol.receive('bob', pong, 10)).toEqual([{ type: 'emit', event: { type: 'pong', id, peer: 'bob', rtt: 10 } }])
  })

  it('verifies each envelope once per node through the shared verification cache', () => {
    const cache = new VerificationCache()
    const alice = newCore()
    const pingBytes = sentBytes(alice.ping('bob', 0).effects)
    expect(newCore({ verificationCache: cache }).receive('alice', pingBytes, 1)).toMatchObject([{ type: 'send', to: 'alice' }])
    expect(cache.size).toBe(1)
    // Another core of the same node (its own replay guard) gets the verdict from the cache instead of checking again.
    const lookups = vi.spyOn(cache, 'get')
    expect(newCore({ verificationCache: cache }).receive('alice', pingBytes, 2)).toMatchObject([{ type: 'send', to: 'alice' }])
    expect(lookups).toHaveReturnedWith(true)
    expect(cache.size).toBe(1)
  })

  it('never throws on hostile bytes: each yields at most one effect, a penalty carrying a typed error or an answer', () => {
    const bob = newCore()
    const validPing = handmadePing(generateIdentity(), new Uint8Array(16), 0)
    const flipped = fc.tuple(fc.nat(validPing.length - 1), fc.integer({ min: 1, max: 255 })).map(([at, mask]) => {
      const bytes = validPing.slice()
      bytes[at]! ^= mask
      return bytes
    })
    fc.assert(
      fc.property(fc.oneof(fc.uint8Array({ maxLength: 600 }), flipped), (bytes) => {
        const effects = bob.receive('mallory', bytes, 0)
        expect(effects.length).toBeLessThanOrEqual(1)
        for (const effect of effects) {
          if (effect.type === 'penalise') expect(isDscsError(effect.error)).toBe(true)
          else expect(effect).toMatchObject({ type: 'send', to: 'mallory' })
        }
      }),
      { numRuns: 1_000 }
    )
  })

  it('bounds the pings awaiting an answer', () => {
    const alice = newCore({ maxOutstanding: 2 })
    alice.ping('bob', 0)
    alice.ping('carol', 0)
    expect(() => alice.ping('dave', 0)).toThrow(RoutingOptimizerError)
    expect(() => newCore({ timeout: -1 })).toThrow(expect.objectContaining({ code: 'INVALID_OPTION' }))
    expect(() => newCore({ maxSeenEnvelopes: 0 })).toThrow(expect.objectContaining({ code: 'INVALID_OPTION' }))
  })
})
