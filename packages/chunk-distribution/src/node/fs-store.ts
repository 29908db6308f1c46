import { randomUUID } from 'node:crypto'
import { mkdir, open, readFile, readdir, rename, rm, type FileHandle } from 'node:fs/promises'
import { join } from 'node:path'
import { Bitfield } from '../core/bitfield.js'
import { ContentBuilder } from '../core/builder.js'
import { contentKey, parseContentId, type ContentHeader, type ContentId } from '../core/content-id.js'
import { ChunkError } from '../core/errors.js'
import { createManifest, decodeManifest, encodeManifest, type Manifest } from '../core/manifest.js'
import { MerkleNodes, type VerifiedPath } from '../core/tree.js'
import type { ChunkStore, ChunkStoreOptions, ContentWriter, ContentWriterOptions } from '../store/chunk-store.js'
import { ContentEntry, DEFAULT_MAX_CHUNKS, admitManifest } from '../store/content-entry.js'
import { ChunkWaiters } from '../store/waiters.js'
import { ContentFiles, FILE, replaceFile, writeContentFiles } from './content-files.js'
import { io, syncDirectory } from './io.js'

export interface FsChunkStoreOptions extends ChunkStoreOptions {
  /**
   * Chunks stored between two syncs of a content's files. A crash loses at
   * most the chunks stored since the last sync (they are fetched again);
   * it never makes an unverified chunk look held. Default 64 (16 MiB at 256
   * KiB chunks); 1 syncs after every chunk.
   */
  readonly syncEvery?: number
}

/** What {@link FsChunkStore.open} found. */
export interface FsLoadReport {
  /** Content loaded, complete or partial. */
  readonly contents: readonly ContentId[]
  /** Content whose held-chunk record was damaged and was rebuilt by re-verifying its data. */
  readonly recovered: readonly ContentId[]
  /** Entries of the directory that are not loadable content (no valid manifest), left untouched. */
  readonly skipped: readonly string[]
}

/** Content held on disk: its entry, its files, and what is not yet durable. */
interface FsContent {
  readonly entry: ContentEntry
  readonly files: ContentFiles
  /** Chunks verified since the store opened; the rest of the held ones are verified on their first read. */
  readonly checked: Bitfield
  readonly dirtySlots: Set<number>
  readonly dirtyHeld: Set<number>
  unsynced: number
  syncing: Promise<void>
}

// Temporary directories of content being created or imported, and of content being replaced; removed at open.
const TEMPORARY_PREFIX = '.'

/**
 * A {@link ChunkStore} on the filesystem: one directory per content, named by
 * its content id, holding
 *
 * - `manifest`: the ManifestRecord, replaced atomically;
 * - `data`: the content, a sparse file with chunk i at byte i × chunkSize;
 * - `nodes`: the known tree nodes, 32 bytes a slot (zeros when unknown);
 * - `held`: the held bitfield, one bit per chunk.
 *
 * A chunk is verified, written to `data`, then recorded; every `syncEvery`
 * chunks (and on `flush` and `close`) the data is synced, then the node
 * slots it taught, then the held bits — so the held bits on disk only ever
 * name chunks whose bytes reached the disk first. A download interrupted at
 * any point resumes from those bits after a restart.
 *
 * Loading trusts nothing it cannot re-check cheaply: manifests are checked
 * against their directory's content id at open, and every held chunk is
 * re-verified against the root on its first read after open (lazily, so a
 * store of many gigabytes opens at once); one that fails — a disk that lost
 * or damaged it — is dropped and must be fetched again. A `held` file of the
 * wrong size (a torn or truncated record) is rebuilt at open by re-verifying
 * every chunk whose leaf is known, so nothing verified is lost with it.
 */
export class FsChunkStore implements ChunkStore {
  readonly dir: string
  readonly loaded: FsLoadReport
  readonly #maxChunks: number
  readonly #syncEvery: number
  readonly #contents = new Map<string, FsContent>()
  readonly #creating = new Map<string, Promise<FsContent>>()
  readonly #waiters = new ChunkWaiters()
  #closed = false

