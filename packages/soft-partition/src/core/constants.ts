import type { ProtocolId } from '@dscs/interface'

/** The protocol id of direct messages; its major version changes with every breaking wire change. */
export const PROTOCOL_ID: ProtocolId = '/dscs/soft-partition/1.0.0'

/** Every payload kind of this package starts with this prefix, so kinds never clash across packages. */
export const KIND_PREFIX = 'dscs.soft-partition.'

/** Length of a ping nonce, in bytes. */
export const NONCE_BYTES = 16

/** Largest envelope sent or accepted: a signed Ping or Pong takes under 200 bytes. */
export const MAX_ENVELOPE_BYTES = 512

/** Largest Ping or Pong payload accepted: the nonce takes 18 bytes, and newer versions may add fields. */
export const MAX_PAYLOAD_BYTES = 64

export const DEFAULT_TIMEOUT = 10_000
export const DEFAULT_MAX_OUTSTANDING = 64
export const DEFAULT_MAX_CLOCK_SKEW = 60_000
export const DEFAULT_MAX_SEEN_ENVELOPES = 10_000
