import { isDscsError, type CoreEffect, type PeerRef, type ProtocolCore, type TopicReceipt } from '@dscs/interface'
import type { Identity, VerificationCache } from '@dscs/identity'
import { BLOCK_KIND, TX_KIND, openAnnouncement, sealAnnouncement } from './announce.js'
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js'
import { createBlock, decodeBlock, type Block } from './block.js'
import { blockTopic, HEADER_BYTES, HEADER_VERSION, txTopic } from './constants.js'
import { nextTarget } from './difficulty.js'
import { ChainError } from './errors.js'
import { decodeHeader, headerHash, meetsTarget, type BlockHeader } from './header.js'
import { Mempool } from './mempool.js'
import { merkleRoot } from './merkle.js'
import { decodeSyncMessage, encodeSyncMessage, MAX_LOCATOR, type SyncMessage } from './messages.js'
import { OrphanPool } from './orphans.js'
import { genesisBlock, resolveSettings, type ChainSettings } from './params.js'
import { checkSignature, readTransaction, type Transaction } from './transaction.js'
import { BlockTree, type BlockEntry } from './tree.js'
import { checkHeaderAlone, checkHeaderOnParent, checkTransactions, readBody } from './validate.js'

/** What the chain reports. */
export type ChainEvent =
  /** A valid block joined the tree (on any branch): what a driver persists. */
  | { readonly type: 'block'; readonly id: string; readonly height: number; readonly bytes: Uint8Array }
  /** The best chain has a new tip. */
  | { readonly type: 'tip'; readonly id: string; readonly height: number; readonly work: bigint }
  /**
   * A heavier branch replaced the top of the best chain: `disconnected` blocks
   * (newest first) gave way to `connected` ones (oldest first), and
   * `nullified` lists every transaction on the losing blocks that is not on
   * the winning ones.
   */
  | {
      readonly type: 'reorg'
      readonly fork: string
      readonly disconnected: readonly string[]
      readonly connected: readonly string[]
      readonly nullified: readonly string[]
    }

export interface ChainCoreOptions extends Partial<ChainSettings> {
  /** This node's identity, which signs its gossip announcements. */
  readonly identity: Identity
  /** The node's shared signature verdicts, so no transaction is verified twice on a node. */
  readonly verificationCache?: VerificationCache
  /**
   * Whether nullified transactions go back to the mempool, announced again,
   * to be mined again (default true): an op the reorganisation nullified is
   * then confirmed again once it is deep on the winning chain. Set false to
   * make nullification final: its author must submit the op anew.
   */
  readonly requeueNullified?: boolean
  /** A transaction's mempool priority (see {@link Mempool}); default all equal, so the oldest go first. */
  readonly priority?: (tx: Transaction) => number
}

/** A block ready to mine: nonce 0, to be searched. */
export interface BlockTemplate {
  readonly header: BlockHeader
  readonly transactions: readonly Uint8Array[]
}

/** What the chain knows of a transaction. */
export type TxStatus =
  | { readonly status: 'mempool' }
  | { readonly status: 'mined'; readonly height: number; readonly confirmations: number }
  | { readonly status: 'unknown' }

interface SyncState {
  /** When this node last asked the peer: an exchange that stalls longer gives way to a new one. */
  asked: number
  /** Blocks announced by the peer's headers and not fetched yet, in chain order. */
  queue: string[]
  /** Set when the last Headers was full: ask for more after this hash. */
  more: Uint8Array | undefined
}

type Effects = CoreEffect<ChainEvent>[]

// A sync exchange with no answer for this long no longer stops a new one with the same peer.
const SYNC_STALL_MS = 30_000
// Protobuf framing of a block inside a Blocks message: tag and length.
const BLOCK_FRAMING_BYTES = 8
// Protobuf framing of a transaction inside a block, and of the header.
const TX_FRAMING_BYTES = 6

/**
 * The proof-of-work chain, sans I/O: blocks and transactions from gossip
 * topics, sync messages from peers and the application's transactions in;
 * sends, publishes, penalties and events out. Holds every validated block in
 * a tree, follows the branch of greatest cumulative work, reorganises when a
 * heavier one appears, and keeps a bounded mempool and orphan pool.
 */
