import { describe, expect, it } from 'vitest'
import { PendingRequests } from '../src/index.js'

describe('pending requests', () => {
  it('are full at their bound, and give a request up once it has waited its timeout', () => {
    const pending = new PendingRequests(2, 100)
    pending.add('a', { peer: 'p1', sentAt: 0 })
    expect(pending.full).toBe(false)
    pending.add('b', { peer: 'p2', sentAt: 50 })
    expect(pending.full).toBe(true)
    expect(pending.nextDeadline()).toBe(100)
    expect(pending.expire(99)).toEqual([])
    expect(pending.expire(100)).toEqual([['a', { peer: 'p1', sentAt: 0 }]])
    expect(pending.size).toBe(1)
    expect(pending.nextDeadline()).toBe(150)
    pending.delete('b')
    expect(pending.nextDeadline()).toBeUndefined()
  })

  it('take an answer only from the peer the request went to', () => {
    const pending = new PendingRequests(4, 100)
    pending.add('a', { peer: 'p1', sentAt: 0 })
    expect(pending.awaited('a', 'p2')).toBeUndefined()
    expect(pending.awaited('a', 'p1')).toEqual({ peer: 'p1', sentAt: 0 })
    expect(pending.awaited('unknown', 'p1')).toBeUndefined()
  })
})
