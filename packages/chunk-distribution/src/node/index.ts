/**
 * @packageDocumentation
 *
 * The Node entry of @dscs/chunk-distribution: everything the portable entry
 * offers, with SHA-256 on node:crypto (several times faster on chunks than
 * the JavaScript default), plus {@link FsChunkStore}, the chunk store on
 * disk whose downloads resume after a restart, and {@link putFile}. Node
 * picks this entry automatically through the `node` export condition.
 *
 * @example
 * ```ts
 * import { FsChunkStore, putFile, read } from '@dscs/chunk-distribution'
 *
 * const store = await FsChunkStore.open('./data/chunks')
 * const { cid } = await putFile(store, './video.mp4', { mime: 'video/mp4' })
 * for await (const bytes of read(store, cid, { offset: 1_000_000, length: 65_536 })) process.stdout.write(bytes)
 * await store.close()
 * ```
 */
import { join } from 'node:path'
import { chunkDistribution as portableChunkDistribution } from '../index.js'
import type { ChunkDistribution, ChunkDistributionInit } from '../service.js'
import { setSha256Backend } from '../core/hash.js'
import { FsChunkStore } from './fs-store.js'
import { nativeSha256 } from './native-sha256.js'

setSha256Backend(nativeSha256)

export * from '../index.js'
export { nativeSha256 } from './native-sha256.js'
export { FsChunkStore } from './fs-store.js'
export type { FsChunkStoreOptions, FsLoadReport } from './fs-store.js'
export { putFile } from './put-file.js'

/** Options of the service in Node: a `directory` holds the chunks on disk, where downloads resume after a restart. */
export interface NodeChunkDistributionInit extends ChunkDistributionInit {
  /** Where an `FsChunkStore` keeps the chunks, e.g. `join(node.dataDir, 'chunks')`; ignored when `store` is given. */
  readonly directory?: string
}

/** The libp2p service factory, with the chunks on disk under `directory` when one is given (in memory otherwise). */
export function chunkDistribution(init: NodeChunkDistributionInit = {}): (components: object) => ChunkDistribution {
  const { directory, ...rest } = init
  if (directory === undefined || rest.store !== undefined) return portableChunkDistribution(rest)
  return portableChunkDistribution({ ...rest, store: () => FsChunkStore.open(join(directory)) })
}
