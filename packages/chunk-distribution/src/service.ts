import type { Clock, Net, PeerRef, Unsubscribe } from '@dscs/interface'
import { CoreDriver, type ContentProviders, type Timers } from '@dscs/net'
import type { Identity, VerificationCache } from '@dscs/identity'
import { PROTOCOL_ID, TRANSFER_BUDGET } from './core/constants.js'
import { contentKey, type ContentId } from './core/content-id.js'
import { ChunkError } from './core/errors.js'
import type { Manifest } from './core/manifest.js'
import type { VerifiedPath } from './core/tree.js'
import { TransferCore } from './core/transfer/core.js'
import type { TransferEvent } from './core/transfer/events.js'
import type { TransferOptions } from './core/transfer/options.js'
import { put, type ContentSource, type PutOptions } from './put.js'
import { read, type ReadOptions } from './read.js'
import type { ChunkStore } from './store/chunk-store.js'
import { MemoryChunkStore } from './store/memory-store.js'
import { FetchProgress, type TransferProgress } from './progress.js'
import { ContentDiscovery, canDial, type DiscoveryInit } from './discovery.js'
import type { DiscoveryEvent } from './core/discovery/core.js'

/** What the service needs of the node it runs on. */
export interface ChunkDistributionComponents {
  readonly net: Net
  readonly clock: Clock
  readonly timers: Timers
  readonly verificationCache?: VerificationCache
  /** The node's key, which signs availability announcements; without it (or a Net that can dial) no providers are sought. */
  readonly identity?: Identity
  /** DHT provider records, when the node has content routing. */
  readonly providers?: ContentProviders
}

export interface ChunkDistributionInit extends Omit<TransferOptions, 'random' | 'verificationCache'> {
  /** Where chunks live: a store, or a function opening one as the node starts (closed as it stops). Default: in memory. */
  readonly store?: ChunkStore | (() => Promise<ChunkStore>)
  /** Uniform numbers in [0, 1) for rarest-first ties. Default Math.random. */
  readonly random?: () => number
  /** Finding providers beyond the connected peers: announcements on a topic, DHT provider records. `false` turns it off. */
  readonly discovery?: DiscoveryInit | false
}

export interface FetchOptions {
  /** Told after every chunk stored. */
  readonly onProgress?: (progress: TransferProgress) => void
  /** Gives the wait up (`ChunkError` `ABORTED`); the download goes on. */
  readonly signal?: AbortSignal
}

/** Something the service did or saw, for logs and dashboards. */
export type ChunkDistributionEvent =
  | Extract<TransferEvent, { type: 'complete' | 'peer-dropped' | 'refused' }>
  | Extract<DiscoveryEvent, { type: 'provider' }>
  | { readonly type: 'store-error'; readonly cid: ContentId; readonly error: unknown }

/** The API of the service on a node: `node.libp2p.services.chunks`. */
export interface ChunkDistribution {
  /** Where the chunks are. */
  readonly store: ChunkStore
  /** Stores `source` and seeds it; resolves to its content id. */
  publish(source: ContentSource, options?: PutOptions): Promise<ContentId>
  /** Downloads `cid` from the peers that hold it (resuming what the store holds); resolves to its manifest once every chunk is stored. */
  fetch(cid: ContentId, options?: FetchOptions): Promise<Manifest>
  /** Serves content the store holds. Fails with `UNKNOWN_CONTENT` when it holds none of `cid`. */
  seed(cid: ContentId): Promise<void>
  /** Streams a byte range of `cid`, downloading it if needed, the chunks the read waits for first. */
  read(cid: ContentId, options?: ReadOptions): AsyncIterable<Uint8Array>
  onEvent(listener: (event: ChunkDistributionEvent) => void): Unsubscribe
}

interface Waiter {
  readonly progress: FetchProgress
  readonly onProgress: ((progress: TransferProgress) => void) | undefined
  readonly resolve: () => void
}

/**
 * The service behind `chunkDistribution`: a {@link TransferCore} run by a
 * `CoreDriver` on the node's Net, its store I/O done here — verified pieces
 * written, requested chunks read — with the outcome fed back to the core.
 */
export class ChunkDistributionService implements ChunkDistribution {
  readonly [Symbol.toStringTag] = '@dscs/chunk-distribution'
  readonly #components: ChunkDistributionComponents
  readonly #init: ChunkDistributionInit
  readonly #listeners = new Set<(event: ChunkDistributionEvent) => void>()
  readonly #waiters = new Map<string, Set<Waiter>>()
  // A manifest learned is written before any of its chunks; readers wait for it too.
  readonly #manifests = new Map<string, Deferred>()
  readonly #writes = new Set<Promise<void>>()
  #store: ChunkStore | undefined
  #core: TransferCore | undefined
  #driver: CoreDriver<TransferEvent> | undefined
  #discovery: ContentDiscovery | undefined
  /** Content found complete in the store at start, announced once the node runs. */
  #seededAtStart: [ContentId, number][] = []

  constructor(components: ChunkDistributionComponents, init: ChunkDistributionInit = {}) {
    this.#components = components
    this.#init = init
  }

