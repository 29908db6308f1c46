import { verifyAsync, type Identity, type VerificationCache } from '@dscs/identity'
import type { Clock, Net, Store, Unsubscribe } from '@dscs/interface'
import { CoreDriver, type Timers } from '@dscs/net'
import { MemoryStore } from '@dscs/store'
import { envelopeHash } from '@dscs/wire'
import { bytesToHex } from '@noble/hashes/utils.js'
import { OBSERVER_DEFAULTS, PROTOCOL_ID } from './core/constants.js'
import { ObserverError } from './core/errors.js'
import { ObserverCore, type LogRead, type ObserverEvent, type ObserverOptions, type PendingBatch, type SignatureCheck } from './core/observer-core.js'
import { EntryIndex } from './entry-index.js'
import { entryEnvelope } from './core/entry.js'
import { StoreMerkleLog, type MerkleLog } from './log/index.js'

/** Signature checks on the thread pool at once: enough to keep every core busy. */
const MAX_PARALLEL_CHECKS = 16

/** What a service of this package needs from its node: the part of `@dscs/net`'s `ProtocolContext` it uses. */
export interface TrustObserverComponents {
  /** The network port: the direct protocol, the observer's topic, penalties for bad input. */
  readonly net: Net
  /** This node's Ed25519 identity: the observer's key, or the client's (which signs its evidence reports and cosignatures). */
  readonly identity: Identity
  readonly clock: Clock
  /** The timer that wakes the core at its next deadline. */
  readonly timers: Timers
  /** The node's signature verdicts, so no envelope or statement is verified twice on a node. */
  readonly verificationCache?: VerificationCache
  /** The node's persistence (LevelDB with `createNode`): the observer's log, the client's latest head. */
  readonly store?: Store
}

/** Options of the observer role; `parallelVerify` defaults to true here (signatures checked on node:crypto's thread pool). */
export interface ObserverInit extends ObserverOptions {
  /** The log to append to. Default a `StoreMerkleLog` in the node's store (LevelDB under its data directory with `createNode`), in memory without one. */
  readonly log?: MerkleLog
  /** Where the entry-id index lives. Default the node's store, in memory without one. */
  readonly store?: Store
}

/** What the observer service reports: the core's news (never its work orders). */
export type ObserverServiceEvent = Exclude<ObserverEvent, { type: 'verify' } | { type: 'append' } | { type: 'read' }>

/**
 * The observer role on a node: an {@link ObserverCore} run by a `CoreDriver`
 * on the node's Net, whose batches this service appends to the Merkle log
 * (acknowledging each only once the append resolved, so a crash after a
 * receipt loses nothing) and whose proof and entry requests it reads from
 * the log.
 */
export class ObserverService {
  readonly [Symbol.toStringTag] = '@dscs/trust-observer/observer'
  readonly #components: TrustObserverComponents
  readonly #init: ObserverInit
  readonly #listeners = new Set<(event: ObserverServiceEvent) => void>()
  #log: MerkleLog | undefined
  #index: EntryIndex | undefined
  #core: ObserverCore | undefined
  #driver: CoreDriver<ObserverEvent> | undefined
  #running = false
  /** Signatures on the thread pool now, and those waiting their turn (bounded by the core's queue). */
  #checking = 0
  readonly #waitingChecks: SignatureCheck[] = []

  constructor(components: TrustObserverComponents, init: ObserverInit = {}) {
    this.#components = components
    this.#init = init
  }

