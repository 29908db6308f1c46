import { basename } from 'node:path'
import { FsChunkStore, contentKey, putFile } from '@dscs/chunk-distribution'
import { checkFile, chunkDirectory } from '../content.js'
import type { Output } from '../output.js'

export interface PutCommandOptions {
  readonly data: string
  readonly chunkSize?: number
}

/**
 * `dscs put <file>`: chunks and hashes the file into the data directory's
 * chunk store, where `dscs seed` serves it, and prints its content id. No
 * network: the id depends on the bytes (and the chunk size) alone.
 */
export async function runPut(file: string, options: PutCommandOptions, out: Output): Promise<void> {
  await checkFile(file)
  const store = await FsChunkStore.open(chunkDirectory(options.data))
  try {
    const { cid, manifest } = await putFile(store, file, { name: basename(file), ...(options.chunkSize === undefined ? {} : { chunkSize: options.chunkSize }) })
    const chunks = Math.ceil(manifest.size / manifest.chunkSize)
    out.event('put', { cid: contentKey(cid), size: manifest.size, chunks, chunkSize: manifest.chunkSize }, contentKey(cid))
  } finally {
    await store.close()
  }
}
