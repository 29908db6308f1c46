import { createReadStream } from 'node:fs'
import { DEFAULT_CHUNK_SIZE } from '../core/constants.js'
import { put, type PutOptions, type PutResult } from '../put.js'
import type { ChunkStore } from '../store/chunk-store.js'
import { io } from './io.js'

/** Puts the file at `path` into `store`, streaming it a chunk at a time; see `put`. */
export async function putFile(store: ChunkStore, path: string, options: PutOptions = {}): Promise<PutResult> {
  const stream = createReadStream(path, { highWaterMark: options.chunkSize ?? DEFAULT_CHUNK_SIZE })
  return await io(`reading ${path}`, () => put(store, stream as AsyncIterable<Uint8Array>, options))
}
