import { createEnvelope, encodeEnvelope, decodeEnvelope, type Envelope } from '@dscs/wire'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { bytesToHex } from '@noble/hashes/utils.js'
import {
  ReplayGuard,
  VerificationCache,
  ed25519Backend,
  generateIdentity,
  openEnvelope,
  openEnvelopeAsync,
  setEd25519Backend,
  signEnvelope,
  verifyEnvelope
} from '../src/index.js'
import { errorCode } from './helpers.js'

const alice = generateIdentity()
const now = 1_700_000_000_000

function message(text: string, timestamp = now): Envelope {
  return signEnvelope(
    alice,
    createEnvelope({ kind: 'test.Chat', payload: new TextEncoder().encode(text), author: alice.publicKey, timestamp })
  )
}

/** Counts, within each test, how often the backend verifies: observes the order and caching of checks. */
function countVerifications(): { count: () => number } {
  const inner = ed25519Backend()
  let count = 0
  beforeEach(() => {
    count = 0
    setEd25519Backend({
      name: 'counting',
      importPublicKey: (k) => inner.importPublicKey(k),
      verify: (key, m, s) => {
        count++
        return inner.verify(key, m, s)
      },
      sign: (k, m) => inner.sign(k, m)
    })
  })
  afterEach(() => setEd25519Backend(inner))
  return { count: () => count }
}

describe('signEnvelope / openEnvelope', () => {
  it('opens what it signs', () => {
    const env = message('hello')
    const opened = openEnvelope(encodeEnvelope(env), { now })
    expect(opened.envelope).toEqual(env)
    expect(opened.id).toMatch(/^[0-9a-f]{64}$/)
    expect(verifyEnvelope(env)).toBe(true)
  })

  it('refuses to sign for another author', async () => {
    const bob = generateIdentity()
    const env = createEnvelope({ kind: 'test.Chat', payload: new Uint8Array(), author: bob.publicKey, timestamp: now })
    expect(await errorCode(() => signEnvelope(alice, env))).toBe('AUTHOR_MISMATCH')
  })

  it('refuses forged and altered envelopes with BAD_SIGNATURE', async () => {
    const env = message('pay 10')
    const altered = { ...env, payload: new TextEncoder().encode('pay 99') }
    expect(await errorCode(() => openEnvelope(encodeEnvelope(altered), { now }))).toBe('BAD_SIGNATURE')
    const mallory = generateIdentity()
    const impersonation = { ...signEnvelope(mallory, { ...env, author: mallory.publicKey }), author: alice.publicKey }
    expect(await errorCode(() => openEnvelope(encodeEnvelope(impersonation), { now }))).toBe('BAD_SIGNATURE')
  })

  it('openEnvelopeAsync checks the same things in the same order', async () => {
    const replay = new ReplayGuard()
    const cache = new VerificationCache()
    const env = message('async')
    expect((await openEnvelopeAsync(encodeEnvelope(env), { replay, cache, now })).envelope).toEqual(env)
    expect(cache.size).toBe(1)
    expect(await errorCode(() => openEnvelopeAsync(encodeEnvelope(env), { replay, now }))).toBe('REPLAYED')
    const forged = { ...message('forged'), signature: new Uint8Array(64).fill(3) }
    expect(await errorCode(() => openEnvelopeAsync(encodeEnvelope(forged), { replay, now }))).toBe('BAD_SIGNATURE')
    expect(await errorCode(() => openEnvelopeAsync(encodeEnvelope(message('stale', now - 60_000)), { replay, now }))).toBe('OUTSIDE_WINDOW')
    expect(await errorCode(() => openEnvelopeAsync(new Uint8Array([0xff]), { now }))).toBe('MALFORMED')
  })

  it('passes wire errors through: size before anything else', async () => {
    const big = encodeEnvelope(message('x'.repeat(2000)))
    expect(await errorCode(() => openEnvelope(big, { limits: { maxEnvelopeBytes: 1000 } }))).toBe('TOO_LARGE')
  })

  it('refuses replays and envelopes outside the clock-skew window', async () => {
    const replay = new ReplayGuard({ windowMs: 30_000 })
    const bytes = encodeEnvelope(message('once'))
    openEnvelope(bytes, { replay, now })
    expect(await errorCode(() => openEnvelope(bytes, { replay, now: now + 1000 }))).toBe('REPLAYED')
    expect(await errorCode(() => openEnvelope(encodeEnvelope(message('old', now - 31_000)), { replay, now }))).toBe('OUTSIDE_WINDOW')
    expect(await errorCode(() => openEnvelope(encodeEnvelope(message('future', now + 31_000)), { replay, now }))).toBe('OUTSIDE_WINDOW')
  })

  describe('order of checks', () => {
    const verifications = countVerifications()

    it('checks the replay window and the pre-signature hook before the signature', async () => {
      const replay = new ReplayGuard()
      const stale = encodeEnvelope(message('stale', now - 60_000))
      expect(await errorCode(() => openEnvelope(stale, { replay, now }))).toBe('OUTSIDE_WINDOW')
      const fresh = encodeEnvelope(message('fresh'))
      const refuse = (): never => {
        throw new (class extends Error {})('x')
      }
      expect(() => openEnvelope(fresh, { now, beforeSignature: refuse })).toThrow()
      expect(verifications.count()).toBe(0)
    })

    it('hands the pre-signature hook the envelope hash both in hex and as bytes', () => {
      const seen: [string, Uint8Array][] = []
      const { id } = openEnvelope(encodeEnvelope(message('hashed')), { now, beforeSignature: (_env, hex, hash) => seen.push([hex, hash]) })
      expect(seen).toHaveLength(1)
      expect(seen[0]![0]).toBe(id)
      expect(bytesToHex(seen[0]![1])).toBe(id)
    })

    it('does not record a forgery in the replay guard, so the genuine envelope still opens', () => {
      const replay = new ReplayGuard()
      const env = message('genuine')
      const forged = { ...env, signature: new Uint8Array(64).fill(1) }
      expect(() => openEnvelope(encodeEnvelope(forged), { replay, now })).toThrow()
      expect(replay.size).toBe(0)
      expect(openEnvelope(encodeEnvelope(env), { replay, now }).envelope).toEqual(env)
    })

    it('verifies an envelope relayed many times once, through the cache', () => {
      const cache = new VerificationCache(16)
      const bytes = encodeEnvelope(message('popular'))
      const before = verifications.count()
      for (let i = 0; i < 5; i++) openEnvelope(bytes, { cache, now })
      expect(verifications.count() - before).toBe(1)
      const forged = encodeEnvelope({ ...decodeEnvelope(bytes), signature: new Uint8Array(64).fill(2) })
      for (let i = 0; i < 3; i++) expect(() => openEnvelope(forged, { cache, now })).toThrow()
      expect(verifications.count() - before).toBe(2)
      expect(cache.size).toBe(2)
    })
  })
})
