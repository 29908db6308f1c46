import { describe, expect, it } from 'vitest'
import { sentBytes, waitFor } from '../src/index.js'

describe('test support', () => {
  it('sentBytes gives the one send effect’s bytes, joined, and refuses anything else', () => {
    expect([...sentBytes([{ type: 'send', to: 'p', bytes: [Uint8Array.of(1), Uint8Array.of(2, 3)] }])]).toEqual([1, 2, 3])
    expect(() => sentBytes([])).toThrow(/expected one send effect/)
    expect(() => sentBytes([{ type: 'send', to: 'p', bytes: Uint8Array.of(1) }, { type: 'send', to: 'q', bytes: Uint8Array.of(2) }])).toThrow(/expected one send effect/)
  })

  it('waitFor resolves once the condition holds, synchronous or not, and names what it waited for when it gives up', async () => {
    let polls = 0
    await waitFor(() => ++polls >= 3, 'three polls')
    expect(polls).toBe(3)
    await waitFor(() => Promise.resolve(true), 'an asynchronous condition')
    await expect(waitFor(() => false, 'nothing', 60)).rejects.toThrow('timed out after 60 ms waiting for nothing')
  })
})
