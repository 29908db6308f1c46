import { describe, expect, it } from 'vitest'
import { RecentRate } from '../src/load.js'

describe('RecentRate', () => {
  it('counts recent events and forgets old ones', () => {
    const rate = new RecentRate(100)
    let count = 0
    for (let t = 0; t < 10; t++) count = rate.add(t)
    expect(count).toBeGreaterThan(9) // ten events within a tenth of the window
    expect(count).toBeLessThanOrEqual(10)
    expect(rate.add(1000)).toBeLessThan(1.01) // ten windows later only the new event counts
  })
})
