import type { ProtocolId } from '@dscs/interface'
import { bytesToHex } from '@noble/hashes/utils.js'

/** The protocol id of direct messages; its major version changes with every breaking wire change. */
export const PROTOCOL_ID: ProtocolId = '/dscs/trust-observer/1.0.0'

/** Every payload kind of this package starts with this prefix, so kinds never clash across packages. */
export const KIND_PREFIX = 'dscs.trust-observer.'

/** The kinds of the signed statements (see `proto/trust-observer.proto`). */
export const TREE_HEAD_KIND = `${KIND_PREFIX}TreeHead`
export const RECEIPT_BATCH_KIND = `${KIND_PREFIX}ReceiptBatch`
export const CONSISTENCY_KIND = `${KIND_PREFIX}Consistency`
export const COSIGNATURE_KIND = `${KIND_PREFIX}Cosignature`
export const EVIDENCE_KIND = `${KIND_PREFIX}Evidence`

/**
 * The gossip topic of one observer's log: its tree heads, the witnesses'
 * cosignatures and evidence against it. One topic per observer key, so
 * several observers share a network without mixing.
 */
export function observerTopic(observerKey: Uint8Array): string {
  return `/dscs/trust-observer/${bytesToHex(observerKey)}/1`
}

/** Most hashes in an inclusion or consistency proof: a tree of 2^53 entries needs 54. */
export const MAX_PROOF_HASHES = 64

/** Largest signed statement (TreeHead, ReceiptBatch, Consistency, Cosignature): a Consistency with a full proof takes about 2.5 KiB. */
export const MAX_STATEMENT_BYTES = 4_096

/** Longest refusal code and reason carried on the wire, in characters. */
export const MAX_CODE_LENGTH = 64
export const MAX_REASON_LENGTH = 256

/** Defaults of the observer's options. */
export const OBSERVER_DEFAULTS = {
  batchInterval: 100,
  republishInterval: 5_000,
  mergeDelay: 10_000,
  maxEntryBytes: 65_536,
  maxQueue: 100_000,
  maxQueueBytes: 64 * 1_048_576,
  maxBatch: 10_000,
  maxClockSkew: 60_000,
  maxRecent: 500_000,
  maxWaitersPerEntry: 4,
  maxRangeEntries: 256,
  maxReads: 64,
  maxReadsPerPeer: 8
} as const

/** Defaults of the client's (and witness's) options. */
export const CLIENT_DEFAULTS = {
  requestTimeout: 10_000,
  pollInterval: 15_000,
  maxOutstanding: 256,
  maxReceipts: 100_000,
  maxWatched: 10_000,
  maxIncluded: 100_000,
  maxPendingHeads: 16,
  maxStatements: 1_024,
  maxCosigned: 1_024,
  maxFutureDrift: 60_000
} as const

/** Largest direct message either way: an Entries answer of up to 1 MiB of entries, with room for framing. */
export const DEFAULT_MAX_MESSAGE_BYTES = 1_048_576 + 16_384
