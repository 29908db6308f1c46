import { describe, expect, it } from 'vitest'
import { LruCache } from '../src/index.js'

describe('LruCache', () => {
  it('keeps at most its capacity, forgetting the least recently used, and deletes on request', () => {
    const lru = new LruCache<string, number>(2)
    lru.set('a', 1)
    lru.set('b', 2)
    expect(lru.get('a')).toBe(1) // 'a' is now the most recently used
    lru.set('c', 3)
    expect(lru.has('b')).toBe(false)
    expect([lru.get('a'), lru.get('c'), lru.size]).toEqual([1, 3, 2])
    lru.delete('a')
    expect(lru.has('a')).toBe(false)
    expect(lru.size).toBe(1)
  })
})
