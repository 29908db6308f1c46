import type { Bitfield } from '../core/bitfield.js'
import type { ContentId } from '../core/content-id.js'
import type { Manifest } from '../core/manifest.js'
import type { VerifiedPath } from '../core/tree.js'

/** Stores content produced here, chunked and hashed as it is written; see `put`. */
export interface ContentWriter {
  /** Takes the next bytes of the content, storing each chunk they complete. */
  write(bytes: Uint8Array): Promise<void>
  /** Ends the content and holds it, complete, under its id with a bare manifest, which it returns. */
  finish(): Promise<Manifest>
  /** Drops what was written. */
  abort(): Promise<void>
}

export interface ContentWriterOptions {
  /** Bytes per chunk: a power of two from 16 KiB to 4 MiB. Default 256 KiB. */
  readonly chunkSize?: number
}

/**
 * Chunks of content held by this peer, every one verified against its
 * content's root before it is stored: the one interface of the memory store
 * and the filesystem store. Content is known by its manifest; a download
 * starts from the manifest alone and fills in chunks as they arrive.
 *
 * Calls about content the store does not know fail with `ChunkError`
 * `UNKNOWN_CONTENT`; calls after `close` with `STORE_CLOSED`.
 */
export interface ChunkStore {
  /**
   * Knows content by its manifest from now on (to download or serve it). For
   * content known already, keeps the chunks and takes the new manifest's
   * metadata and signature. Fails with `CID_MISMATCH` for a manifest that is
   * not its id's, `CONTENT_TOO_LARGE` beyond the store's limit.
   */
  putManifest(manifest: Manifest): Promise<void>
  /** The manifest of `cid`, or undefined for content not known here. */
  manifest(cid: ContentId): Promise<Manifest | undefined>
  /** Every content known here. */
  contents(): Promise<ContentId[]>
  /** A copy of the chunks held of `cid`, or undefined for content not known here. */
  bitfield(cid: ContentId): Promise<Bitfield | undefined>
  /** True when chunk `index` of `cid` is held. */
  has(cid: ContentId, index: number): Promise<boolean>
  /**
   * The bytes of chunk `index` of `cid`, or undefined when not held. Read
   * them, never modify them: a store may hand out the bytes it keeps.
   */
  get(cid: ContentId, index: number): Promise<Uint8Array | undefined>
  /** The proof of chunk `index` of `cid` (its siblings, leaf level first), or undefined when the chunk is not held. */
  proof(cid: ContentId, index: number): Promise<Uint8Array | undefined>
  /**
   * Verifies `data` as chunk `index` of `cid` and stores it; resolves to false
   * when the chunk was held already. Without `proof`, the siblings must be
   * known here (from the proofs of chunks stored before). A `VerifiedPath`
   * that a `ChunkVerifier` returned for these very bytes spares hashing them
   * again. Fails with a `ChunkError`, storing nothing: `BAD_INDEX`,
   * `BAD_LENGTH`, `BAD_PROOF`, `HASH_MISMATCH`, `PROOF_REQUIRED`. A store
   * may keep `data` itself (zero-copy): do not modify it after the call.
   */
  put(cid: ContentId, index: number, data: Uint8Array, proof?: Uint8Array | VerifiedPath): Promise<boolean>
  /** Resolves once chunk `index` of `cid` is held; fails with `ABORTED` when `signal` aborts, `STORE_CLOSED` on close. */
  whenHeld(cid: ContentId, index: number, signal?: AbortSignal): Promise<void>
  /** Starts storing content produced here. */
  createWriter(options?: ContentWriterOptions): ContentWriter
  /** Resolves once everything stored so far is durable. */
  flush(): Promise<void>
  /** Flushes, then releases the store; waiting calls fail with `STORE_CLOSED`. */
  close(): Promise<void>
}

/** Options every chunk store takes. */
export interface ChunkStoreOptions {
  /**
   * Most chunks of one content accepted, which bounds what a hostile manifest
   * makes the store allocate: 64 bytes of tree per chunk. Default 2^20 (256 GiB
   * of content at 256 KiB chunks, a 64 MiB tree).
   */
  readonly maxChunks?: number
}
