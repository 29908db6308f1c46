import { describe, expect, it } from 'vitest'
import type { CoreEffect, TrustStatusChange } from '@dscs/interface'
import type { ChainCore, ChainEvent } from '../../src/chain/core.js'
import { chainTrustPolicy } from '../../src/chain/policy.js'
import { announced, blockBytes, events, mine, T0, testChain, tx } from './helpers.js'

/** A chain view over a core: events are handed over as the test applies effects. */
function view(core: ChainCore) {
  const listeners = new Set<(event: ChainEvent) => void>()
  return {
    confirmations: (id: string) => core.confirmations(id),
    onEvent: (listener: (event: ChainEvent) => void) => (listeners.add(listener), () => listeners.delete(listener)),
    apply: (effects: readonly CoreEffect<ChainEvent>[]) => events(effects).forEach((event) => listeners.forEach((l) => l(event)))
  }
}

const subject = (id: string) => ({ id, author: new Uint8Array(32), kind: 'test.Op', timestamp: T0, domain: 'd' })

describe('the proof-of-work trust policy', () => {
  it('keeps an op pending until its transaction is k blocks deep, then confirms it; a reorg dropping it nullifies it', () => {
    const a = testChain({ requeueNullified: false })
    const chain = view(a)
    const policy = chainTrustPolicy(chain, { confirmations: 2 })
    const changes: TrustStatusChange[] = []
    policy.onStatusChange((change) => changes.push(change))
    const { id } = a.submit(tx(30), T0)
    expect(policy.evaluate(subject(id), T0).status).toBe('pending')
    chain.apply(mine(a, T0 + 1_000))
    expect(changes).toEqual([])
    chain.apply(mine(a, T0 + 2_000))
    expect(changes).toEqual([{ id, status: 'confirmed', reason: expect.any(String) as string }])
    // Already deep when it arrives: accepted at once.
    expect(policy.evaluate(subject(id), T0).status).toBe('accept')

    const b = testChain()
    for (let i = 1; i <= 3; i++) mine(b, T0 + i * 1_000 + 1)
    for (const id of b.bestChain().slice(1)) {
      chain.apply(a.receiveTopic('p', a.blockTopic, announced(blockBytes(b, id)), T0 + 5_000).effects)
    }
    expect(a.tip.id).toBe(b.tip.id)
    expect(changes.at(-1)).toEqual({ id, status: 'nullified', reason: expect.any(String) as string })
    policy.close()
  })

  it('confirms a nullified op again once the chain mines its requeued transaction deep enough', () => {
    const a = testChain({ requeueNullified: true })
    const chain = view(a)
    const policy = chainTrustPolicy(chain, { confirmations: 2 })
    const changes: TrustStatusChange[] = []
    policy.onStatusChange((change) => changes.push(change))
    const { id } = a.submit(tx(31), T0)
    policy.evaluate(subject(id), T0)
    chain.apply(mine(a, T0 + 1_000))
    const b = testChain()
    for (let i = 1; i <= 3; i++) mine(b, T0 + i * 1_000 + 1)
    const reorg: CoreEffect<ChainEvent>[] = []
    for (const block of b.bestChain().slice(1)) reorg.push(...a.receiveTopic('p', a.blockTopic, announced(blockBytes(b, block)), T0 + 5_000).effects)
    chain.apply(reorg)
    expect(changes.map((c) => c.status)).toEqual(['nullified'])
    // The dropped transaction is announced again, so the winning side's miners can take it.
    expect(reorg.filter((effect) => effect.type === 'publish' && effect.topic === a.txTopic)).toHaveLength(1)
    chain.apply(mine(a, T0 + 6_000))
    expect(changes.map((c) => c.status)).toEqual(['nullified'])
    chain.apply(mine(a, T0 + 7_000))
    expect(changes.map((c) => [c.id, c.status])).toEqual([[id, 'nullified'], [id, 'confirmed']])
    policy.close()
  })

  it('bounds the ops it watches, nullifying the oldest', () => {
    const policy = chainTrustPolicy(view(testChain()), { maxPending: 2 })
    const changes: TrustStatusChange[] = []
    policy.onStatusChange((change) => changes.push(change))
    for (const id of ['x', 'y', 'z']) policy.evaluate(subject(id), T0)
    expect(changes.map((c) => [c.id, c.status])).toEqual([['x', 'nullified']])
  })
})
