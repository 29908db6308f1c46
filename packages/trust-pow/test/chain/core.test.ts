import { describe, expect, it } from 'vitest'
import { bytesToHex } from '@noble/hashes/utils.js'
import { decodeBlock } from '../../src/chain/block.js'
import type { ChainCore } from '../../src/chain/core.js'
import { nextTarget } from '../../src/chain/difficulty.js'
import { Mempool } from '../../src/chain/mempool.js'
import { readTransaction } from '../../src/chain/transaction.js'
import { announced, blockBytes, events, exchange, mine, published, T0, testChain, tx } from './helpers.js'

/** Feeds every block of `from`'s best chain to `to`, as gossip from peer "p". */
function feed(from: ChainCore, to: ChainCore, now: number): ReturnType<typeof events> {
  const out = []
  for (const id of from.bestChain().slice(1)) {
    const receipt = to.receiveTopic('p', to.blockTopic, announced(blockBytes(from, id)), now)
    out.push(...events(receipt.effects))
  }
  return out
}

describe('the chain core', () => {
  it('mines transactions from the mempool into blocks and counts their confirmations', () => {
    const chain = testChain()
    const { id, effects } = chain.submit(tx(), T0 + 10)
    expect(effects).toEqual([{ type: 'publish', topic: chain.txTopic, bytes: expect.any(Uint8Array) as Uint8Array }])
    expect(chain.txStatus(id)).toEqual({ status: 'mempool' })
    const mined = mine(chain, T0 + 1_000)
    expect(events(mined).map((e) => e.type)).toEqual(['block', 'tip'])
    expect(chain.confirmations(id)).toBe(1)
    mine(chain, T0 + 2_000)
    expect(chain.txStatus(id)).toEqual({ status: 'mined', height: 1, confirmations: 2 })
    expect(chain.stats.mempoolTxs).toBe(0)
    // Submitting it again is idempotent: nothing is announced.
    expect(chain.submit(tx(), T0).effects).toHaveLength(1)
  })

  it('switches to the heavier branch and reports exactly the transactions it nullifies', () => {
    const a = testChain({ requeueNullified: true })
    const b = testChain()
    const shared = tx(2)
    a.submit(shared, T0)
    b.submit(shared, T0)
    const onlyA = [tx(3), tx(4)]
    for (const t of onlyA) a.submit(t, T0)
    mine(a, T0 + 1_000)
    mine(b, T0 + 1_000)
    mine(b, T0 + 2_000)
    const seen = feed(b, a, T0 + 3_000)
    const reorg = seen.find((e) => e.type === 'reorg')
    expect(reorg).toEqual({
      type: 'reorg',
      fork: a.genesisId,
      disconnected: [expect.any(String)],
      connected: b.bestChain().slice(1),
      nullified: onlyA.map((t) => readTransaction(t, 65_536).id)
    })
    expect(a.tip.id).toBe(b.tip.id)
    // Still valid, they go back to the mempool to be mined again.
    expect(a.stats.mempoolTxs).toBe(2)
    mine(a, T0 + 4_000)
    expect(onlyA.map((t) => a.confirmations(readTransaction(t, 65_536).id))).toEqual([1, 1])
  })

  it('keeps its tip on a tie, so the first branch seen wins', () => {
    const a = testChain()
    const b = testChain()
    mine(a, T0 + 1_000)
    mine(b, T0 + 1_001)
    const tip = a.tip.id
    feed(b, a, T0 + 2_000)
    expect(a.tip.id).toBe(tip)
  })

  it('syncs a peer from genesis with GetHeaders and GetBlocks, in bounded batches', () => {
    const a = testChain({ maxHeadersPerMessage: 5, maxBlocksPerRequest: 2 })
    for (let i = 1; i <= 13; i++) mine(a, T0 + i * 1_000)
    const b = testChain({ maxHeadersPerMessage: 5, maxBlocksPerRequest: 2 })
    exchange(a, b, b.peerConnected('a', T0))
    expect(b.tip).toEqual(a.tip)
  })

  it('asks the relayer of an orphan for what leads to it', () => {
    const a = testChain()
    for (let i = 1; i <= 3; i++) mine(a, T0 + i * 1_000)
    const b = testChain()
    const receipt = b.receiveTopic('a', b.blockTopic, announced(blockBytes(a, a.tip.id)), T0 + 5_000)
    expect(receipt.verdict).toBe('ignore')
    expect(b.stats.orphans).toBe(1)
    exchange(a, b, receipt.effects)
    expect(b.tip).toEqual(a.tip)
    expect(b.stats.orphans).toBe(0)
  })

  it('retargets every period toward the block interval, the change clamped to ×4', () => {
    const params = { powLimit: 1n << 250n, blockInterval: 1_000, retargetInterval: 8 }
    const parent = { height: 7, target: 1n << 200n, timestamp: 7_000 }
    expect(nextTarget({ ...parent, height: 6 }, () => 0, params)).toBe(1n << 200n)
    expect(nextTarget(parent, () => 0, params)).toBe(1n << 200n)
    expect(nextTarget(parent, () => 3_500, params)).toBe(1n << 199n)
    expect(nextTarget(parent, () => 6_999, params)).toBe(1n << 198n)
    expect(nextTarget({ ...parent, timestamp: 1_000_000 }, () => 0, params)).toBe(1n << 202n)
  })

  it('bounds the mempool, evicting the lowest priority and the oldest first', () => {
    const txs = [tx(5), tx(5), tx(5), tx(5)].map((t) => readTransaction(t, 65_536))
    const pool = new Mempool({ maxTxs: 3, maxBytes: 1_000_000, priority: (t) => (t === txs[0] ? 1 : 0) })
    expect(txs.flatMap((t) => pool.add(t))).toEqual([txs[1]!.id])
    expect(pool.select(10, 1_000_000).map((t) => t.id)).toEqual([txs[0]!.id, txs[2]!.id, txs[3]!.id])
    const small = new Mempool({ maxTxs: 100, maxBytes: txs[0]!.bytes.length * 2 })
    expect(txs.flatMap((t) => small.add(t))).toEqual([txs[0]!.id, txs[1]!.id])
  })

  it('decodes what it encodes, and the genesis of one network is the same on every node', () => {
    const chain = testChain()
    chain.submit(tx(), T0)
    const block = decodeBlock(published(mine(chain, T0 + 1_000)), chain.settings)
    expect(block.id).toBe(chain.tip.id)
    expect(bytesToHex(block.header.parent)).toBe(chain.genesisId)
    expect(testChain().genesisId).toBe(chain.genesisId)
    expect(testChain({ genesisTimestamp: T0 + 1 }).genesisId).not.toBe(chain.genesisId)
  })
})