export class ChainCore implements ProtocolCore<ChainEvent> {
  readonly settings: ChainSettings
  readonly blockTopic: string
  readonly txTopic: string
  readonly #tree: BlockTree
  readonly #mempool: Mempool
  readonly #orphans: OrphanPool
  readonly #sync = new Map<PeerRef, SyncState>()
  readonly #cache: VerificationCache | undefined
  readonly #requeue: boolean
  readonly #identity: Identity

  constructor(options: ChainCoreOptions) {
    const { identity, verificationCache, requeueNullified, priority, ...settings } = options
    this.#identity = identity
    this.settings = resolveSettings(settings)
    this.blockTopic = blockTopic(this.settings.network)
    this.txTopic = txTopic(this.settings.network)
    this.#tree = new BlockTree(genesisBlock(this.settings))
    this.#mempool = new Mempool({ maxTxs: this.settings.mempoolMaxTxs, maxBytes: this.settings.mempoolMaxBytes, priority })
    this.#orphans = new OrphanPool({ maxBlocks: this.settings.orphanMaxBlocks, maxBytes: this.settings.orphanMaxBytes })
    this.#cache = verificationCache
    this.#requeue = requeueNullified ?? true
  }

  /** The best chain's tip. */
  get tip(): { readonly id: string; readonly height: number; readonly work: bigint; readonly timestamp: number } {
    const { block, height, work } = this.#tree.tip
    return { id: block.id, height, work, timestamp: block.header.timestamp }
  }

  get genesisId(): string {
    return this.#tree.atHeight(0)!.block.id
  }