  private constructor(dir: string, options: FsChunkStoreOptions, loaded: FsLoadReport) {
    this.dir = dir
    this.loaded = loaded
    this.#maxChunks = options.maxChunks ?? DEFAULT_MAX_CHUNKS
    this.#syncEvery = options.syncEvery ?? 64
  }

  /** Opens (creating it if need be) the store in directory `dir` and loads what it holds. */
  static async open(dir: string, options: FsChunkStoreOptions = {}): Promise<FsChunkStore> {
    const syncEvery = options.syncEvery ?? 64
    if (!Number.isInteger(syncEvery) || syncEvery < 1) throw new ChunkError('INVALID_OPTION', `syncEvery ${syncEvery}: a positive integer is required`)
    const maxChunks = options.maxChunks ?? DEFAULT_MAX_CHUNKS
    await io(`creating ${dir}`, () => mkdir(dir, { recursive: true }))
    const contents: FsContent[] = []
    const recovered: ContentId[] = []
    const skipped: string[] = []
    for (const name of await io(`listing ${dir}`, () => readdir(dir))) {
      if (name.startsWith(TEMPORARY_PREFIX)) {
        await io(`removing ${name}`, () => rm(join(dir, name), { recursive: true, force: true }))
        continue
      }
      try {
        const { content, rebuilt } = await loadContent(join(dir, name), parseContentId(name), maxChunks)
        contents.push(content)
        if (rebuilt) recovered.push(content.entry.manifest.cid)
      } catch {
        skipped.push(name)
      }
    }
    const store = new FsChunkStore(dir, options, { contents: contents.map(({ entry }) => entry.manifest.cid), recovered, skipped })
    for (const content of contents) store.#contents.set(content.entry.key, content)
    return store
  }

