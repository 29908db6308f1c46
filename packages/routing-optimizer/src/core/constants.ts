import type { ProtocolId } from '@dscs/interface'

/** The protocol id of direct messages; its major version changes with every breaking wire change. */
export const PROTOCOL_ID: ProtocolId = '/dscs/routing-optimizer/1.0.0'

/** The gossip topic of signed capacity records. */
export const CAPACITY_TOPIC = 'dscs.routing-optimizer.capacity'

/** Every payload kind of this package starts with this prefix, so kinds never clash across packages. */
export const KIND_PREFIX = 'dscs.routing-optimizer.'

/** Length of a ping nonce, in bytes. */
export const NONCE_BYTES = 16

/** Largest envelope sent or accepted: a signed Pong with an 8-dimension coordinate takes under 300 bytes. */
export const MAX_ENVELOPE_BYTES = 512

/** Largest Ping or Pong payload accepted: nonce 18 bytes, coordinate at most 2 + 2 + 64 + 18 bytes, and room for newer fields. */
export const MAX_PAYLOAD_BYTES = 160

/** Largest capacity record payload: 11 + 2 + a coordinate, and room for newer fields. */
export const MAX_CAPACITY_PAYLOAD_BYTES = 160

/** Largest upload a record may claim, bytes per second (100 GB/s): past it, a record is refused as BAD_CAPACITY. */
export const MAX_ADVERTISED_BYTES_PER_SECOND = 100e9

export const DEFAULT_TIMEOUT = 10_000
export const DEFAULT_MAX_OUTSTANDING = 64
export const DEFAULT_MAX_CLOCK_SKEW = 60_000
export const DEFAULT_MAX_SEEN_ENVELOPES = 10_000
/** Most peers measured, and most capacity records kept. */
export const DEFAULT_MAX_PEERS = 1_024
/** A connected peer is pinged every probeInterval × (number of peers) on average: one probe per interval. */
export const DEFAULT_PROBE_INTERVAL = 5_000
export const DEFAULT_ADVERTISE_INTERVAL = 60_000
/** What was last heard of a peer more than this long ago is forgotten: ten advertisement periods. */
export const DEFAULT_STALE_AFTER = 600_000
/** A relay whose reservation failed is not tried again for this long, ms. */
export const DEFAULT_RELAY_RETRY_AFTER = 30_000
