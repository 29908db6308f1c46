import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { IdentityError, ReplayGuard } from '../src/index.js'

function accepted(guard: ReplayGuard, id: string, timestamp: number, now: number): boolean {
  try {
    guard.admit(id, timestamp, now)
    return true
  } catch (err) {
    expect(err).toBeInstanceOf(IdentityError)
    return false
  }
}

describe('ReplayGuard', () => {
  it('accepts an envelope once, inside ±window', () => {
    const guard = new ReplayGuard({ windowMs: 1000 })
    expect(accepted(guard, 'a', 5000, 5000)).toBe(true)
    expect(accepted(guard, 'a', 5000, 5500)).toBe(false)
    expect(accepted(guard, 'b', 3999, 5000)).toBe(false)
    expect(accepted(guard, 'c', 6001, 5000)).toBe(false)
    expect(accepted(guard, 'd', 4000, 5000)).toBe(true)
  })

  it('forgets entries once their timestamps leave the window', () => {
    const guard = new ReplayGuard({ windowMs: 1000 })
    for (let i = 0; i < 100; i++) guard.admit(`id${i}`, 1000 + i, 1000 + i)
    expect(guard.size).toBe(100)
    guard.check('fresh', 10_000, 10_000)
    expect(guard.size).toBe(0)
  })

  it('stays bounded under a flood and fails closed: an evicted envelope is never accepted again', () => {
    const guard = new ReplayGuard({ windowMs: 60_000, maxEntries: 50 })
    for (let i = 0; i < 500; i++) guard.admit(`flood${i}`, 1000 + i, 2000)
    expect(guard.size).toBeLessThanOrEqual(50)
    for (let i = 0; i < 500; i++) expect(accepted(guard, `flood${i}`, 1000 + i, 2000)).toBe(false)
  })

  it('never accepts the same id twice, whatever the order of arrivals (model check)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ id: fc.nat(30), skew: fc.integer({ min: -1500, max: 1500 }), advance: fc.nat(400) }), { maxLength: 200 }),
        fc.integer({ min: 5, max: 40 }),
        (arrivals, maxEntries) => {
          const guard = new ReplayGuard({ windowMs: 1000, maxEntries })
          const acceptedAt = new Map<string, number>()
          let now = 10_000
          for (const { id, skew, advance } of arrivals) {
            now += advance
            // Each id names one envelope, with one timestamp: its first sighting's.
            const key = `e${id}`
            const timestamp = acceptedAt.get(key) ?? now + skew
            if (accepted(guard, key, timestamp, now)) {
              expect(acceptedAt.has(key)).toBe(false)
              acceptedAt.set(key, timestamp)
            }
            expect(guard.size).toBeLessThanOrEqual(maxEntries)
          }
        }
      ),
      { numRuns: 300 }
    )
  })
})
