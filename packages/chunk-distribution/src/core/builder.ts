import { DEFAULT_CHUNK_SIZE, HASH_BYTES, MAX_CHUNK_COUNT, MAX_CONTENT_SIZE } from './constants.js'
import { contentIdOf, type ContentHeader, type ContentId } from './content-id.js'
import { ChunkError } from './errors.js'
import { emptyRoot, leafHash } from './hash.js'
import { checkChunkSize } from './layout.js'
import { MerkleNodes, TreeShape } from './tree.js'

export interface ContentBuilderOptions {
  /** Bytes per chunk: a power of two from 16 KiB to 4 MiB. Default 256 KiB. */
  readonly chunkSize?: number
  /** Most chunks accepted; one more fails with `CONTENT_TOO_LARGE`. Default 2^32 - 1, the format's limit. */
  readonly maxChunks?: number
}

/** Finished content: its id, header and whole tree, and the last chunk when partial. */
export interface BuiltContent {
  readonly cid: ContentId
  readonly header: ContentHeader
  readonly nodes: MerkleNodes
  /** The last chunk when it is partial (and so not handed back by a push yet), else undefined. */
  readonly last: Uint8Array | undefined
}

/**
 * Splits a stream of bytes into chunks and hashes them, in bounded memory:
 * it holds one partial chunk and the leaf hashes (32 bytes per chunk, 1/8192
 * of the content at 256 KiB chunks), never the content. Feed it with
 * {@link push}, which hands back the chunks each push completes for the
 * caller to store; {@link finish} hands back the last, partial chunk with
 * the content id and tree.
 */
export class ContentBuilder {
  readonly chunkSize: number
  readonly #maxChunks: number
  #pending: Uint8Array
  #pendingLength = 0
  #leaves = new Uint8Array(64 * HASH_BYTES)
  #chunkCount = 0
  #size = 0
  #finished = false

  constructor(options: ContentBuilderOptions = {}) {
    this.chunkSize = options.chunkSize ?? DEFAULT_CHUNK_SIZE
    checkChunkSize(this.chunkSize)
    this.#maxChunks = Math.min(options.maxChunks ?? MAX_CHUNK_COUNT, MAX_CHUNK_COUNT)
    this.#pending = new Uint8Array(this.chunkSize)
  }

  /** Bytes taken so far. */
  get size(): number {
    return this.#size
  }

  /**
   * Takes the next bytes of the content; returns the chunks they complete, in
   * order. A returned chunk may be a view of `bytes` (no copy) or a buffer of
   * the builder's that it never touches again.
   */
  push(bytes: Uint8Array): Uint8Array[] {
    if (this.#finished) throw new ChunkError('WRITER_CLOSED', 'the content is finished')
    if (this.#size + bytes.length > MAX_CONTENT_SIZE) throw new ChunkError('BAD_SIZE', 'content beyond 2^53 - 1 bytes')
    const chunks: Uint8Array[] = []
    let at = 0
    while (at < bytes.length) {
      if (this.#pendingLength === 0 && bytes.length - at >= this.chunkSize) {
        chunks.push(this.#complete(bytes.subarray(at, at + this.chunkSize)))
        at += this.chunkSize
        continue
      }
      const taken = Math.min(this.chunkSize - this.#pendingLength, bytes.length - at)
      this.#pending.set(bytes.subarray(at, at + taken), this.#pendingLength)
      this.#pendingLength += taken
      at += taken
      if (this.#pendingLength === this.chunkSize) {
        chunks.push(this.#complete(this.#pending))
        this.#pending = new Uint8Array(this.chunkSize)
        this.#pendingLength = 0
      }
    }
    this.#size += bytes.length
    return chunks
  }

  /** Ends the content: hashes its last chunk and builds the tree. */
  finish(): BuiltContent {
    if (this.#finished) throw new ChunkError('WRITER_CLOSED', 'the content is finished')
    this.#finished = true
    const last = this.#pendingLength > 0 ? this.#complete(this.#pending.subarray(0, this.#pendingLength)) : undefined
    const shape = new TreeShape(this.#chunkCount)
    const nodes = MerkleNodes.fromLeaves(shape, this.#leaves)
    const root = shape.leafCount === 0 ? emptyRoot() : nodes.node(shape.levels.length - 1, 0)!
    const header: ContentHeader = { size: this.#size, chunkSize: this.chunkSize, root }
    return { cid: contentIdOf(header), header, nodes, last }
  }

  #complete(chunk: Uint8Array): Uint8Array {
    if (this.#chunkCount >= this.#maxChunks) throw new ChunkError('CONTENT_TOO_LARGE', `content of more than ${this.#maxChunks} chunks`)
    if ((this.#chunkCount + 1) * HASH_BYTES > this.#leaves.length) {
      const grown = new Uint8Array(this.#leaves.length * 2)
      grown.set(this.#leaves)
      this.#leaves = grown
    }
    this.#leaves.set(leafHash(chunk), this.#chunkCount * HASH_BYTES)
    this.#chunkCount++
    return chunk
  }
}
