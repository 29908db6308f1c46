import { describe, expect, it } from 'vitest'
import { DifficultyPolicy, MAX_STAMP_BITS, stampAdmission, type DifficultyPolicyOptions } from '../src/index.js'

const known = new Uint8Array(32).fill(1)
const stranger = new Uint8Array(32).fill(2)

function policy(options: Partial<DifficultyPolicyOptions> = {}): DifficultyPolicy {
  return new DifficultyPolicy({ topics: { chat: 12, news: 20 }, raiseBits: 4, loadThreshold: 10, trusted: (author) => author[0] === 1, ...options })
}

// `count` envelopes checked at `now`, as the admission check counts them.
function burst(target: DifficultyPolicy, count: number, now: number): void {
  for (let i = 0; i < count; i++) target.observe(now)
}

describe('DifficultyPolicy', () => {
  it('asks every sender for the base bits of a stamped topic while the node is quiet, and nothing elsewhere', () => {
    const quiet = policy()
    expect(quiet.demand('chat', stranger, 0)).toBe(12)
    expect(quiet.demand('news', known, 0)).toBe(20)
    expect(quiet.demand('other', stranger, 0)).toBe(0)
    expect(quiet.advertise(0)).toEqual([
      { topic: 'chat', bits: 12, untrustedBits: 12 },
      { topic: 'news', bits: 20, untrustedBits: 20 }
    ])
  })

  it('raises the bits of senders it does not trust while under load, and lowers them again as the load decays', () => {
    const busy = policy()
    burst(busy, 10, 1_000)
    expect(busy.load(1_000)).toBe(10)
    expect(busy.demand('chat', stranger, 1_000)).toBe(12) // at the threshold, not above
    busy.observe(1_000)
    expect(busy.demand('chat', stranger, 1_000)).toBe(16)
    expect(busy.demand('chat', known, 1_000)).toBe(12)
    expect(busy.advertise(1_000)).toContainEqual({ topic: 'chat', bits: 12, untrustedBits: 16 })
    // The load is a count of about the last second: a second later it is down to 11/e.
    expect(busy.load(2_000)).toBeCloseTo(11 / Math.E)
    expect(busy.demand('chat', stranger, 2_000)).toBe(12)
  })

  it('trusts nobody by default, and caps the raised bits', () => {
    const capped = new DifficultyPolicy({ topics: { chat: MAX_STAMP_BITS - 1 }, raiseBits: 4, loadThreshold: 0 })
    capped.observe(0)
    expect(capped.demand('chat', known, 0)).toBe(MAX_STAMP_BITS)
  })

  it('refuses topics and bits out of range', () => {
    expect(() => policy({ topics: { chat: 49 } })).toThrow(expect.objectContaining({ code: 'INVALID_OPTION' }) as Error)
    expect(() => policy({ topics: { chat: 1.5 } })).toThrow(expect.objectContaining({ code: 'INVALID_OPTION' }) as Error)
    expect(() => policy({ topics: { '': 1 } })).toThrow(expect.objectContaining({ code: 'INVALID_OPTION' }) as Error)
    expect(() => policy({ topics: Object.fromEntries(Array.from({ length: 65 }, (_, i) => [`t${i}`, 1])) })).toThrow(
      expect.objectContaining({ code: 'INVALID_OPTION' }) as Error
    )
    expect(() => policy({ raiseBits: -1 })).toThrow(expect.objectContaining({ code: 'INVALID_OPTION' }) as Error)
    expect(() => policy({ loadThreshold: Number.NaN })).toThrow(expect.objectContaining({ code: 'INVALID_OPTION' }) as Error)
  })
})

describe('stampAdmission', () => {
  it('counts every envelope it checks and refuses one without the demanded work', () => {
    const gate = policy()
    const check = stampAdmission(gate)
    const admission = { topic: 'chat', from: 'relay', author: stranger, kind: 'test.Chat', stamp: undefined, signingBytes: new Uint8Array(10), now: 0 }
    expect(() => check(admission)).toThrow(expect.objectContaining({ code: 'INSUFFICIENT_WORK' }) as Error)
    expect(() => check({ ...admission, topic: 'free' })).not.toThrow()
    expect(gate.load(0)).toBe(2)
  })
})