  async putManifest(manifest: Manifest): Promise<void> {
    this.#open()
    const verifier = admitManifest(manifest, this.#maxChunks)
    const key = contentKey(manifest.cid)
    const known = this.#contents.get(key) ?? (await this.#creating.get(key))
    if (known !== undefined) {
      await io(`writing the manifest of ${key}`, () => replaceFile(known.files.dir, FILE.manifest, encodeManifest(manifest)))
      known.entry.manifest = manifest
      return
    }
    const creation = this.#create(new ContentEntry(manifest, verifier), undefined)
    this.#creating.set(key, creation)
    try {
      this.#contents.set(key, await creation)
    } finally {
      this.#creating.delete(key)
    }
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
    const content = this.#content(cid)
    const { entry } = content
    if (!entry.held.has(index)) return undefined
    const { layout } = entry.verifier
    const data = await io(`reading chunk ${index} of ${entry.key}`, () => content.files.readChunk(layout.offset(index), layout.chunkLength(index)))
    if (content.checked.has(index)) return data
    try {
      entry.verify(index, data)
    } catch {
      // The disk lost or damaged it: forget it, so it is fetched again.
      if (entry.held.clear(index)) content.dirtyHeld.add(index >>> 3)
      return undefined
    }
    content.checked.set(index)
    return data
  }

  async proof(cid: ContentId, index: number): Promise<Uint8Array | undefined> {
    const content = this.#content(cid)
    if (!content.checked.has(index) && (await this.get(cid, index)) === undefined) return undefined
    return content.entry.held.has(index) ? content.entry.nodes.proof(index) : undefined
  }

  async put(cid: ContentId, index: number, data: Uint8Array, proof?: Uint8Array | VerifiedPath): Promise<boolean> {
    const content = this.#content(cid)
    const { entry } = content
    const verified = entry.verify(index, data, proof)
    if (entry.held.has(index)) return false
    await io(`writing chunk ${index} of ${entry.key}`, () => content.files.writeChunk(entry.verifier.layout.offset(index), data))
    if (entry.held.has(index)) return false
    for (const slot of entry.record(verified)) content.dirtySlots.add(slot)
    content.dirtyHeld.add(index >>> 3)
    content.checked.set(index)
    this.#waiters.notify(entry.key, index)
    if (++content.unsynced >= this.#syncEvery) await this.#sync(content)
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
    const dir = join(this.dir, `${TEMPORARY_PREFIX}import-${randomUUID()}`)
    let data: FileHandle | undefined
    let written = 0
    // The chunks of the previous write, still being written while the next ones hash: one batch in flight at most.
    let inFlight: Promise<void> = Promise.resolve()
    const dataFile = async (): Promise<FileHandle> => {
      if (data === undefined) {
        await mkdir(dir)
        data = await open(join(dir, FILE.data), 'w')
      }
      return data
    }
    const append = async (chunk: Uint8Array): Promise<void> => {
      const handle = await dataFile()
      for (let at = 0; at < chunk.length; ) at += (await handle.write(chunk, at, chunk.length - at, written + at)).bytesWritten
      written += chunk.length
    }
    return {
      write: (bytes) =>
        io('writing content', async () => {
          const chunks = builder.push(bytes)
          await inFlight
          inFlight = (async () => {
            for (const chunk of chunks) await append(chunk)
          })()
          inFlight.catch(() => undefined) // observed by the next call
        }),
      finish: () =>
        io('finishing content', async () => {
          const { cid, header, nodes, last } = builder.finish()
          await inFlight
          if (last !== undefined) await append(last)
          const handle = await dataFile()
          await handle.sync()
          await handle.close()
          data = undefined
          return await this.#import(dir, cid, header, nodes)
        }),
      abort: () =>
        io('aborting content', async () => {
          await inFlight.catch(() => undefined)
          await data?.close()
          data = undefined
          await rm(dir, { recursive: true, force: true })
        })
    }
  }

  async flush(): Promise<void> {
    this.#open()
    await Promise.all([...this.#contents.values()].map((content) => this.#sync(content)))
  }

  async close(): Promise<void> {
    if (this.#closed) return
    await this.flush()
    this.#closed = true
    this.#waiters.failAll(new ChunkError('STORE_CLOSED', 'the store was closed'))
    await io('closing the store', () => Promise.all([...this.#contents.values()].map(({ files }) => files.close())))
    this.#contents.clear()
  }

  /** Makes what `content` recorded so far durable; syncs of one content run one after another. */
  #sync(content: FsContent): Promise<void> {
    content.unsynced = 0
    const run = content.syncing.then(() => persist(content))
    content.syncing = run.catch(() => undefined)
    return run
  }

  /** Creates the directory of new content, in a temporary directory renamed into place once complete. */
  async #create(entry: ContentEntry, importedFrom: string | undefined): Promise<FsContent> {
    const dir = importedFrom ?? join(this.dir, `${TEMPORARY_PREFIX}new-${randomUUID()}`)
    const final = join(this.dir, entry.key)
    return await io(`creating ${final}`, async () => {
      if (importedFrom === undefined) await mkdir(dir)
      await writeContentFiles(dir, entry.manifest, entry.nodes, entry.held, importedFrom !== undefined)
      await this.#retire(final) // a copy that did not load at open (see `loaded.skipped`), if any
      await rename(dir, final)
      await syncDirectory(this.dir)
      return newContent(entry, await ContentFiles.open(final), entry.held.copy())
    })
  }

  /** Moves imported content into place, replacing a partial download of the same content. */
  async #import(dir: string, cid: ContentId, header: ContentHeader, nodes: MerkleNodes): Promise<Manifest> {
    const key = contentKey(cid)
    const known = this.#contents.get(key)
    if (known?.entry.held.complete) {
      await rm(dir, { recursive: true, force: true })
      return known.entry.manifest
    }
    const manifest = known?.entry.manifest ?? createManifest(header)
    const held = new Bitfield(nodes.shape.leafCount)
    for (let index = 0; index < held.length; index++) held.set(index)
    if (known !== undefined) {
      this.#contents.delete(key)
      await known.syncing
      await known.files.close()
    }
    this.#contents.set(key, await this.#create(new ContentEntry(manifest, admitManifest(manifest, this.#maxChunks), nodes, held), dir))
    this.#waiters.notifyAll(key)
    return manifest
  }

  /** Removes the directory at `path` if there is one: renamed aside first, so a crash midway leaves nothing half-deleted in place. */
  async #retire(path: string): Promise<void> {
    const retired = join(this.dir, `${TEMPORARY_PREFIX}old-${randomUUID()}`)
    try {
      await rename(path, retired)
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return
      throw err
    }
    await rm(retired, { recursive: true, force: true })
  }

  #content(cid: ContentId): FsContent {
    this.#open()
    const content = this.#contents.get(contentKey(cid))
    if (content === undefined) throw new ChunkError('UNKNOWN_CONTENT', `no manifest of ${contentKey(cid)} in this store`)
    return content
  }

  #open(): void {
    if (this.#closed) throw new ChunkError('STORE_CLOSED', 'the store is closed')
  }
}

function newContent(entry: ContentEntry, files: ContentFiles, checked: Bitfield): FsContent {
  return { entry, files, checked, dirtySlots: new Set(), dirtyHeld: new Set(), unsynced: 0, syncing: Promise.resolve() }
}

/** Writes what `content` recorded since its last sync (see `ContentFiles.persist`); on failure it stays to write next time. */
async function persist(content: FsContent): Promise<void> {
  if (content.dirtySlots.size === 0 && content.dirtyHeld.size === 0) return
  const slots = [...content.dirtySlots]
  // The held bytes as they are now, before the data sync: a bit set later may name data that sync does not cover.
  const heldBytes = new Map([...content.dirtyHeld].map((at) => [at, content.entry.held.bytes[at]!]))
  content.dirtySlots.clear()
  content.dirtyHeld.clear()
  try {
    await io(`syncing ${content.entry.key}`, () => content.files.persist(content.entry.nodes, slots, heldBytes))
  } catch (err) {
    for (const slot of slots) content.dirtySlots.add(slot)
    for (const at of heldBytes.keys()) content.dirtyHeld.add(at)
    throw err
  }
}

/**
 * Loads the content in `dir`: its manifest (checked against `cid`), node
 * table and held bitfield. A state file of the wrong size is a torn or
 * truncated record: the held bits are then rebuilt by re-verifying every
 * chunk whose leaf is known, and both files are rewritten.
 */
async function loadContent(dir: string, cid: ContentId, maxChunks: number): Promise<{ content: FsContent; rebuilt: boolean }> {
  const manifest = decodeManifest(await readFile(join(dir, FILE.manifest)), { expected: cid })
  const verifier = admitManifest(manifest, maxChunks)
  const { shape, layout } = verifier
  const storedNodes = await readFile(join(dir, FILE.nodes))
  const nodes = MerkleNodes.restore(shape, manifest.root, storedNodes)
  const storedHeld = await readFile(join(dir, FILE.held))
  const held = readHeld(layout.chunkCount, storedHeld)
  if (held !== undefined && storedNodes.length === nodes.bytes.length) {
    const entry = new ContentEntry(manifest, verifier, nodes, held)
    return { content: newContent(entry, await ContentFiles.open(dir), new Bitfield(layout.chunkCount)), rebuilt: false }
  }
  const entry = new ContentEntry(manifest, verifier, nodes)
  const checked = new Bitfield(layout.chunkCount)
  const files = await ContentFiles.open(dir)
  try {
    for (let index = 0; index < layout.chunkCount; index++) {
      if (nodes.node(0, index) === undefined) continue
      const data = await files.readChunk(layout.offset(index), layout.chunkLength(index))
      try {
        entry.record(entry.verify(index, data))
        checked.set(index)
      } catch {
        // Never stored, or damaged: it is fetched again.
      }
    }
  } finally {
    await files.close()
  }
  await replaceFile(dir, FILE.nodes, nodes.bytes)
  await replaceFile(dir, FILE.held, entry.held.bytes)
  return { content: newContent(entry, await ContentFiles.open(dir), checked), rebuilt: true }
}

/** The held bitfield read back, or undefined when its file is damaged (wrong size, spare bits set). */
function readHeld(chunkCount: number, stored: Uint8Array): Bitfield | undefined {
  try {
    return Bitfield.fromBytes(chunkCount, stored)
  } catch {
    return undefined
  }
}
