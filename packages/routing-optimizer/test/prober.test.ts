import { describe, expect, it } from 'vitest'
import { Prober } from '../src/core/prober.js'

describe('Prober', () => {
  it('probes the peer pinged longest ago, preferring among the never pinged those on the shortlist', () => {
    const prober = new Prober(1_000, 8)
    for (const peer of ['a', 'b', 'c']) prober.connected(peer)
    prober.start(0)
    const shortlist = (): string[] => ['x', 'c', 'b']
    expect(prober.due(999, shortlist)).toBeUndefined()
    expect(prober.due(1_000, shortlist)).toBe('c')
    expect(prober.due(2_000, shortlist)).toBe('b')
    // One never pinged is left: it goes next whatever the shortlist says, then the oldest ping.
    expect(prober.due(3_000, () => ['c'])).toBe('a')
    expect(prober.due(4_000, shortlist)).toBe('c')
  })
})
