import { describe, expect, it } from 'vitest'
import { NetError, Rationing } from '../src/index.js'

const options = { bytesPerSecond: 1000, burstBytes: 2000, messagesPerSecond: 10, burstMessages: 5, maxThrottleMs: 1000 }

describe('Rationing (sans-I/O token buckets)', () => {
  it('delivers a burst, then delays to the sustained rate, then disconnects a peer that keeps flooding', () => {
    const r = new Rationing(options)
    const verdicts = Array.from({ length: 20 }, () => r.admit('flooder', '/p', 10, 0))
    expect(verdicts.slice(0, 5).every((v) => v.action === 'deliver')).toBe(true)
    // The 6th message at t=0 is one message over: 100 ms at 10 messages/s.
    expect(verdicts[5]).toEqual({ action: 'delay', delayMs: 100 })
    expect(verdicts[14]).toEqual({ action: 'delay', delayMs: 1000 })
    expect(verdicts[15]!.action).toBe('disconnect')
  })

  it('disconnects a peer kept over budget without a break, even when each delay is waited out', () => {
    const r = new Rationing(options)
    for (let i = 0; i < 5; i++) r.admit('p', '/p', 1, 0)
    // A reader that sleeps each delay: the peer sends exactly at the sustained rate, always one over.
    let now = 0
    let verdict = r.admit('p', '/p', 1, now)
    while (verdict.action === 'delay') {
      now += verdict.delayMs
      verdict = r.admit('p', '/p', 1, now)
    }
    expect(verdict.action).toBe('disconnect')
    expect(now).toBeGreaterThan(options.maxThrottleMs)
    expect(now).toBeLessThan(options.maxThrottleMs + 200)
  })

  it('refills with time, up to the burst', () => {
    const r = new Rationing(options)
    for (let i = 0; i < 5; i++) r.admit('p', '/p', 10, 0)
    expect(r.admit('p', '/p', 10, 100).action).toBe('deliver') // one message regained in 100 ms
    expect(r.admit('p', '/p', 10, 100).action).toBe('delay')
    expect(r.admit('p', '/p', 10, 60_000).action).toBe('deliver') // long quiet: full burst again, no more
  })

  it('charges bytes as well as messages', () => {
    const r = new Rationing(options)
    expect(r.admit('p', '/p', 2000, 0).action).toBe('deliver')
    expect(r.admit('p', '/p', 500, 0)).toEqual({ action: 'delay', delayMs: 500 })
  })

  it('keeps peers and channels apart, and scales budgets for trusted peers', () => {
    const r = new Rationing(options)
    for (let i = 0; i < 5; i++) r.admit('a', '/p', 1, 0)
    expect(r.admit('a', '/p', 1, 0).action).toBe('delay')
    expect(r.admit('a', '/q', 1, 0).action).toBe('deliver')
    expect(r.admit('b', '/p', 1, 0).action).toBe('deliver')
    r.setMultiplier('t', 4)
    for (let i = 0; i < 20; i++) expect(r.admit('t', '/p', 1, 0).action).toBe('deliver')
    expect(r.admit('t', '/p', 1, 0).action).toBe('delay')
  })

  it('bounds what it remembers and forgets departed peers', () => {
    const r = new Rationing({ ...options, maxTracked: 3 })
    for (const p of ['a', 'b', 'c', 'd', 'e']) r.admit(p, '/p', 1, 0)
    expect(r.tracked).toBe(3)
    r.forget('e')
    expect(r.tracked).toBe(2)
  })

  it('gives a channel the budget its protocol declares, unless the operator set one', () => {
    const r = new Rationing({ ...options, channels: { '/operator': { burstMessages: 2 } } })
    r.declare('/bulk', { burstMessages: 50 })
    r.declare('/operator', { burstMessages: 50, burstBytes: 1_000_000 })
    const delivered = (channel: string): number => {
      let n = 0
      while (r.admit('p', channel, 1, 0).action === 'deliver') n++
      return n
    }
    expect(delivered('/bulk')).toBe(50)
    expect(delivered('/operator')).toBe(2)
    expect(delivered('/other')).toBe(5)
    r.undeclare('/bulk')
    expect(r.admit('q', '/bulk', 1, 0).action).toBe('deliver')
    for (let i = 0; i < 4; i++) r.admit('q', '/bulk', 1, 0)
    expect(r.admit('q', '/bulk', 1, 0).action).toBe('delay')
  })

  it('refuses nonsensical budgets', () => {
    expect(() => new Rationing({ bytesPerSecond: 0 })).toThrow(NetError)
    expect(() => new Rationing({ channels: { '/p': { messagesPerSecond: -1 } } })).toThrow(NetError)
    expect(() => new Rationing().declare('/p', { burstBytes: Number.NaN })).toThrow(NetError)
    expect(() => new Rationing().setMultiplier('p', -1)).toThrow(NetError)
  })
})
