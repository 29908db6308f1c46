import { CoreDriver, type Timers } from '@dscs/net'
import { isDscsError, type Clock, type Net, type PeerRef, type Store, type Unsubscribe } from '@dscs/interface'
import type { Identity, VerificationCache } from '@dscs/identity'
import { bytesToHex } from '@noble/hashes/utils.js'
import { decodeBlock, type Block } from './block.js'
import { CHAIN_PROTOCOL_ID } from './constants.js'
import { ChainCore, type ChainCoreOptions, type ChainEvent, type TxStatus } from './core.js'
import { ChainError } from './errors.js'
import { encodeHeader } from './header.js'
import { sliceMiner, type Miner } from './miner.js'
import { chainTrustPolicy, type ChainTrustOptions, type ChainTrustPolicy } from './policy.js'

/** What the chain service needs from its node: the part of `@dscs/net`'s `ProtocolContext` it uses. */
export interface ChainComponents {
  readonly net: Net
  /** This node's identity, which signs its gossip announcements. */
  readonly identity: Identity
  readonly clock: Clock
  readonly timers: Timers
  readonly verificationCache?: VerificationCache
  /** Where blocks persist (LevelDB on disk with `createNode`); without one, the chain lives in memory. */
  readonly store?: Store
}

export interface ChainInit extends Omit<ChainCoreOptions, 'identity' | 'verificationCache'> {
  /** Mine from the start. Default false: a node mines only when asked ({@link ChainService.startMining}). */
  readonly mine?: boolean
  /** The nonce search. Default a main-thread {@link sliceMiner}; in Node, `workerMiner()` of the node entry hashes on a worker thread. */
  readonly miner?: Miner
}

/** What one {@link ChainService.sync} saw this node's chain do while it ran. */
export interface ChainSyncReport {
  readonly peer: PeerRef
  /** Blocks this node took meanwhile, on any branch. */
  readonly blocks: number
  /** Blocks that left the best chain in reorganisations meanwhile, newest first per reorganisation. */
  readonly disconnected: readonly string[]
  /** Blocks that joined it in their place. */
  readonly connected: readonly string[]
  /** Transactions on the blocks that left and not on those that joined. */
  readonly nullified: readonly string[]
  /** How many of those went back to the mempool to be mined again: all with `requeueNullified` (the default), none without. */
  readonly requeued: number
  /** Whether the exchange was still going when the wait ran out. */
  readonly timedOut: boolean
}

// How often a sync's end is looked for, and the longest a sync is waited for by default.
const SYNC_POLL_MS = 50
const DEFAULT_SYNC_TIMEOUT_MS = 30_000

/** What the service reports: the core's events, and records of the store it could not read back. */
export type ChainServiceEvent = ChainEvent | { readonly type: 'corrupt'; readonly key: string; readonly error: ChainError }

const encoder = new TextEncoder()

/**
 * The chain on a node: a {@link ChainCore} run by a `CoreDriver` on the
 * node's Net, every accepted block written to the store (and read back,
 * validated again, on start), and an optional miner that works on the tip
 * and starts over whenever the tip moves.
 */
export class ChainService {
  readonly [Symbol.toStringTag] = '@dscs/trust-pow/chain'
  readonly core: ChainCore
  readonly #components: ChainComponents
  readonly #driver: CoreDriver<ChainEvent>
  readonly #listeners = new Set<(event: ChainServiceEvent) => void>()
  readonly #prefix: Uint8Array
  readonly #miner: Miner
  readonly #mineOnStart: boolean
  #writes: Promise<void> = Promise.resolve()
  #mining: AbortController | undefined
  #search: AbortController | undefined
  #blocksMined = 0

