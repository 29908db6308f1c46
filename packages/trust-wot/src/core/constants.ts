import type { ProtocolId } from '@dscs/interface'

/** The protocol id of direct messages; its major version changes with every breaking wire change. */
export const PROTOCOL_ID: ProtocolId = '/dscs/trust-wot/1.0.0'

/** The protocol id of friend-to-friend routing. */
export const F2F_PROTOCOL_ID: ProtocolId = '/dscs/trust-wot/f2f/1.0.0'

/** Bytes of a routed message's id. */
export const ROUTE_ID_BYTES = 16

/** Largest letter body, and the largest Routed envelope (the body sealed, signed twice, framed). */
export const MAX_LETTER_BODY_BYTES = 16 * 1024
export const MAX_ROUTED_BYTES = MAX_LETTER_BODY_BYTES + 1_024

/** The gossip topic of new trust statements and revocations. */
export const RECORDS_TOPIC = 'dscs/trust-wot/records/1'

/** Every payload kind of this package starts with this prefix, so kinds never clash across packages. */
export const KIND_PREFIX = 'dscs.trust-wot.'

/** An Ed25519 public key, a trustee's name on the wire. */
export const KEY_BYTES = 32

/** Trust levels run from 1 to this; a truster's levels share its trust out of at least this much. */
export const MAX_LEVEL = 100

/** Longest scope, in characters. */
export const MAX_SCOPE_LENGTH = 64

/** A scope: lower-case letters, digits and `._/-`, so scopes compare byte for byte. */
export const SCOPE_PATTERN = /^[a-z0-9._/-]{1,64}$/

/** Largest statement or revocation envelope: a signed one takes about 230 bytes. */
export const MAX_RECORD_BYTES = 512

/** Largest statement or revocation payload. */
export const MAX_RECORD_PAYLOAD_BYTES = 160

/** Most op ids one attestation lists, and its largest envelope. */
export const MAX_ATTESTED_OPS = 2_048
export const MAX_ATTESTATION_BYTES = MAX_ATTESTED_OPS * 34 + 1_024

/** Longest state root, in bytes: a hash, or a content id. */
export const MAX_ROOT_BYTES = 64

/** Most records in one Records message, and its largest envelope. */
export const MAX_RECORDS_PER_MESSAGE = 512
export const MAX_RECORDS_MESSAGE_BYTES = MAX_RECORDS_PER_MESSAGE * (MAX_RECORD_BYTES + 4) + 2 * MAX_ATTESTATION_BYTES

const DAY = 86_400_000

/** Protocol defaults; each is an option of the core and the service. */
export const DEFAULTS = {
  /** Longest a statement may be valid, ms: it bounds how long a superseded record must be remembered. */
  maxLifetime: 365 * DAY,
  /** Largest distance between a record's timestamp and this node's clock, ms: further in the future is refused. */
  maxClockSkew: 60_000,
  /** Most envelopes remembered to refuse replayed Records messages. */
  maxSeenEnvelopes: 10_000,
  /** Most records (statements and revocations) one truster may have at once. */
  maxRecordsPerTruster: 256,
  /** Most records by trusters this node trusts (its own viewpoint reaches them). */
  maxTrustedRecords: 500_000,
  /** Most records by trusters this node does not trust: a flood of Sybil statements fills this pool and no more. */
  maxStrangerRecords: 20_000,
  /** Records sent to a peer that connects, at most. */
  maxSyncRecords: 100_000,
  /** Versions of each domain whose attestations are kept, the latest. */
  maxVersions: 1_024,
  /** Domains whose attestations are kept. */
  maxDomains: 256,
  /** Observers whose attestations of one domain and version are kept. */
  maxObserversPerVersion: 64,
  /** Most friends a routed message passes through. */
  maxHops: 4,
  /** Routed message ids remembered, so each is passed on once. */
  maxSeenRoutes: 10_000
} as const

/** The metric's defaults (see `metric.ts`). */
export const METRIC_DEFAULTS = {
  /** Energy the viewer starts with: trust is reported as a fraction of it. */
  budget: 1_000_000_000,
  /** Percent of the energy reaching an identity that it passes on (1-50). */
  decay: 50,
  /** Steps the energy takes from the viewer at most (1-16). */
  maxDepth: 6
} as const
