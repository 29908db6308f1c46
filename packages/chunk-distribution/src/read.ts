import type { ContentId } from './core/content-id.js'
import { contentKey } from './core/content-id.js'
import { ChunkError } from './core/errors.js'
import { ContentLayout } from './core/layout.js'
import type { ChunkStore } from './store/chunk-store.js'

export interface ReadOptions {
  /** The first byte to read. Default 0. */
  readonly offset?: number
  /** How many bytes to read. Default: to the end of the content. */
  readonly length?: number
  /** Stops the read: the pending wait fails with `ChunkError` `ABORTED`. */
  readonly signal?: AbortSignal
}

/**
 * Bytes [offset, offset + length) of content `cid` from `store`, in order,
 * one piece per covering chunk, each yielded as soon as its chunk is held
 * (verified) — waiting for chunks still to come, so a read can run alongside
 * the download that fills the store. Holds one chunk at a time. The pieces
 * may be the store's own bytes: read them, copy them to modify them. Fails with
 * `UNKNOWN_CONTENT` when the store has no manifest of `cid`, `BAD_RANGE` for
 * a range outside the content.
 */
export async function* read(store: ChunkStore, cid: ContentId, options: ReadOptions = {}): AsyncGenerator<Uint8Array, void, undefined> {
  const manifest = await store.manifest(cid)
  if (manifest === undefined) throw new ChunkError('UNKNOWN_CONTENT', `no manifest of ${contentKey(cid)} in the store`)
  const layout = new ContentLayout(manifest.size, manifest.chunkSize)
  const offset = options.offset ?? 0
  const length = options.length ?? layout.size - offset
  if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(length) || offset < 0 || length < 0 || offset + length > layout.size) {
    throw new ChunkError('BAD_RANGE', `bytes ${offset} to ${offset + length} of content of ${layout.size} bytes`)
  }
  if (length === 0) return
  const { first, last } = layout.covering(offset, length)
  for (let index = first; index <= last; index++) {
    const chunk = await heldChunk(store, cid, index, options.signal)
    const start = layout.offset(index)
    yield chunk.subarray(Math.max(offset - start, 0), Math.min(offset + length - start, chunk.length))
  }
}

/** Chunk `index`, once held; waits again should it vanish on the way (a stored chunk that failed its re-check). */
async function heldChunk(store: ChunkStore, cid: ContentId, index: number, signal: AbortSignal | undefined): Promise<Uint8Array> {
  for (;;) {
    const chunk = await store.get(cid, index)
    if (chunk !== undefined) return chunk
    await store.whenHeld(cid, index, signal)
  }
}
