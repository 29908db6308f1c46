import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { generateIdentity, signEnvelope, type Identity } from '@dscs/identity'
import { isDscsError, type CoreEffect } from '@dscs/interface'
import { createEnvelope, encodeEnvelope, encodePayload } from '@dscs/wire'
import { DemandPayload, DemandQueryPayload, DifficultyPolicy, StampDemandCore, type DemandMessage, type StampDemandCoreOptions } from '../src/index.js'
import { sentBytes } from '@dscs/test-support'

// Deterministic nonces: 0x01…, 0x02…, one fill byte per query.
function countingBytes(): (length: number) => Uint8Array {
  let calls = 0
  return (length) => new Uint8Array(length).fill(++calls)
}

function newCore(options: Partial<StampDemandCoreOptions> = {}): StampDemandCore {
  const policy = new DifficultyPolicy({ topics: { chat: 12 }, loadThreshold: 1 })
  return new StampDemandCore({ identity: generateIdentity(), policy, randomBytes: countingBytes(), ...options })
}

// A signed answer built by hand, so a test can send what the core itself never would.
function handmadeDemand(identity: Identity, demand: DemandMessage, timestamp = 0): Uint8Array {
  const unsigned = createEnvelope({ kind: DemandPayload.name, payload: encodePayload(DemandPayload, demand), author: identity.publicKey, timestamp })
  return encodeEnvelope(signEnvelope(identity, unsigned))
}

function outcomes(effects: readonly CoreEffect<unknown>[]): string[] {
  return effects.map((effect) => (effect.type === 'penalise' && isDscsError(effect.error) ? `${effect.peer} ${effect.error.code}` : effect.type))
}

describe('StampDemandCore', () => {
  it('answers a query with what its policy demands right now', () => {
    const policy = new DifficultyPolicy({ topics: { chat: 12, news: 20 }, raiseBits: 3, loadThreshold: 1 })
    const alice = newCore()
    const bob = newCore({ policy })
    const { id, effects } = alice.query('bob', 1_000)
    policy.observe(1_000)
    policy.observe(1_000)
    const answer = bob.receive('alice', sentBytes(effects), 1_000)
    expect(alice.receive('bob', sentBytes(answer), 1_010)).toEqual([
      {
        type: 'emit',
        event: {
          type: 'demand',
          id,
          peer: 'bob',
          topics: [
            { topic: 'chat', bits: 12, untrustedBits: 15 },
            { topic: 'news', bits: 20, untrustedBits: 23 }
          ]
        }
      }
    ])
    expect(alice.nextDeadline()).toBeUndefined()
  })

  it('times a query out, then drops its late answer and answers from other peers without a penalty', () => {
    const alice = newCore({ timeout: 5_000 })
    const bob = newCore()
    const { id, effects } = alice.query('bob', 0)
    expect(alice.nextDeadline()).toBe(5_000)
    expect(alice.tick(4_999)).toEqual([])
    expect(alice.tick(5_000)).toEqual([{ type: 'emit', event: { type: 'timeout', id, peer: 'bob' } }])
    const late = sentBytes(bob.receive('alice', sentBytes(effects), 5_001))
    expect(alice.receive('bob', late, 5_002)).toEqual([])
    expect(alice.receive('carol', late, 5_002)).toEqual([])
  })

  it('penalises bad answers: a topic named twice, bits out of range, untrusted bits below the base, a short nonce', () => {
    const mallory = generateIdentity()
    const bad: DemandMessage['topics'][] = [
      [
        { topic: 'chat', bits: 1, untrustedBits: 1 },
        { topic: 'chat', bits: 2, untrustedBits: 2 }
      ],
      [{ topic: 'chat', bits: 49, untrustedBits: 49 }],
      [{ topic: 'chat', bits: 12, untrustedBits: 8 }],
      [{ topic: '', bits: 1, untrustedBits: 1 }]
    ]
    for (const topics of bad) {
      const alice = newCore()
      const nonce = new Uint8Array(16).fill(1) // the nonce of alice's first query
      alice.query('mallory', 0)
      expect(outcomes(alice.receive('mallory', handmadeDemand(mallory, { nonce, topics }), 0))).toEqual(['mallory BAD_DEMAND'])
    }
    const alice = newCore()
    alice.query('mallory', 0)
    expect(outcomes(alice.receive('mallory', handmadeDemand(mallory, { nonce: new Uint8Array(3), topics: [] }), 0))).toEqual(['mallory BAD_DEMAND'])
  })

  it('bounds the queries awaiting an answer, and refuses bad options', () => {
    const alice = newCore({ maxOutstanding: 1 })
    alice.query('bob', 0)
    expect(() => alice.query('carol', 0)).toThrow(expect.objectContaining({ code: 'TOO_MANY_QUERIES' }) as Error)
    expect(() => newCore({ timeout: 0 })).toThrow(expect.objectContaining({ code: 'INVALID_OPTION' }) as Error)
  })

  it('never throws on hostile bytes: each yields at most one effect, a penalty with a typed error or an answer', () => {
    const bob = newCore()
    const carol = generateIdentity()
    const payload = encodePayload(DemandQueryPayload, { nonce: new Uint8Array(16) })
    const query = encodeEnvelope(signEnvelope(carol, createEnvelope({ kind: DemandQueryPayload.name, payload, author: carol.publicKey, timestamp: 0 })))
    const flipped = fc.tuple(fc.nat(query.length - 1), fc.integer({ min: 1, max: 255 })).map(([at, mask]) => {
      const bytes = query.slice()
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
})
