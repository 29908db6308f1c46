import { identityFromSeed, signEnvelope } from '@dscs/identity'
import type { CoreEffect } from '@dscs/interface'
import { createEnvelope, encodeEnvelope } from '@dscs/wire'
import { BLOCK_KIND, openAnnouncement, sealAnnouncement } from '../../src/chain/announce.js'
import { ChainCore, type ChainCoreOptions, type ChainEvent } from '../../src/chain/core.js'
import type { SimPeer } from '@dscs/netsim'
import { decodeSyncMessage, encodeSyncMessage } from '../../src/chain/messages.js'
import { encodeHeader, searchNonce, type BlockHeader } from '../../src/chain/header.js'
import type { Miner } from '../../src/chain/miner.js'

/** The identity test nodes announce with. */
export const NODE = identityFromSeed(new Uint8Array(32).fill(99))

/** Easy enough that a block takes about 16 hashes. */
export const TEST_POW_LIMIT = (1n << 252n) - 1n
export const T0 = 1_700_000_000_000

export function testChain(options: Partial<ChainCoreOptions> = {}): ChainCore {
  return new ChainCore({ identity: NODE, powLimit: TEST_POW_LIMIT, genesisTimestamp: T0, blockInterval: 1_000, retargetInterval: 8, ...options })
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
  return openAnnouncement(effect.bytes, BLOCK_KIND, 1 << 20)
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

/** A miner on virtual time: a block is found after a seeded exponential wait (rate ∝ hash power), its nonce by real hashing at the tiny test target. */
export class SimMiner implements Miner {
  hashRate = 0
  meanMs: number
  readonly #peer: SimPeer

  constructor(peer: SimPeer, meanMs: number) {
    this.#peer = peer
    this.meanMs = meanMs
  }

  search(header: Uint8Array, target: bigint, signal: AbortSignal): Promise<number | undefined> {
    return new Promise((resolve) => {
      const wait = Math.max(1, Math.round(-Math.log(1 - this.#peer.random.float()) * this.meanMs))
      const timer = this.#peer.setTimer(wait, () => resolve(searchNonce(header.slice(), target, 0, 1_000_000)))
      signal.addEventListener('abort', () => (timer.cancel(), resolve(undefined)), { once: true })
    })
  }
}


/** Block `id` of `chain`, as it answers a GetBlocks. */
export function blockBytes(chain: ChainCore, id: string): Uint8Array {
  const answer = chain.receive('q', encodeSyncMessage({ type: 'getBlocks', hashes: [Uint8Array.from(Buffer.from(id, 'hex'))] }), T0)
  const send = answer.find((e) => e.type === 'send')!
  if (send.type !== 'send') throw new TypeError('no answer')
  const message = decodeSyncMessage(send.bytes as Uint8Array, chain.settings)
  if (message.type !== 'blocks') throw new TypeError('not blocks')
  return message.blocks[0]!
}

/** `block` as gossip carries it. */
export function announced(block: Uint8Array): Uint8Array {
  return sealAnnouncement(NODE, BLOCK_KIND, block, T0)
}

/** Carries `b`'s sends to `a` (as peer "b") and back until neither has more to say; returns every effect on the way (a penalty throws). */
export function exchange(a: ChainCore, b: ChainCore, fromB: readonly CoreEffect<ChainEvent>[]): CoreEffect<ChainEvent>[] {
  const seen: CoreEffect<ChainEvent>[] = []
  let toA = fromB
  for (let rounds = 0; toA.length > 0 && rounds < 100; rounds++) {
    const toB = toA.flatMap((e) => (e.type === 'send' ? a.receive('b', e.bytes as Uint8Array, T0 + 20_000) : []))
    seen.push(...toB)
    toA = toB.flatMap((e) => (e.type === 'send' ? b.receive('a', e.bytes as Uint8Array, T0 + 20_000) : []))
    seen.push(...toA)
    if (toA.some((e) => e.type === 'penalise')) throw new Error('a penalty in the exchange')
  }
  return seen
}
