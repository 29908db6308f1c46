/**
 * @packageDocumentation
 *
 * Content split into verified chunks, served by many peers at once.
 *
 * Content addressing, chunk storage, and the transfer protocol on
 * `/dscs/chunks/1.0.0` that downloads from many peers at once.
 *
 * - Content is split into fixed-size chunks (default 256 KiB) hashed into a
 *   binary Merkle tree of SHA-256; its {@link ContentId} is a CIDv1 over the
 *   content's header (size, chunk size, root).
 * - Every chunk verifies on its own against the root with its proof (the
 *   sibling hashes on its path): {@link ChunkVerifier}, {@link verifyChunk}.
 * - A {@link Manifest} describes content, optionally signed by its publisher
 *   as a DSCS envelope: {@link createManifest}, {@link decodeManifest}.
 * - A {@link ChunkStore} holds verified chunks only: {@link MemoryChunkStore}
 *   here, `FsChunkStore` (resumable downloads on disk) in the Node entry.
 * - {@link put} stores content streaming; {@link read} streams a byte range
 *   out, waiting for chunks still to arrive.
 * - {@link TransferCore} is the transfer protocol as a sans-I/O core;
 *   {@link chunkDistribution} runs it as a libp2p service with `publish`,
 *   `fetch`, `seed` and `read`.
 * - {@link DiscoveryCore} finds the holders of a download beyond the
 *   connected peers: signed announcements on {@link ANNOUNCE_TOPIC}, and the
 *   service adds kad-dht provider records when the node runs a DHT.
 *
 * @example
 * ```ts
 * import { MemoryChunkStore, put, read, decodeManifest, encodeManifest } from '@dscs/chunk-distribution'
 *
 * const seeder = new MemoryChunkStore()
 * const { cid, manifest } = await put(seeder, new TextEncoder().encode('hello, chunks'), { name: 'hello.txt' })
 *
 * // Another peer learns the manifest, checks it against the id, then takes chunks with their proofs.
 * const leecher = new MemoryChunkStore()
 * await leecher.putManifest(decodeManifest(encodeManifest(manifest), { expected: cid }))
 * await leecher.put(cid, 0, (await seeder.get(cid, 0))!, await seeder.proof(cid, 0))
 * for await (const bytes of read(leecher, cid)) console.log(new TextDecoder().decode(bytes))
 * ```
 */
import { protocolService } from '@dscs/net'
import { ChunkDistributionService, type ChunkDistribution, type ChunkDistributionInit } from './service.js'

export {
  PROTOCOL_ID,
  KIND_PREFIX,
  HASH_BYTES,
  DEFAULT_CHUNK_SIZE,
  MIN_CHUNK_SIZE,
  MAX_CHUNK_SIZE,
  MAX_CHUNK_COUNT,
  CHUNKS_CODEC,
  SHA2_256_CODE,
  TRANSFER_BUDGET,
  ANNOUNCE_TOPIC
} from './core/constants.js'
export { ChunkError } from './core/errors.js'
export type { ChunkErrorCode } from './core/errors.js'
export { nobleSha256, setSha256Backend, leafHash, nodeHash } from './core/hash.js'
export type { Sha256Backend } from './core/hash.js'
export { ContentLayout, checkChunkSize } from './core/layout.js'
export { TreeShape, MerkleNodes } from './core/tree.js'
export type { VerifiedPath } from './core/tree.js'
export { ChunkVerifier, verifyChunk } from './core/verify.js'
export { Bitfield } from './core/bitfield.js'
export { HEADER_BYTES, encodeHeader, contentIdOf, checkContentId, parseContentId, contentKey } from './core/content-id.js'
export type { ContentHeader, ContentId } from './core/content-id.js'
export { ManifestPayload, createManifest, encodeManifest, decodeManifest } from './core/manifest.js'
export type { Manifest, ManifestMetadata, ManifestSigner, DecodeManifestOptions } from './core/manifest.js'
export { ContentBuilder } from './core/builder.js'
export type { ContentBuilderOptions, BuiltContent } from './core/builder.js'
export { encodeTransferMessage, encodeTransferParts, decodeTransferMessage } from './core/messages.js'
export type { TransferMessage, TransferLimits, RejectReason } from './core/messages.js'
export type { ChunkStore, ChunkStoreOptions, ContentWriter, ContentWriterOptions } from './store/chunk-store.js'
export { MemoryChunkStore } from './store/memory-store.js'
export { put } from './put.js'
export type { ContentSource, PutOptions, PutResult } from './put.js'
export { read } from './read.js'
export { TransferCore } from './core/transfer/core.js'
export type { HeldContent } from './core/transfer/core.js'
export type { TransferEvent, DropReason } from './core/transfer/events.js'
export type { TransferOptions } from './core/transfer/options.js'
export type { SessionProgress } from './core/transfer/session.js'
export { byThroughput } from './core/transfer/peer-selector.js'
export type { PeerSelector, PeerCandidate, PeerObservation } from './core/transfer/peer-selector.js'
export type { ReadOptions } from './read.js'
export { ChunkDistributionService } from './service.js'
export type { ChunkDistribution, ChunkDistributionInit, ChunkDistributionComponents, ChunkDistributionEvent, FetchOptions } from './service.js'
export type { TransferProgress } from './progress.js'
export { AnnouncementPayload, createAnnouncement, openAnnouncement } from './core/announcement.js'
export type { Announcement, ReceivedAnnouncement } from './core/announcement.js'
export { DiscoveryCore } from './core/discovery/core.js'
export type { DiscoveryEvent, ProviderSource } from './core/discovery/core.js'
export type { DiscoveryOptions, DiscoveryLimits } from './core/discovery/options.js'
export type { DiscoveryInit } from './discovery.js'

/**
 * The libp2p service factory: `createNode({ services: { chunks: chunkDistribution(init) } })`,
 * after which `node.libp2p.services.chunks` is the {@link ChunkDistribution}.
 */
export function chunkDistribution(init: ChunkDistributionInit = {}): (components: object) => ChunkDistribution {
  return protocolService((context) => new ChunkDistributionService(context, init))
}
