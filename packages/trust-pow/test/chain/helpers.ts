import { identityFromSeed, signEnvelope } from '@dscs/identity'
import type { CoreEffect } from '@dscs/interface'
import { createEnvelope, encodeEnvelope } from '@dscs/wire'
import { ChainCore, type ChainCoreOptions, type ChainEvent } from '../../src/chain/core.js'
import { encodeHeader, searchNonce, type BlockHeader } from '../../src/chain/header.js'

/** Easy enough that a block takes about 16 hashes. */
export const TEST_POW_LIMIT = (1n << 252n) - 1n
export const T0 = 1_700_000_000_000

export function testChain(options: ChainCoreOptions = {}): ChainCore {
  return new ChainCore({ powLimit: TEST_POW_LIMIT, genesisTimestamp: T0, blockInterval: 1_000, retargetInterval: 8, ...options })
}

/** Finds a nonce for `header` by real hashing (the test target needs a few dozen tries). */
export function solve(header: BlockHeader): BlockHeader {
  const nonce = searchNonce(encodeHeader(header), header.target, 0, 1_000_000)!
  return { ...header, nonce }
}

/** Mines one block on `chain`'s tip with its mempool's transactions at `now`; returns the effects. */
export function mine(chain: ChainCore, now: number): CoreEffect<ChainEvent>[] {
  const { header, transactions } = chain.template(now)
  return chain.mined(solve(header), transactions, now)
}

/** The encoded block a `mine` call published. */
export function published(effects: readonly CoreEffect<ChainEvent>[]): Uint8Array {
  const effect = effects.find((e) => e.type === 'publish')
  if (effect?.type !== 'publish') throw new TypeError('no block was published')
  return effect.bytes
}

export function events(effects: readonly CoreEffect<ChainEvent>[]): ChainEvent[] {
  return effects.flatMap((e) => (e.type === 'emit' ? [e.event] : []))
}

let counter = 0
/** A fresh signed envelope by author `seed`: a transaction. */
export function tx(seed = 1, timestamp = T0, payload = new Uint8Array([counter++ & 255, counter >> 8])): Uint8Array {
  const identity = identityFromSeed(new Uint8Array(32).fill(seed))
  const envelope = signEnvelope(identity, createEnvelope({ kind: 'test.Op', payload, author: identity.publicKey, timestamp, seq: counter++ }))
  return encodeEnvelope(envelope)
}
