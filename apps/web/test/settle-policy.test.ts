import { describe, expect, it } from 'vitest'
import type { TrustStatusChange, TrustSubject } from '@dscs/interface'
import { settledAfter, type Schedule } from '../src/settle-policy.js'

/** A schedule driven by hand: `advance(ms)` runs what is due. */
function manualTime(): { schedule: Schedule; advance: (ms: number) => void } {
  let now = 0
  const timers = new Set<{ at: number; run: () => void }>()
  return {
    schedule: (run, ms) => {
      const timer = { at: now + ms, run }
      timers.add(timer)
      return () => timers.delete(timer)
    },
    advance: (ms) => {
      now += ms
      for (const timer of [...timers].filter((t) => t.at <= now).sort((a, b) => a.at - b.at)) {
        timers.delete(timer)
        timer.run()
      }
    }
  }
}

const subject = (id: string, timestamp: number): TrustSubject => ({ id, author: new Uint8Array(32), kind: 'dscs.frp-state.op.playground', timestamp, domain: 'playground' })

describe('settledAfter', () => {
  it('keeps an op pending until it is past the settle window, then confirms it', () => {
    const time = manualTime()
    const policy = settledAfter(3_000, { schedule: time.schedule })
    const changes: TrustStatusChange[] = []
    policy.onStatusChange((change) => changes.push(change))
    expect(policy.evaluate(subject('a', 10_000), 10_000).status).toBe('pending')
    time.advance(3_000)
    expect(changes).toEqual([])
    time.advance(1)
    expect(changes).toMatchObject([{ id: 'a', status: 'confirmed' }])
    expect(policy.pending).toBe(0)
  })

  it('confirms at once an op already past the window (the horizon refuses it a millisecond later)', () => {
    const policy = settledAfter(3_000, { schedule: manualTime().schedule })
    expect(policy.evaluate(subject('late', 1_000), 4_001).status).toBe('accept')
    expect(policy.evaluate(subject('in time', 1_000), 4_000).status).toBe('pending')
  })

  it('nullifies the oldest waiting op past its bound, and dispose cancels the rest', () => {
    const time = manualTime()
    const policy = settledAfter(3_000, { schedule: time.schedule, maxPending: 2 })
    const changes: TrustStatusChange[] = []
    policy.onStatusChange((change) => changes.push(change))
    for (const id of ['a', 'b', 'c']) policy.evaluate(subject(id, 0), 0)
    expect(changes).toMatchObject([{ id: 'a', status: 'nullified' }])
    policy.dispose()
    time.advance(10_000)
    expect(changes).toHaveLength(1)
  })

  it('refuses a window that is not a positive integer', () => {
    expect(() => settledAfter(0)).toThrow(expect.objectContaining({ code: 'INVALID_OPTION' }))
  })
})