  constructor(components: ChainComponents, init: ChainInit = {}) {
    const { mine, miner, ...options } = init
    this.#components = components
    this.core = new ChainCore({ ...options, identity: components.identity, verificationCache: components.verificationCache })
    this.#prefix = encoder.encode(`trust-pow/chain/${this.core.settings.network}/b/`)
    this.#miner = miner ?? sliceMiner({ now: () => components.clock.now() })
    this.#mineOnStart = mine ?? false
    this.#driver = new CoreDriver({
      core: this.core,
      net: components.net,
      clock: components.clock,
      timers: components.timers,
      protocols: [CHAIN_PROTOCOL_ID],
      handling: { [CHAIN_PROTOCOL_ID]: { maxMessageBytes: this.core.settings.maxSyncMessageBytes } },
      topics: [this.core.blockTopic, this.core.txTopic],
      onEvent: (event) => this.#onEvent(event)
    })
  }

  /** Reads the stored blocks back, each validated again. libp2p calls it as the node starts. */
  async start(): Promise<void> {
    await this.#restore()
  }

  /** Joins the topics and the sync protocol once the node (and its gossipsub) runs; mines if asked to. libp2p calls it after every service started. */
  afterStart(): void {
    this.#driver.start()
    if (this.#mineOnStart) this.startMining()
  }

  /** Stops mining and leaves the topics and the protocol while the node still runs. libp2p calls it as the node begins to stop. */
  beforeStop(): void {
    this.stopMining()
    this.#driver.stop()
  }

  /** Releases the miner and waits for the last writes. libp2p calls it as the node stops. */
  async stop(): Promise<void> {
    this.beforeStop()
    this.#miner.close?.()
    await this.flush()
  }

  /** Resolves once every accepted block so far is in the store. */
  async flush(): Promise<void> {
    await this.#writes
  }

  /** Puts a transaction (an encoded signed envelope, e.g. an frp-state op's) in the mempool and announces it; returns its id. */
  submit(envelope: Uint8Array): string {
    const { id, effects } = this.core.submit(envelope, this.#components.clock.now())
    this.#driver.apply(effects)
    return id
  }

  /**
   * Syncs with `peer` now — after a partition healed, say — and resolves once no sync with any peer is under way
   * (every header and block asked for is in; peers that reconnect are synced with too) or `timeoutMs` (default 30 s)
   * ran out, with what this node's chain did meanwhile: blocks taken, reorganisations, transactions nullified and
   * requeued. Gossip arriving at the same time counts too.
   */
  async sync(peer: PeerRef, options: { readonly timeoutMs?: number } = {}): Promise<ChainSyncReport> {
    const { clock, timers } = this.#components
    const deadline = clock.now() + (options.timeoutMs ?? DEFAULT_SYNC_TIMEOUT_MS)
    let blocks = 0
    const disconnected: string[] = []
    const connected: string[] = []
    const nullified: string[] = []
    const stop = this.onEvent((event) => {
      if (event.type === 'block') blocks += 1
      if (event.type !== 'reorg') return
      disconnected.push(...event.disconnected)
      connected.push(...event.connected)
      nullified.push(...event.nullified)
    })
    this.#driver.apply(this.core.sync(peer, clock.now()))
    const timedOut = await new Promise<boolean>((resolve) => {
      const check = (): void => {
        // The heal also syncs with every peer that reconnects, and blocks may come from any of them: done when none is under way.
        if (!this.core.syncing()) resolve(false)
        else if (clock.now() >= deadline) resolve(true)
        else timers.schedule(check, SYNC_POLL_MS)
      }
      check()
    })
    stop()
    return { peer, blocks, disconnected, connected, nullified, requeued: this.core.requeuesNullified ? nullified.length : 0, timedOut }
  }

  get tip(): ChainCore['tip'] {
    return this.core.tip
  }

  confirmations(id: string): number | undefined {
    return this.core.confirmations(id)
  }

  txStatus(id: string): TxStatus {
    return this.core.txStatus(id)
  }

  onEvent(listener: (event: ChainServiceEvent) => void): Unsubscribe {
    this.#listeners.add(listener)
    return () => this.#listeners.delete(listener)
  }

  /** A TrustPolicy on this chain, for frp-state: ops confirmed `confirmations` blocks deep. */
  trustPolicy(options: ChainTrustOptions = {}): ChainTrustPolicy {
    const view = {
      confirmations: (id: string) => this.confirmations(id),
      onEvent: (listener: (event: ChainEvent) => void) => this.onEvent((event) => event.type !== 'corrupt' && listener(event))
    }
    return chainTrustPolicy(view, options)
  }

  get mining(): { readonly active: boolean; readonly hashRate: number; readonly blocksMined: number } {
    return { active: this.#mining !== undefined, hashRate: this.#miner.hashRate, blocksMined: this.#blocksMined }
  }

  /** Mines on the tip until {@link stopMining}; each block found is accepted and announced. */
  startMining(): void {
    if (this.#mining !== undefined) return
    const mining = new AbortController()
    this.#mining = mining
    void this.#mine(mining.signal)
  }

  stopMining(): void {
    this.#mining?.abort()
    this.#search?.abort()
    this.#mining = undefined
  }

  async #mine(stopped: AbortSignal): Promise<void> {
    while (!stopped.aborted) {
      const { header, transactions } = this.core.template(this.#components.clock.now())
      const search = new AbortController()
      this.#search = search
      const nonce = await this.#miner.search(encodeHeader(header), header.target, search.signal)
      if (stopped.aborted || nonce === undefined) continue
      try {
        this.#driver.apply(this.core.mined({ ...header, nonce }, transactions, this.#components.clock.now()))
        this.#blocksMined++
      } catch (err) {
        // A block made stale by one that arrived as it was found is no failure: mine on the new tip.
        if (!isDscsError(err)) throw err
      }
    }
  }

  #onEvent(event: ChainEvent): void {
    if (event.type === 'block') this.#persist(event.id, event.bytes)
    if (event.type === 'tip') this.#search?.abort()
    this.#tell(event)
  }

  #tell(event: ChainServiceEvent): void {
    for (const listener of this.#listeners) listener(event)
  }

  #persist(id: string, bytes: Uint8Array): void {
    const store = this.#components.store
    if (store === undefined) return
    const key = this.#key(id)
    // A failed write is reported like a damaged record: the block is then missing from disk, not from the chain.
    this.#writes = this.#writes.then(() => store.put(key, bytes)).catch((err: unknown) => this.#corrupt(id, err))
  }

  #key(id: string): Uint8Array {
    const key = new Uint8Array(this.#prefix.length + id.length / 2)
    key.set(this.#prefix)
    for (let i = 0; i < id.length / 2; i++) key[this.#prefix.length + i] = parseInt(id.slice(2 * i, 2 * i + 2), 16)
    return key
  }

  /** Every stored block, oldest height first, validated as if a peer sent it; a damaged record is reported and skipped. */
  async #restore(): Promise<void> {
    const store = this.#components.store
    if (store === undefined) return
    const end = this.#prefix.slice()
    end[end.length - 1]!++
    const blocks: Block[] = []
    try {
      for await (const [key, bytes] of store.range({ gte: this.#prefix, lt: end })) {
        const id = bytesToHex(key.subarray(this.#prefix.length))
        try {
          const block = decodeBlock(bytes, this.core.settings)
          if (block.id !== id) throw new ChainError('CORRUPT_STORE', `stored block ${id.slice(0, 16)}… holds another block`)
          blocks.push(block)
        } catch (err) {
          this.#corrupt(id, err)
        }
      }
    } catch (err) {
      this.#corrupt('', err)
    }
    const now = this.#components.clock.now()
    for (const block of blocks.sort((a, b) => a.header.height - b.header.height)) {
      try {
        this.#driver.apply(this.core.restore(block, now))
      } catch (err) {
        this.#corrupt(block.id, err)
      }
    }
  }

  // Whatever failed, a store that cannot be read back is reported, never thrown: the node runs on with what it has.
  #corrupt(key: string, cause: unknown): void {
    const reason = cause instanceof Error ? cause.message : String(cause)
    const error = cause instanceof ChainError && cause.code === 'CORRUPT_STORE' ? cause : new ChainError('CORRUPT_STORE', `stored block ${key.slice(0, 16)}… is damaged: ${reason}`, { cause })
    this.#tell({ type: 'corrupt', key, error })
  }
}