  /** Opens the log (and its entry index, catching up after a crash). libp2p calls it as the node starts. */
  async start(): Promise<void> {
    if (this.#core !== undefined) return
    const { identity, verificationCache } = this.#components
    const prefix = `trust-observer/${bytesToHex(identity.publicKey)}/`
    const store = this.#init.store ?? this.#components.store ?? new MemoryStore()
    const { log: given, store: _store, ...options } = this.#init
    const limits = { maxEntryBytes: options.maxEntryBytes ?? OBSERVER_DEFAULTS.maxEntryBytes, maxAppendEntries: options.maxBatch ?? OBSERVER_DEFAULTS.maxBatch }
    const log = given ?? (await StoreMerkleLog.open(store, { prefix: `${prefix}log/`, ...limits }))
    this.#index = await EntryIndex.open(store, prefix, log)
    this.#log = log
    const core = new ObserverCore({ parallelVerify: true, ...options, identity, verificationCache, state: { size: log.size, root: await log.root() } })
    const now = this.#components.clock.now()
    core.remember(await lastEntries(log, now, options.maxClockSkew ?? OBSERVER_DEFAULTS.maxClockSkew, options.maxRecent ?? OBSERVER_DEFAULTS.maxRecent), now)
    this.#core = core
    this.#driver = new CoreDriver({
      core,
      net: this.#components.net,
      clock: this.#components.clock,
      timers: this.#components.timers,
      protocols: [PROTOCOL_ID],
      handling: { [PROTOCOL_ID]: { maxMessageBytes: core.limits.maxMessageBytes } },
      onEvent: (event) => this.#onEvent(event)
    })
  }

  /** Answers on the protocol and publishes heads once the node (and its gossipsub) runs. libp2p calls it after every service started. */
  afterStart(): void {
    this.#running = true
    this.#driver?.start()
  }

  /** Stops answering while the node still runs. libp2p calls it as the node begins to stop. */
  beforeStop(): void {
    this.#running = false
    this.#driver?.stop()
  }

  /** libp2p calls it as the node stops. */
  async stop(): Promise<void> {
    this.beforeStop()
  }

  /** The core: its committed state, latest head and queue figures. */
  get core(): ObserverCore {
    if (this.#core === undefined) throw new ObserverError('NOT_RUNNING', 'the observer has not started')
    return this.#core
  }

  /** The log the observer appends to. */
  get log(): MerkleLog {
    if (this.#log === undefined) throw new ObserverError('NOT_RUNNING', 'the observer has not started')
    return this.#log
  }

  onEvent(listener: (event: ObserverServiceEvent) => void): Unsubscribe {
    this.#listeners.add(listener)
    return () => this.#listeners.delete(listener)
  }

  #onEvent(event: ObserverEvent): void {
    if (event.type === 'verify') this.#verify(event.check)
    else if (event.type === 'append') void this.#append(event.batch)
    else if (event.type === 'read') void this.#read(event.read)
    else {
      if (event.type === 'committed') this.#index!.add(event.start, event.ids).catch((error: unknown) => this.#tell({ type: 'store-error', error: asStoreError(error) }))
      this.#tell(event)
    }
  }

  #tell(event: ObserverServiceEvent): void {
    for (const listener of this.#listeners) listener(event)
  }

  /**
   * Checks a submission's signature on node:crypto's thread pool, in parallel
   * with others but never more than {@link MAX_PARALLEL_CHECKS} at once: the
   * pool also carries the store's writes, which must not wait behind a flood.
   */
  #verify(check: SignatureCheck): void {
    if (this.#checking >= MAX_PARALLEL_CHECKS) {
      this.#waitingChecks.push(check)
      return
    }
    this.#checking++
    void verifyAsync(check.author, check.signing, check.signature).then((valid) => {
      this.#checking--
      if (this.#running) this.#driver!.apply(this.#core!.verified(check, valid))
      const next = this.#waitingChecks.shift()
      if (next !== undefined) this.#verify(next)
    })
  }

  /** Appends a batch, then lets the core send its receipts: acknowledged only once durable. */
  async #append(batch: PendingBatch): Promise<void> {
    const core = this.#core!
    let effects
    try {
      const state = await this.#log!.append(batch.entries)
      effects = core.committed(batch, state, this.#components.clock.now())
    } catch (err) {
      effects = core.appendFailed(batch, err)
    }
    if (this.#running) this.#driver!.apply(effects)
  }

  async #read(read: LogRead): Promise<void> {
    const core = this.#core!
    const log = this.#log!
    let effects
    try {
      switch (read.kind) {
        case 'inclusion':
        case 'lookup': {
          const index = read.kind === 'inclusion' ? read.index : await this.#index!.lookup(read.entryId)
          if (index === undefined || index >= read.treeSize) throw new ObserverError('NOT_FOUND', `the tree of ${read.treeSize} entries holds no such entry`)
          const [[entry], path] = await Promise.all([log.entries(index, index + 1), log.inclusionProof(index, read.treeSize)])
          effects = core.answer(read, { kind: 'inclusion', index, entry: entry!, path }, this.#components.clock.now())
          break
        }
        case 'consistency': {
          const [oldRoot, newRoot, path] = await Promise.all([log.root(read.oldSize), log.root(read.newSize), log.consistencyProof(read.oldSize, read.newSize)])
          effects = core.answer(read, { kind: 'consistency', oldRoot, newRoot, path }, this.#components.clock.now())
          break
        }
        case 'entries':
          effects = core.answer(read, { kind: 'entries', entries: await log.entries(read.start, read.end) }, this.#components.clock.now())
      }
    } catch (err) {
      effects = core.readFailed(read, err)
    }
    if (this.#running) this.#driver!.apply(effects)
  }
}

function asStoreError(error: unknown): ObserverError {
  return new ObserverError('STORE_FAILED', `the entry index could not be written: ${error instanceof Error ? error.message : String(error)}`, { cause: error })
}

// Entries read back at a time from the end of the log after a restart.
const TAIL_CHUNK = 256

/**
 * The entries of the log a duplicate could still name (timestamp within the
 * replay window of `now`), newest last, at most `max`. Read back from the end:
 * an entry dated before now − 3·window was admitted before now − 2·window, and
 * so was every entry before it, whose timestamps are then all out of the window.
 */
async function lastEntries(log: MerkleLog, now: number, window: number, max: number): Promise<{ id: Uint8Array; index: number; timestamp: number }[]> {
  const found: { id: Uint8Array; index: number; timestamp: number }[] = []
  for (let end = log.size; end > 0 && found.length < max; end = Math.max(0, end - TAIL_CHUNK)) {
    const start = Math.max(0, end - TAIL_CHUNK)
    const entries = await log.entries(start, end)
    for (let i = entries.length - 1; i >= 0 && found.length < max; i--) {
      const envelope = entryEnvelope(entries[i]!)
      if (envelope === undefined) continue
      if (envelope.timestamp < now - 3 * window) return found.reverse()
      if (envelope.timestamp >= now - window) found.push({ id: envelopeHash(envelope), index: start + i, timestamp: envelope.timestamp })
    }
  }
  return found.reverse()
}
