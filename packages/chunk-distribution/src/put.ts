import type { ContentId } from './core/content-id.js'
import { ChunkError } from './core/errors.js'
import { createManifest, type Manifest, type ManifestMetadata, type ManifestSigner } from './core/manifest.js'
import type { ChunkStore } from './store/chunk-store.js'

/** Content to put: bytes, a Blob (a browser File), or a stream of byte pieces of any sizes. */
export type ContentSource = Uint8Array | Blob | Iterable<Uint8Array> | AsyncIterable<Uint8Array>

export interface PutOptions extends ManifestMetadata {
  /** Bytes per chunk: a power of two from 16 KiB to 4 MiB. Default 256 KiB. */
  readonly chunkSize?: number
  /** Signs the manifest as its publisher. */
  readonly publisher?: ManifestSigner
  /** Stops the put: nothing of it stays in the store, and it fails with `ChunkError` `ABORTED`. */
  readonly signal?: AbortSignal
}

export interface PutResult {
  readonly cid: ContentId
  readonly manifest: Manifest
}

/**
 * Chunks, hashes and stores `source` in `store`, streaming: memory holds one
 * chunk being filled and the leaf hashes (32 bytes a chunk), never the whole
 * content (unless `source` is itself one array of bytes). Resolves to the
 * content id and the manifest, signed when `publisher` is given.
 */
export async function put(store: ChunkStore, source: ContentSource, options: PutOptions = {}): Promise<PutResult> {
  const writer = store.createWriter(options.chunkSize === undefined ? {} : { chunkSize: options.chunkSize })
  let bare: Manifest
  try {
    for await (const bytes of piecesOf(source)) {
      if (options.signal?.aborted) throw new ChunkError('ABORTED', 'the put was aborted', { cause: options.signal.reason })
      await writer.write(bytes)
    }
    bare = await writer.finish()
  } catch (err) {
    await writer.abort()
    throw err
  }
  const { name, mime, publisher } = options
  if (name === undefined && mime === undefined && publisher === undefined) return { cid: bare.cid, manifest: bare }
  const manifest = createManifest(bare, { ...(name === undefined ? {} : { name }), ...(mime === undefined ? {} : { mime }) }, publisher)
  await store.putManifest(manifest)
  return { cid: manifest.cid, manifest }
}

// Bytes given whole go to the store a slice at a time, so a store can write one slice while the next is hashed.
const SLICE_BYTES = 1024 * 1024

async function* piecesOf(source: ContentSource): AsyncGenerator<Uint8Array, void, undefined> {
  if (source instanceof Uint8Array) {
    for (let at = 0; at < source.length; at += SLICE_BYTES) yield source.subarray(at, at + SLICE_BYTES)
  } else if (source instanceof Blob) {
    const reader = source.stream().getReader()
    try {
      for (let step = await reader.read(); !step.done; step = await reader.read()) yield step.value
    } finally {
      reader.releaseLock()
    }
  } else {
    yield* source
  }
}
