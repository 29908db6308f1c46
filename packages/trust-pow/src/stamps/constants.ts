import type { ProtocolId } from '@dscs/interface'

/** The protocol id of stamp demand queries; its major version changes with every breaking wire change. */
export const STAMPS_PROTOCOL_ID: ProtocolId = '/dscs/trust-pow/stamps/1.0.0'

/** Every payload kind of this package starts with this prefix, so kinds never clash across packages. */
export const KIND_PREFIX = 'dscs.trust-pow.'

/** Length of a demand query's nonce, in bytes. */
export const QUERY_NONCE_BYTES = 16

/** Most topics a node requires stamps on, and so names in one answer. */
export const MAX_STAMPED_TOPICS = 64

/** Longest topic name in an answer, in UTF-16 units. */
export const MAX_TOPIC_LENGTH = 200

/** Largest demand payload accepted: 64 topics of 200 characters and their bits take under 14 KiB. */
export const MAX_DEMAND_PAYLOAD_BYTES = 16_384

/** Largest envelope sent or accepted on the demand protocol: the payload and the envelope's own fields. */
export const MAX_ENVELOPE_BYTES = MAX_DEMAND_PAYLOAD_BYTES + 512

export const DEFAULT_TIMEOUT = 10_000
export const DEFAULT_MAX_OUTSTANDING = 64
export const DEFAULT_MAX_CLOCK_SKEW = 60_000
export const DEFAULT_MAX_SEEN_ENVELOPES = 10_000
export const DEFAULT_RAISE_BITS = 4
export const DEFAULT_LOAD_THRESHOLD = 200
