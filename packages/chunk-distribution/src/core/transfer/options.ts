import type { VerificationCache } from '@dscs/identity'
import { MAX_CHUNK_SIZE } from '../constants.js'
import { ChunkError } from '../errors.js'
import { byThroughput, type PeerSelector } from './peer-selector.js'

export interface TransferOptions {
  /** Uniform numbers in [0, 1): rarest-first ties are broken with it. Seeded in simulation. */
  readonly random: () => number
  /** Orders the peers asked for chunks. Default {@link byThroughput}. */
  readonly selector?: PeerSelector
  /** Shared signature verdicts for signed manifests. */
  readonly verificationCache?: VerificationCache
  /** Largest chunk accepted, which bounds every frame before it is parsed. Default 4 MiB. */
  readonly maxChunkSize?: number
  /** A request unanswered this long is withdrawn and asked elsewhere, ms. Default 10 s. */
  readonly requestTimeout?: number
  /** Requests in flight to a new peer. Default 4. */
  readonly initialDepth?: number
  /** Most requests in flight to one peer. Default 64. */
  readonly maxDepth?: number
  /** Most chunks of one content requested or awaiting storage at once: the memory bound of a download (times the chunk size). Default 64. */
  readonly maxOutstanding?: number
  /** In endgame, most peers asked for the same chunk. Default 2. */
  readonly endgameRequests?: number
  /** Endgame starts when at most this many chunks are missing, all of them requested. Default 4. */
  readonly endgameChunks?: number
  /** Requests of one peer served at once; more are refused as busy. Default 16. */
  readonly uploadSlotsPerPeer?: number
  /** Requests served at once over all peers. Default 64. */
  readonly uploadSlots?: number
  /** What one peer may download from this node, bytes per second sustained. Default unlimited. */
  readonly uploadBytesPerSecond?: number
  /** What one peer may download at once after a quiet spell, bytes. Default 16 MiB. */
  readonly uploadBurstBytes?: number
  /** A peer dropped for stalling is asked again after this long, ms: it may have been only slow for a while. Default 3 × requestTimeout. */
  readonly stalledRetry?: number
  /** How long a peer that answered busy is left alone, ms. Default 1 s. */
  readonly busyBackoff?: number
  /** A manifest asked for and not given is asked again of every peer after this long, ms. Default 5 s. */
  readonly manifestRetry?: number
  /** Most peers a content is exchanged with. Default 64. */
  readonly maxPeersPerContent?: number
}

export type ResolvedTransferOptions = Required<Omit<TransferOptions, 'verificationCache'>> & Pick<TransferOptions, 'verificationCache'>

export function resolveTransferOptions(options: TransferOptions): ResolvedTransferOptions {
  const requestTimeout = positive(options.requestTimeout, 10_000, 'requestTimeout')
  return {
    random: options.random,
    selector: options.selector ?? byThroughput,
    verificationCache: options.verificationCache,
    maxChunkSize: positive(options.maxChunkSize, MAX_CHUNK_SIZE, 'maxChunkSize'),
    requestTimeout,
    initialDepth: positive(options.initialDepth, 4, 'initialDepth'),
    maxDepth: positive(options.maxDepth, 64, 'maxDepth'),
    maxOutstanding: positive(options.maxOutstanding, 64, 'maxOutstanding'),
    endgameRequests: positive(options.endgameRequests, 2, 'endgameRequests'),
    endgameChunks: positive(options.endgameChunks, 4, 'endgameChunks'),
    uploadSlotsPerPeer: positive(options.uploadSlotsPerPeer, 16, 'uploadSlotsPerPeer'),
    uploadSlots: positive(options.uploadSlots, 64, 'uploadSlots'),
    uploadBytesPerSecond: positive(options.uploadBytesPerSecond, Infinity, 'uploadBytesPerSecond'),
    stalledRetry: positive(options.stalledRetry, 3 * requestTimeout, 'stalledRetry'),
    uploadBurstBytes: positive(options.uploadBurstBytes, 16 * 1024 * 1024, 'uploadBurstBytes'),
    busyBackoff: positive(options.busyBackoff, 1_000, 'busyBackoff'),
    manifestRetry: positive(options.manifestRetry, 5_000, 'manifestRetry'),
    maxPeersPerContent: positive(options.maxPeersPerContent, 64, 'maxPeersPerContent')
  }
}

/** `value`, or `fallback` when absent; `INVALID_OPTION` unless positive. */
export function positive(value: number | undefined, fallback: number, option: string): number {
  if (value === undefined) return fallback
  if (Number.isNaN(value) || value <= 0) throw new ChunkError('INVALID_OPTION', `${option} must be a positive number, got ${value}`)
  return value
}
