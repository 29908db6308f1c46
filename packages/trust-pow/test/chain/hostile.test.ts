import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { isDscsError } from '@dscs/interface'
import { createBlock } from '../../src/chain/block.js'
import type { ChainCore } from '../../src/chain/core.js'
import { encodeHeader, headerHash, meetsTarget, type BlockHeader } from '../../src/chain/header.js'
import { merkleRoot } from '../../src/chain/merkle.js'
import { encodeSyncMessage } from '../../src/chain/messages.js'
import { readTransaction } from '../../src/chain/transaction.js'
import { announced, mine, solve, T0, testChain, tx } from './helpers.js'

const NOW = T0 + 10_000

/** Offers a block both ways a peer can: gossip (the verdict) and a Blocks answer (the penalty's code). */
function offer(chain: ChainCore, header: BlockHeader, transactions: readonly Uint8Array[]): { verdict: string; penalty: string | undefined } {
  const bytes = createBlock(header, transactions).bytes
  const receipt = chain.receiveTopic('mallory', chain.blockTopic, announced(bytes), NOW)
  const effects = chain.receive('mallory', encodeSyncMessage({ type: 'blocks', blocks: [bytes] }), NOW)
  const penalty = effects.find((e) => e.type === 'penalise')
  return { verdict: receipt.verdict, penalty: penalty?.type === 'penalise' ? penalty.error.code : undefined }
}

function withTxs(chain: ChainCore, txs: readonly Uint8Array[], change: Partial<BlockHeader> = {}): BlockHeader {
  const { header } = chain.template(NOW - 5_000)
  return solve({ ...header, merkleRoot: merkleRoot(txs.map((t) => readTransaction(t, 65_536).hash)), ...change })
}

describe('hostile blocks', () => {
  it('refuses insufficient work', () => {
    const chain = testChain()
    const { header } = chain.template(NOW - 5_000)
    let nonce = 0
    while (meetsTarget(headerHash(encodeHeader({ ...header, nonce })), header.target)) nonce++
    expect(offer(chain, { ...header, nonce }, [])).toEqual({ verdict: 'reject', penalty: 'INSUFFICIENT_WORK' })
  })

  it('refuses a target other than the demanded one, and one easier than the network allows', () => {
    const chain = testChain()
    const { header } = chain.template(NOW - 5_000)
    expect(offer(chain, solve({ ...header, target: header.target / 2n }), [])).toEqual({ verdict: 'reject', penalty: 'BAD_TARGET' })
    expect(offer(chain, solve({ ...header, target: header.target * 2n }), [])).toEqual({ verdict: 'reject', penalty: 'BAD_TARGET' })
  })

  it('refuses a bad Merkle root', () => {
    const chain = testChain()
    const txs = [tx(7), tx(8)]
    expect(offer(chain, withTxs(chain, txs.slice(0, 1)), txs)).toEqual({ verdict: 'reject', penalty: 'BAD_MERKLE_ROOT' })
  })

  it('refuses timestamps too far ahead, or not after the median of the blocks before', () => {
    const chain = testChain()
    const ahead = NOW + chain.settings.maxFutureDrift + 1
    expect(offer(chain, withTxs(chain, [], { timestamp: ahead }), [])).toEqual({ verdict: 'reject', penalty: 'BAD_TIMESTAMP' })
    expect(offer(chain, withTxs(chain, [], { timestamp: T0 }), [])).toEqual({ verdict: 'reject', penalty: 'BAD_TIMESTAMP' })
    const late = tx(9, ahead + chain.settings.maxFutureDrift)
    expect(offer(chain, withTxs(chain, [late]), [late])).toEqual({ verdict: 'reject', penalty: 'BAD_TIMESTAMP' })
  })

  it('refuses oversized blocks and blocks with too many transactions before looking further', () => {
    const txs = Array.from({ length: 6 }, (_, i) => tx(10, T0, new Uint8Array(400).fill(i)))
    expect(offer(testChain({ maxBlockBytes: 2_048 }), withTxs(testChain(), txs), txs)).toEqual({ verdict: 'reject', penalty: 'TOO_LARGE' })
    expect(offer(testChain({ maxBlockTxs: 5 }), withTxs(testChain(), txs), txs)).toEqual({ verdict: 'reject', penalty: 'TOO_LARGE' })
  })

  it('refuses invalid and duplicate transactions', () => {
    const chain = testChain()
    const forged = tx(11).slice()
    forged[forged.length - 3]! ^= 1 // inside the signature, the last field
    expect(offer(chain, withTxs(chain, [forged]), [forged])).toEqual({ verdict: 'reject', penalty: 'INVALID_TRANSACTION' })
    const garbage = new Uint8Array([1, 2, 3])
    expect(offer(chain, withTxs(chain, []), [garbage]).penalty).toBe('INVALID_TRANSACTION')
    const twice = tx(12)
    expect(offer(chain, withTxs(chain, [twice, twice]), [twice, twice])).toEqual({ verdict: 'reject', penalty: 'DUPLICATE_TRANSACTION' })
    chain.submit(twice, NOW)
    mine(chain, NOW - 4_000)
    expect(offer(chain, withTxs(chain, [twice]), [twice])).toEqual({ verdict: 'reject', penalty: 'DUPLICATE_TRANSACTION' })
    expect(() => chain.submit(forged, NOW)).toThrow(expect.objectContaining({ code: 'INVALID_TRANSACTION' }) as Error)
  })

  it('holds a flood of orphans in bounded memory', () => {
    const chain = testChain({ orphanMaxBlocks: 8, orphanMaxBytes: 4_096 })
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ minLength: 32, maxLength: 32 }), { minLength: 1, maxLength: 40 }), fc.nat(20), (parents, size) => {
        for (const parent of parents) {
          const txs = Array.from({ length: size % 4 }, () => tx(13, T0, new Uint8Array(size * 10)))
          const header = solve({ ...chain.template(NOW - 5_000).header, parent, height: 5, merkleRoot: merkleRoot(txs.map((t) => readTransaction(t, 65_536).hash)) })
          const receipt = chain.receiveTopic('mallory', chain.blockTopic, announced(createBlock(header, txs).bytes), NOW)
          expect(receipt.verdict).toBe('ignore')
        }
        expect(chain.stats.orphans).toBeLessThanOrEqual(8)
        expect(chain.stats.orphanBytes).toBeLessThanOrEqual(4_096)
      }),
      { numRuns: 30 }
    )
  })

  it('answers any bytes with a verdict or a penalty, never an exception', () => {
    const chain = testChain()
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 600 }), fc.constantFrom('blocks', 'txs', 'direct'), (bytes, where) => {
        try {
          if (where === 'direct') expect(chain.receive('mallory', bytes, NOW).every((e) => e.type === 'penalise' || e.type === 'send')).toBe(true)
          else expect(['reject', 'ignore']).toContain(chain.receiveTopic('mallory', where === 'txs' ? chain.txTopic : chain.blockTopic, bytes, NOW).verdict)
        } catch (err) {
          expect(isDscsError(err)).toBe(true)
          throw err
        }
      }),
      { numRuns: 500 }
    )
  })
})
