import { afterEach, describe, expect, it, vi } from 'vitest'
import { MAX_TIMER_MS, realTimers } from '../src/index.js'

describe('realTimers', () => {
  afterEach(() => {
    vi.useRealTimers()
  })

  it('fires a delay longer than setTimeout takes at its bound, not at once', () => {
    vi.useFakeTimers()
    const fired = vi.fn()
    realTimers.schedule(fired, 30 * 86_400_000)
    vi.advanceTimersByTime(1_000)
    expect(fired).not.toHaveBeenCalled()
    vi.advanceTimersByTime(MAX_TIMER_MS - 1_000)
    expect(fired).toHaveBeenCalledTimes(1)
  })

  it('cancels', () => {
    vi.useFakeTimers()
    const fired = vi.fn()
    realTimers.schedule(fired, 10)()
    vi.advanceTimersByTime(100)
    expect(fired).not.toHaveBeenCalled()
  })
})