  get store(): ChunkStore {
    return this.#running().store
  }

  /** Opens the store and seeds every complete content in it. libp2p calls it as the node starts. */
  async start(): Promise<void> {
    if (this.#core !== undefined) return
    const { store: option, random, discovery, ...transfer } = this.#init
    const store = option === undefined ? new MemoryChunkStore() : typeof option === 'function' ? await option() : option
    const { verificationCache } = this.#components
    const core = new TransferCore({ ...transfer, random: random ?? Math.random, ...(verificationCache === undefined ? {} : { verificationCache }) })
    for (const cid of await store.contents()) {
      const [manifest, held] = await Promise.all([store.manifest(cid), store.bitfield(cid)])
      if (manifest === undefined || held?.complete !== true) continue
      core.seed({ manifest, held })
      this.#seededAtStart.push([cid, held.length])
    }
    this.#store = store
    this.#core = core
    this.#driver = new CoreDriver<TransferEvent>({
      core,
      net: this.#components.net,
      clock: this.#components.clock,
      timers: this.#components.timers,
      protocols: [PROTOCOL_ID],
      handling: { [PROTOCOL_ID]: { budget: TRANSFER_BUDGET, maxMessageBytes: core.maxFrameBytes } },
      // A send that fails (a peer gone mid-send) needs no handling: the core's timeouts ask elsewhere.
      onEvent: (event) => this.#onEvent(event)
    })
    const { net, identity } = this.#components
    if (discovery !== false && identity !== undefined && canDial(net)) {
      this.#discovery = new ContentDiscovery({ ...this.#components, net, identity }, discovery ?? {}, (event) => this.#tell(event))
    }
  }

  /** Speaks the protocol once the node runs, with the peers connected already. */
  afterStart(): void {
    const driver = this.#driver
    const core = this.#core
    if (driver === undefined || core === undefined) return
    driver.start()
    const now = this.#components.clock.now()
    for (const peer of this.#components.net.peers()) driver.apply(core.peerConnected(peer, now))
    this.#discovery?.start()
    for (const [cid, chunks] of this.#seededAtStart.splice(0)) this.#discovery?.seed(cid, chunks)
  }

  beforeStop(): void {
    this.#driver?.stop()
    this.#discovery?.stop()
  }

  /** Waits for the chunks being written, then closes a store the service opened. */
  async stop(): Promise<void> {
    this.#driver?.stop()
    this.#driver = undefined
    this.#core = undefined
    this.#discovery = undefined
    await Promise.allSettled([...this.#writes])
    const store = this.#store
    this.#store = undefined
    if (typeof this.#init.store === 'function' || this.#init.store === undefined) await store?.close()
    else await store?.flush()
  }

  async publish(source: ContentSource, options: PutOptions = {}): Promise<ContentId> {
    const { store, core } = this.#running()
    const { cid, manifest } = await put(store, source, options)
    const held = (await store.bitfield(cid))!
    core.seed({ manifest, held })
    this.#discovery?.seed(cid, held.length)
    return cid
  }

  async seed(cid: ContentId): Promise<void> {
    const { store, core } = this.#running()
    const [manifest, held] = await Promise.all([store.manifest(cid), store.bitfield(cid)])
    if (manifest === undefined || held === undefined) throw new ChunkError('UNKNOWN_CONTENT', `no manifest of ${contentKey(cid)} in the store`)
    core.seed({ manifest, held })
    if (held.complete) this.#discovery?.seed(cid, held.length)
  }

  async fetch(cid: ContentId, options: FetchOptions = {}): Promise<Manifest> {
    const { store, core, driver } = this.#running()
    const [manifest, held] = await Promise.all([store.manifest(cid), store.bitfield(cid)])
    const key = contentKey(cid)
    const done = new Promise<void>((resolve, reject) => {
      const waiter: Waiter = { progress: new FetchProgress(), onProgress: options.onProgress, resolve }
      const waiters = this.#waiters.get(key) ?? new Set<Waiter>()
      waiters.add(waiter)
      this.#waiters.set(key, waiters)
      options.signal?.addEventListener('abort', () => {
        waiters.delete(waiter)
        reject(new ChunkError('ABORTED', `stopped waiting for ${key}`))
      }, { once: true })
    })
    const now = this.#components.clock.now()
    driver.apply(core.download(cid, now, manifest === undefined || held === undefined ? undefined : { manifest, held }))
    this.#discovery?.download(cid, held?.count ?? 0, held?.length ?? 0)
    await done
    return (await store.manifest(cid))!
  }

  async *read(cid: ContentId, options: ReadOptions = {}): AsyncGenerator<Uint8Array, void, undefined> {
    const { store, core, driver } = this.#running()
    let manifest = await store.manifest(cid)
    const held = manifest === undefined ? undefined : await store.bitfield(cid)
    if (manifest === undefined || held?.complete !== true) {
      const download = this.fetch(cid, options.signal === undefined ? {} : { signal: options.signal })
      download.catch(() => undefined)
      manifest = await this.#manifestOf(cid, download)
      const chunkSize = manifest.chunkSize
      const first = Math.floor((options.offset ?? 0) / chunkSize)
      const end = options.length === undefined ? manifest.size : (options.offset ?? 0) + options.length
      const last = Math.max(first, Math.ceil(end / chunkSize) - 1)
      driver.apply(core.prioritise(cid, Array.from({ length: Math.max(0, last - first + 1) }, (_, i) => first + i), this.#components.clock.now()))
    }
    yield* read(store, cid, options)
  }

  onEvent(listener: (event: ChunkDistributionEvent) => void): Unsubscribe {
    this.#listeners.add(listener)
    return () => this.#listeners.delete(listener)
  }

  /** The manifest of `cid` once it is in the store: learned from a peer and written, or the download ended. */
  async #manifestOf(cid: ContentId, download: Promise<Manifest>): Promise<Manifest> {
    await Promise.race([this.#manifestWritten(contentKey(cid)).promise, download])
    const manifest = await this.store.manifest(cid)
    if (manifest === undefined) throw new ChunkError('UNKNOWN_CONTENT', `no manifest of ${contentKey(cid)} learned`)
    return manifest
  }

  #manifestWritten(key: string): Deferred {
    let written = this.#manifests.get(key)
    if (written === undefined) {
      written = deferred()
      this.#manifests.set(key, written)
    }
    return written
  }

  #onEvent(event: TransferEvent): void {
    switch (event.type) {
      case 'manifest':
        return this.#storeManifest(event.cid, event.manifest)
      case 'store':
        return this.#storeChunk(event.cid, event.index, event.data, event.verified)
      case 'read':
        return this.#readChunk(event.to, event.cid, event.index)
      case 'complete':
        this.#completed(event.cid)
        this.#discovery?.seed(event.cid, this.#core?.progress(event.cid)?.chunks ?? 0)
        return this.#tell(event)
      case 'peer-dropped':
      case 'refused':
        return this.#tell(event)
    }
  }

  #storeManifest(cid: ContentId, manifest: Manifest): void {
    const written = this.#manifestWritten(contentKey(cid))
    const write = this.#running().store.putManifest(manifest).then(written.resolve, (error: unknown) => {
      written.resolve()
      this.#tell({ type: 'store-error', cid, error })
    })
    this.#track(write)
  }

  #storeChunk(cid: ContentId, index: number, data: Uint8Array, verified: VerifiedPath): void {
    const { store } = this.#running()
    const key = contentKey(cid)
    const write = (this.#manifests.get(key)?.promise ?? Promise.resolve())
      .then(() => store.put(cid, index, data, verified))
      .then(
        () => this.#afterStore(cid, index, true),
        (error: unknown) => {
          this.#tell({ type: 'store-error', cid, error })
          this.#afterStore(cid, index, false)
        }
      )
    this.#track(write)
  }

  #afterStore(cid: ContentId, index: number, ok: boolean): void {
    const core = this.#core
    const driver = this.#driver
    if (core === undefined || driver === undefined) return
    const now = this.#components.clock.now()
    // Taken before the core speaks: the last chunk's `complete` releases the waiters.
    const waiters = [...(this.#waiters.get(contentKey(cid)) ?? [])]
    driver.apply(ok ? core.stored(cid, index, now) : core.storeFailed(cid, index, now))
    const progress = core.progress(cid)
    if (!ok || progress === undefined) return
    this.#discovery?.progress(cid, progress.held, progress.chunks)
    for (const waiter of waiters) waiter.onProgress?.(waiter.progress.report(progress, now))
  }

  #readChunk(to: PeerRef, cid: ContentId, index: number): void {
    const { store } = this.#running()
    const reply = (data: Uint8Array | undefined, proof: Uint8Array | undefined): void => {
      const core = this.#core
      if (core === undefined) return
      this.#driver?.apply(data === undefined || proof === undefined ? core.serveFailed(to, cid, index) : core.served(to, cid, index, data, proof))
    }
    this.#track(Promise.all([store.get(cid, index), store.proof(cid, index)]).then(([data, proof]) => reply(data, proof), () => reply(undefined, undefined)))
  }

  #completed(cid: ContentId): void {
    const key = contentKey(cid)
    const waiters = this.#waiters.get(key)
    this.#waiters.delete(key)
    for (const waiter of waiters ?? []) waiter.resolve()
  }

  #track(write: Promise<void>): void {
    this.#writes.add(write)
    void write.finally(() => this.#writes.delete(write))
  }

  #tell(event: ChunkDistributionEvent): void {
    for (const listener of this.#listeners) listener(event)
  }

  #running(): { store: ChunkStore; core: TransferCore; driver: CoreDriver<TransferEvent> } {
    if (this.#store === undefined || this.#core === undefined || this.#driver === undefined) {
      throw new ChunkError('STORE_CLOSED', 'start the service (or its node) first')
    }
    return { store: this.#store, core: this.#core, driver: this.#driver }
  }
}

interface Deferred {
  readonly promise: Promise<void>
  readonly resolve: () => void
}

function deferred(): Deferred {
  let resolve: () => void = () => undefined
  const promise = new Promise<void>((done) => {
    resolve = done
  })
  return { promise, resolve }
}
