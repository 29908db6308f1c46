// Protocol constants of range-based reconciliation: both peers must agree on these, so they are not options.

/** The first byte of every reconciliation message; a new wire format gets a new number. */
export const SYNC_VERSION = 1

/** Largest reconciliation message accepted or sent, checked before parsing. */
export const MAX_SYNC_MESSAGE_BYTES = 256 * 1024

/** Most ranges in one message: bounds the fingerprints a peer can make us compute per round. */
export const MAX_SYNC_RANGES = 16_384

/** Most ids in one listed range; a peer's `listThreshold` can be at most this. */
export const MAX_LISTED_IDS = 256

/** Bytes of an op id sent in a list: 64 bits, so matching a given op by chance or by grinding ids is out of reach. */
export const ID_PREFIX_BYTES = 8

/** Bytes of a range fingerprint on the wire. */
export const FINGERPRINT_BYTES = 16

/** Default number of sub-ranges a differing range is split into; tuned with bench/reconcile.bench.ts. */
export const DEFAULT_BRANCHING = 16

/** Default: a differing range holding at most this many of our ops is sent as their ids (256 bytes at most) instead of being split (16 fingerprints, about 320 bytes). */
export const DEFAULT_LIST_THRESHOLD = 32

/**
 * Default most messages accepted from the peer in one session. An honest
 * session takes about log16(n) + 3 messages each way, plus about one each way
 * per 2,000 divergent ops once the summaries outgrow a message (256 KiB):
 * 40,000 divergent ops beside 500,000 shared took 22 each way. A session cut
 * short has still found part of the difference, so the next starts from a
 * smaller gap.
 */
export const DEFAULT_MAX_ROUNDS = 64
