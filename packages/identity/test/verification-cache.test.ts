import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { VerificationCache } from '../src/index.js'

describe('VerificationCache', () => {
  it('always holds the capacity most recently used verdicts, and never more than twice as many, whatever the sequence of uses', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 8 }),
        fc.array(fc.tuple(fc.boolean(), fc.integer({ min: 0, max: 1000 })), { maxLength: 200 }),
        (capacity, draws) => {
          // Ids from a range a little wider than the cache, so uses keep finding and losing verdicts.
          const uses = draws.map(([isSet, n]) => [isSet, n % (2 * capacity + 3)] as const)
          const cache = new VerificationCache(capacity)
          const verdicts = new Map<string, boolean>()
          const recent: string[] = [] // distinct ids, most recently used last
          for (const [isSet, n] of uses) {
            const id = `id-${n}`
            if (isSet) {
              cache.set(id, n % 2 === 0)
              verdicts.set(id, n % 2 === 0)
            } else if (cache.get(id) === undefined) {
              continue // forgotten or never set: not a use
            }
            recent.splice(recent.indexOf(id) >>> 0, recent.includes(id) ? 1 : 0)
            recent.push(id)
            expect(cache.size).toBeLessThanOrEqual(2 * capacity)
            for (const kept of recent.slice(-capacity)) expect(cache.get(kept)).toBe(verdicts.get(kept))
          }
        }
      ),
      { numRuns: 1000 }
    )
  })

  it('refuses a capacity below one', () => {
    expect(() => new VerificationCache(0)).toThrow(/at least 1/)
  })
})
