import { Bitfield } from '../core/bitfield.js'
import { ContentBuilder } from '../core/builder.js'
import { contentKey, type ContentId } from '../core/content-id.js'
import { ChunkError } from '../core/errors.js'
import { createManifest, type Manifest } from '../core/manifest.js'
import type { VerifiedPath } from '../core/tree.js'
import type { ChunkStore, ChunkStoreOptions, ContentWriter, ContentWriterOptions } from './chunk-store.js'
import { ContentEntry, DEFAULT_MAX_CHUNKS, admitManifest } from './content-entry.js'
import { ChunkWaiters } from './waiters.js'

interface MemoryContent {
  readonly entry: ContentEntry
  /** Chunk bytes by index; only verified chunks. */
  readonly chunks: (Uint8Array | undefined)[]
}

/**
 * A {@link ChunkStore} in memory: for tests, browsers and content that is
 * small or short-lived. Zero-copy: it keeps the bytes it is given and hands
 * out the bytes it keeps.
 */
export class MemoryChunkStore implements ChunkStore {
  readonly #maxChunks: number
  readonly #contents = new Map<string, MemoryContent>()
  readonly #waiters = new ChunkWaiters()
  #closed = false

  constructor(options: ChunkStoreOptions = {}) {
    this.#maxChunks = options.maxChunks ?? DEFAULT_MAX_CHUNKS
  }

  async putManifest(manifest: Manifest): Promise<void> {
    this.#open()
    const verifier = admitManifest(manifest, this.#maxChunks)
    const known = this.#contents.get(contentKey(manifest.cid))
    if (known !== undefined) known.entry.manifest = manifest
    else this.#contents.set(contentKey(manifest.cid), { entry: new ContentEntry(manifest, verifier), chunks: [] })
  }

  async manifest(cid: ContentId): Promise<Manifest | undefined> {
    this.#open()
    return this.#contents.get(contentKey(cid))?.entry.manifest
  }

  async contents(): Promise<ContentId[]> {
    this.#open()
    return [...this.#contents.values()].map(({ entry }) => entry.manifest.cid)
  }

  async bitfield(cid: ContentId): Promise<Bitfield | undefined> {
    this.#open()
    return this.#contents.get(contentKey(cid))?.entry.held.copy()
  }

  async has(cid: ContentId, index: number): Promise<boolean> {
    return this.#content(cid).entry.held.has(index)
  }

  async get(cid: ContentId, index: number): Promise<Uint8Array | undefined> {
    return this.#content(cid).chunks[index]
  }

  async proof(cid: ContentId, index: number): Promise<Uint8Array | undefined> {
    const { entry } = this.#content(cid)
    return entry.held.has(index) ? entry.nodes.proof(index) : undefined
  }

  async put(cid: ContentId, index: number, data: Uint8Array, proof?: Uint8Array | VerifiedPath): Promise<boolean> {
    const { entry, chunks } = this.#content(cid)
    const verified = entry.verify(index, data, proof)
    if (entry.held.has(index)) return false
    // Kept as it is unless it is a small view of a larger buffer, which it would keep alive.
    chunks[index] = data.byteLength * 2 >= data.buffer.byteLength ? data : data.slice()
    entry.record(verified)
    this.#waiters.notify(entry.key, index)
    return true
  }

  async whenHeld(cid: ContentId, index: number, signal?: AbortSignal): Promise<void> {
    const { entry } = this.#content(cid)
    entry.verifier.layout.checkIndex(index)
    if (!entry.held.has(index)) await this.#waiters.wait(entry.key, index, signal)
  }

  createWriter(options: ContentWriterOptions = {}): ContentWriter {
    this.#open()
    const builder = new ContentBuilder({ ...options, maxChunks: this.#maxChunks })
    let chunks: Uint8Array[] = []
    return {
      write: async (bytes) => {
        for (const chunk of builder.push(bytes)) chunks.push(chunk.slice())
      },
      finish: async () => {
        const { cid, header, nodes, last } = builder.finish()
        if (last !== undefined) chunks.push(last.slice())
        const key = contentKey(cid)
        const known = this.#contents.get(key)
        if (known?.entry.held.complete) return known.entry.manifest
        const manifest = known?.entry.manifest ?? createManifest(header)
        const held = new Bitfield(chunks.length)
        for (let index = 0; index < chunks.length; index++) held.set(index)
        this.#contents.set(key, { entry: new ContentEntry(manifest, admitManifest(manifest, this.#maxChunks), nodes, held), chunks })
        this.#waiters.notifyAll(key)
        return manifest
      },
      abort: async () => {
        chunks = []
      }
    }
  }

  async flush(): Promise<void> {
    this.#open()
  }

  async close(): Promise<void> {
    this.#closed = true
    this.#contents.clear()
    this.#waiters.failAll(new ChunkError('STORE_CLOSED', 'the store was closed'))
  }

  #content(cid: ContentId): MemoryContent {
    this.#open()
    const content = this.#contents.get(contentKey(cid))
    if (content === undefined) throw new ChunkError('UNKNOWN_CONTENT', `no manifest of ${contentKey(cid)} in this store`)
    return content
  }

  #open(): void {
    if (this.#closed) throw new ChunkError('STORE_CLOSED', 'the store is closed')
  }
}
