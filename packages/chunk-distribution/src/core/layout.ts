import { MAX_CHUNK_COUNT, MAX_CHUNK_SIZE, MAX_CONTENT_SIZE, MIN_CHUNK_SIZE } from './constants.js'
import { ChunkError } from './errors.js'

/** Refuses a chunk size that is not a power of two from 16 KiB to 4 MiB. */
export function checkChunkSize(chunkSize: number): void {
  const powerOfTwo = Number.isInteger(chunkSize) && chunkSize > 0 && (chunkSize & (chunkSize - 1)) === 0
  if (!powerOfTwo || chunkSize < MIN_CHUNK_SIZE || chunkSize > MAX_CHUNK_SIZE) {
    throw new ChunkError('BAD_CHUNK_SIZE', `chunk size ${chunkSize}: a power of two from ${MIN_CHUNK_SIZE} to ${MAX_CHUNK_SIZE} bytes is required`)
  }
}

/**
 * How content of `size` bytes splits into chunks of `chunkSize`: chunk i
 * covers bytes [i × chunkSize, min((i + 1) × chunkSize, size)), so every
 * chunk but the last is full and the last holds the rest (1 to chunkSize
 * bytes). Empty content has no chunks.
 */
export class ContentLayout {
  readonly size: number
  readonly chunkSize: number
  readonly chunkCount: number

  constructor(size: number, chunkSize: number) {
    checkChunkSize(chunkSize)
    if (!Number.isSafeInteger(size) || size < 0 || size > MAX_CONTENT_SIZE) {
      throw new ChunkError('BAD_SIZE', `content size ${size}: an integer from 0 to 2^53 - 1 is required`)
    }
    const chunkCount = Math.ceil(size / chunkSize)
    if (chunkCount > MAX_CHUNK_COUNT) {
      throw new ChunkError('BAD_SIZE', `${size} bytes make ${chunkCount} chunks of ${chunkSize}; at most ${MAX_CHUNK_COUNT} are allowed`)
    }
    this.size = size
    this.chunkSize = chunkSize
    this.chunkCount = chunkCount
  }

  /** Refuses an index that names no chunk of this content. */
  checkIndex(index: number): void {
    if (!Number.isInteger(index) || index < 0 || index >= this.chunkCount) {
      throw new ChunkError('BAD_INDEX', `chunk ${index} of content with ${this.chunkCount} chunks`)
    }
  }

  /** The byte offset of chunk `index` in the content. */
  offset(index: number): number {
    return index * this.chunkSize
  }

  /** The length of chunk `index`: `chunkSize`, except for a last partial chunk. */
  chunkLength(index: number): number {
    return Math.min(this.chunkSize, this.size - index * this.chunkSize)
  }

  /** The indices of the first and last chunk covering bytes [offset, offset + length), a non-empty range inside the content. */
  covering(offset: number, length: number): { readonly first: number; readonly last: number } {
    return { first: Math.floor(offset / this.chunkSize), last: Math.floor((offset + length - 1) / this.chunkSize) }
  }
}