  /** The best chain's block ids, genesis first. */
  bestChain(): string[] {
    const ids: string[] = []
    for (let height = 0; height <= this.#tree.tip.height; height++) ids.push(this.#tree.atHeight(height)!.block.id)
    return ids
  }

  /** The transactions of block `id` (any branch), or undefined when it is not in the tree. */
  transactionsOf(id: string): readonly string[] | undefined {
    return this.#tree.get(id)?.txIds
  }

  /** How many best-chain blocks hold transaction `id` or build on it (1 in the tip); undefined when it is not on the best chain. */
  confirmations(id: string): number | undefined {
    const height = this.#tree.txHeight(id)
    return height === undefined ? undefined : this.#tree.tip.height - height + 1
  }

  txStatus(id: string): TxStatus {
    const confirmations = this.confirmations(id)
    if (confirmations !== undefined) return { status: 'mined', height: this.#tree.txHeight(id)!, confirmations }
    return this.#mempool.has(id) ? { status: 'mempool' } : { status: 'unknown' }
  }

  get stats(): { readonly blocks: number; readonly mempoolTxs: number; readonly mempoolBytes: number; readonly orphans: number; readonly orphanBytes: number } {
    return {
      blocks: this.#tree.size,
      mempoolTxs: this.#mempool.size,
      mempoolBytes: this.#mempool.bytes,
      orphans: this.#orphans.size,
      orphanBytes: this.#orphans.bytes
    }
  }

  /**
   * Takes the application's transaction (an encoded signed envelope) into the
   * mempool and announces it. Idempotent: a transaction already known is not
   * announced again. Throws ChainError when it is invalid.
   */
  submit(bytes: Uint8Array, now: number): { id: string; effects: Effects } {
    const { tx, fresh } = this.#admit(bytes, now)
    return { id: tx.id, effects: fresh ? [{ type: 'publish', topic: this.txTopic, bytes: sealAnnouncement(this.#identity, TX_KIND, bytes, now) }] : [] }
  }

  /** A block to mine on the tip, with the mempool's best transactions that fit. */
  template(now: number): BlockTemplate {
    const parent = this.#tree.tip
    const timestamp = Math.max(Math.floor(now), this.#tree.medianTime(parent, this.settings.medianSpan) + 1)
    const txs = this.#mempool
      .select(this.settings.maxBlockTxs, this.settings.maxBlockBytes - HEADER_BYTES - TX_FRAMING_BYTES, TX_FRAMING_BYTES)
      .filter((tx) => tx.envelope.timestamp <= timestamp + this.settings.maxFutureDrift)
    const header: BlockHeader = {
      version: HEADER_VERSION,
      parent: parent.block.hash,
      height: parent.height + 1,
      timestamp,
      target: this.#targetAfter(parent),
      merkleRoot: merkleRoot(txs.map((tx) => tx.hash)),
      nonce: 0
    }
    return { header, transactions: txs.map((tx) => tx.bytes) }
  }

  /** A block this node mined: accepted like any other, then announced. Throws ChainError when it is invalid (e.g. stale). */
  mined(header: BlockHeader, transactions: readonly Uint8Array[], now: number): Effects {
    const block = createBlock(header, transactions)
    const effects: Effects = []
    const status = this.#accept(block, now, undefined, effects)
    this.#adoptBest(effects, now)
    if (status === 'accepted') effects.push({ type: 'publish', topic: this.blockTopic, bytes: sealAnnouncement(this.#identity, BLOCK_KIND, block.bytes, now) })
    return effects
  }

  /** A block read back from the store: validated like one from a peer, never announced. Throws ChainError. */
  restore(block: Block, now: number): Effects {
    const effects: Effects = []
    try {
      this.#accept(block, now, undefined, effects)
    } finally {
      this.#adoptBest(effects, now)
    }
    // Nothing read back is news to the network: no block events, no announcements.
    return effects.filter((effect) => effect.type !== 'publish' && (effect.type !== 'emit' || effect.event.type !== 'block'))
  }

  receive(from: PeerRef, bytes: Uint8Array, now: number): Effects {
    const effects: Effects = []
    try {
      this.#onSync(from, decodeSyncMessage(bytes, this.settings), now, effects)
    } catch (err) {
      if (!isDscsError(err)) throw err
      effects.push({ type: 'penalise', peer: from, error: err })
    }
    return effects
  }

  receiveTopic(from: PeerRef, topic: string, bytes: Uint8Array, now: number): TopicReceipt<ChainEvent> {
    const effects: Effects = []
    try {
      if (topic === this.txTopic) {
        return { verdict: this.#admit(openAnnouncement(bytes, TX_KIND, this.settings.maxTxBytes), now).fresh ? 'accept' : 'ignore', effects }
      }
      if (topic !== this.blockTopic) return { verdict: 'ignore', effects }
      const block = decodeBlock(openAnnouncement(bytes, BLOCK_KIND, this.settings.maxBlockBytes), this.settings)
      const status = this.#accept(block, now, from, effects)
      this.#adoptBest(effects, now)
      const exchange = this.#sync.get(from)
      if (status === 'orphan' && (exchange === undefined || now - exchange.asked > SYNC_STALL_MS)) this.#startSync(from, now, effects)
      return { verdict: status === 'accepted' ? 'accept' : 'ignore', effects }
    } catch (err) {
      if (!isDscsError(err)) throw err
      // A known transaction relayed again is no offence.
      return { verdict: err.code === 'KNOWN_TRANSACTION' ? 'ignore' : 'reject', effects }
    }
  }

  /** A new peer may know blocks this node lacks: ask for its headers after this node's best chain. */
  peerConnected(peer: PeerRef, now: number): Effects {
    return this.sync(peer, now)
  }

  /** Syncs with `peer` now, e.g. one back from a partition: asks for its headers after this node's best chain, then the blocks it lacks. */
  sync(peer: PeerRef, now: number): Effects {
    const effects: Effects = []
    this.#startSync(peer, now, effects)
    return effects
  }

  /** Whether a sync with `peer` (without one: with any peer) is under way: headers or blocks asked for and not all in yet. */
  syncing(peer?: PeerRef): boolean {
    return peer === undefined ? this.#sync.size > 0 : this.#sync.has(peer)
  }

  /** Whether a reorganisation's nullified transactions go back to the mempool (`requeueNullified`). */
  get requeuesNullified(): boolean {
    return this.#requeue
  }

  peerDisconnected(peer: PeerRef): Effects {
    this.#sync.delete(peer)
    return []
  }

  tick(): Effects {
    return []
  }

  nextDeadline(): number | undefined {
    return undefined
  }

  #targetAfter(parent: BlockEntry): bigint {
    const header = parent.block.header
    return nextTarget(
      { height: parent.height, target: header.target, timestamp: header.timestamp },
      (height) => this.#tree.ancestor(parent, height).block.header.timestamp,
      this.settings
    )
  }

  /** Checks a transaction for the mempool; `fresh` is false when it is already pending or mined. */
  #admit(bytes: Uint8Array, now: number): { tx: Transaction; fresh: boolean } {
    if (bytes.length > this.settings.maxTxBytes) {
      throw new ChainError('TOO_LARGE', `a transaction of ${bytes.length} bytes exceeds the limit of ${this.settings.maxTxBytes}`)
    }
    const tx = readTransaction(bytes, this.settings.maxTxBytes)
    if (this.#mempool.has(tx.id) || this.#tree.txHeight(tx.id) !== undefined) return { tx, fresh: false }
    if (tx.envelope.timestamp > now + this.settings.maxFutureDrift) {
      throw new ChainError('BAD_TIMESTAMP', `transaction ${tx.id.slice(0, 16)}… is dated ahead of this node's clock`)
    }
    checkSignature(tx, this.#cache)
    this.#mempool.add(tx)
    return { tx, fresh: true }
  }

  /**
   * Takes a block in: known ones are skipped, ones with an unknown parent
   * wait in the orphan pool once their header and Merkle root check out,
   * others are validated in full and join the tree, followed by any orphans
   * waiting on them. Throws ChainError when `block` itself is invalid.
   */
  #accept(block: Block, now: number, from: PeerRef | undefined, effects: Effects): 'accepted' | 'known' | 'orphan' {
    if (this.#tree.get(block.id) !== undefined || this.#orphans.has(block.id)) return 'known'
    checkHeaderAlone(block, this.settings, now)
    const parentId = bytesToHex(block.header.parent)
    const parent = this.#tree.get(parentId)
    if (parent === undefined) {
      readBody(block, this.settings)
      this.#orphans.add(block, parentId, from)
      return 'orphan'
    }
    this.#connect(block, parent, effects)
    const waiting = [block.id]
    for (let id = waiting.pop(); id !== undefined; id = waiting.pop()) {
      for (const orphan of this.#orphans.takeChildren(id)) {
        try {
          this.#connect(orphan.block, this.#tree.get(id)!, effects)
          waiting.push(orphan.block.id)
        } catch (err) {
          if (!isDscsError(err)) throw err
          if (orphan.from !== undefined) effects.push({ type: 'penalise', peer: orphan.from, error: err })
        }
      }
    }
    return 'accepted'
  }

  #connect(block: Block, parent: BlockEntry, effects: Effects): void {
    checkHeaderOnParent(block, parent, this.#tree, this.settings)
    const txs = readBody(block, this.settings)
    checkTransactions(txs, block, parent, this.#tree, this.settings, this.#cache)
    const entry = this.#tree.add(block, parent, txs.map((tx) => tx.id))
    effects.push({ type: 'emit', event: { type: 'block', id: block.id, height: entry.height, bytes: block.bytes } })
  }

  /** Moves the best chain to the heaviest branch, if it is not there yet: mempool, events. */
  #adoptBest(effects: Effects, now: number): void {
    const change = this.#tree.adoptBest()
    if (change === undefined) return
    const { fork, disconnected, connected } = change
    const kept = new Set<string>()
    for (const entry of connected) {
      for (const id of entry.txIds) {
        kept.add(id)
        this.#mempool.remove(id)
      }
    }
    if (disconnected.length > 0) {
      const nullified: string[] = []
      for (const entry of disconnected) {
        entry.txIds.forEach((id, i) => {
          if (kept.has(id)) return
          nullified.push(id)
          if (this.#requeue) this.#requeueTransaction(entry.block.transactions[i]!, now, effects)
        })
      }
      const ids = (entries: readonly BlockEntry[]): string[] => entries.map((entry) => entry.block.id)
      effects.push({ type: 'emit', event: { type: 'reorg', fork: fork.block.id, disconnected: ids(disconnected), connected: ids(connected), nullified } })
    }
    const tip = this.#tree.tip
    effects.push({ type: 'emit', event: { type: 'tip', id: tip.block.id, height: tip.height, work: tip.work } })
  }

  /** Puts a transaction of a dropped block back in the mempool and announces it again: the winning side's miners never saw it. */
  #requeueTransaction(bytes: Uint8Array, now: number, effects: Effects): void {
    const tx = readTransaction(bytes, this.settings.maxTxBytes)
    if (this.#mempool.add(tx).includes(tx.id)) return
    effects.push({ type: 'publish', topic: this.txTopic, bytes: sealAnnouncement(this.#identity, TX_KIND, tx.bytes, now) })
  }

  #startSync(peer: PeerRef, now: number, effects: Effects, after?: Uint8Array): void {
    this.#sync.set(peer, { asked: now, queue: [], more: undefined })
    const locator = [...(after === undefined ? [] : [after]), ...this.#tree.locator()].slice(0, MAX_LOCATOR)
    this.#send(peer, { type: 'getHeaders', locator, stop: new Uint8Array(0) }, effects)
  }

  #send(to: PeerRef, message: SyncMessage, effects: Effects): void {
    effects.push({ type: 'send', to, bytes: encodeSyncMessage(message) })
  }

  #onSync(from: PeerRef, message: SyncMessage, now: number, effects: Effects): void {
    switch (message.type) {
      case 'getHeaders': {
        const stop = message.stop.length === 0 ? undefined : bytesToHex(message.stop)
        const entries = this.#tree.headersAfter(message.locator.map(bytesToHex), stop, this.settings.maxHeadersPerMessage)
        this.#send(from, { type: 'headers', headers: entries.map((entry) => entry.block.headerBytes) }, effects)
        return
      }
      case 'getBlocks':
        this.#send(from, { type: 'blocks', blocks: this.#blocksFor(message.hashes) }, effects)
        return
      case 'headers':
        this.#onHeaders(from, message.headers, now, effects)
        return
      case 'blocks':
        this.#onBlocks(from, message.blocks, now, effects)
    }
  }

  /** The blocks asked for that this node has, as many as fit in one message. */
  #blocksFor(hashes: readonly Uint8Array[]): Uint8Array[] {
    const blocks: Uint8Array[] = []
    let bytes = 0
    for (const hash of hashes) {
      const block = this.#tree.get(bytesToHex(hash))?.block
      if (block === undefined) continue
      if (bytes + block.bytes.length + BLOCK_FRAMING_BYTES > this.settings.maxSyncMessageBytes) break
      blocks.push(block.bytes)
      bytes += block.bytes.length + BLOCK_FRAMING_BYTES
    }
    return blocks
  }

  /** Headers answer this node's GetHeaders: each must carry its work and follow the one before; the unknown ones are fetched. */
  #onHeaders(from: PeerRef, headers: readonly Uint8Array[], now: number, effects: Effects): void {
    const state = this.#sync.get(from)
    if (state === undefined) return // not asked for, or the peer went away meanwhile
    const ids: string[] = []
    let previous: Uint8Array | undefined
    for (const bytes of headers) {
      const header = decodeHeader(bytes)
      const hash = headerHash(bytes)
      if (header.target > this.settings.powLimit || !meetsTarget(hash, header.target)) {
        throw new ChainError('INSUFFICIENT_WORK', 'a header does not meet its target')
      }
      if (previous !== undefined && bytesToHex(header.parent) !== bytesToHex(previous)) {
        throw new ChainError('MALFORMED', 'headers do not form a chain')
      }
      previous = hash
      ids.push(bytesToHex(hash))
    }
    state.queue = ids.filter((id) => this.#tree.get(id) === undefined && !this.#orphans.has(id))
    state.more = headers.length >= this.settings.maxHeadersPerMessage ? previous : undefined
    this.#nextRequest(from, state, now, effects)
  }

  #onBlocks(from: PeerRef, blocks: readonly Uint8Array[], now: number, effects: Effects): void {
    try {
      for (const bytes of blocks) this.#accept(decodeBlock(bytes, this.settings), now, from, effects)
    } catch (err) {
      this.#adoptBest(effects, now) // the valid blocks before the bad one count
      throw err
    }
    const state = this.#sync.get(from)
    const before = state?.queue.length ?? 0
    if (state !== undefined) state.queue = state.queue.filter((id) => this.#tree.get(id) === undefined && !this.#orphans.has(id))
    // A branch still arriving from this peer is adopted whole once its last batch is in, so a transaction it holds
    // further up is not reported nullified on the way; any other input adopts it sooner.
    if (state === undefined || state.queue.length === 0 || state.queue.length === before) this.#adoptBest(effects, now)
    if (state === undefined) return
    // A peer that sends none of what it announced ends the exchange: no loop on a peer that lost its blocks.
    if (state.queue.length === before && before > 0) {
      this.#sync.delete(from)
      return
    }
    this.#nextRequest(from, state, now, effects)
  }

  #nextRequest(peer: PeerRef, state: SyncState, now: number, effects: Effects): void {
    state.asked = now
    if (state.queue.length > 0) {
      const hashes = state.queue.slice(0, this.settings.maxBlocksPerRequest).map(hexToBytes)
      this.#send(peer, { type: 'getBlocks', hashes }, effects)
    } else if (state.more !== undefined) {
      this.#startSync(peer, now, effects, state.more)
    } else {
      this.#sync.delete(peer)
    }
  }
}
