import type { ProtocolId } from '@dscs/interface'

/** The protocol id of direct messages (anti-entropy); its major version changes with every breaking wire change. */
export const PROTOCOL_ID: ProtocolId = '/dscs/frp-state/1.0.0'

/** Every payload kind of this package starts with this prefix, so kinds never clash across packages. */
export const KIND_PREFIX = 'dscs.frp-state.'

/** A domain name: it goes into op kinds and topic names. */
export const DOMAIN_PATTERN = /^[a-z][a-z0-9-]{0,63}$/

/** The envelope kind of the ops of `domain`: signatures never carry an op from one domain to another. */
export const opKind = (domain: string): string => `${KIND_PREFIX}op.${domain}`

/** The gossip topic of the ops of `domain`. */
export const opTopic = (domain: string): string => `dscs/frp-state/${domain}/ops`

/** Largest op payload accepted by default. */
export const DEFAULT_MAX_PAYLOAD_BYTES = 64 * 1024

/** Room an envelope needs beyond its payload: key, signature, kind, timestamps. */
export const ENVELOPE_OVERHEAD_BYTES = 512

/** Largest Sync envelope: its ops and step together. */
export const MAX_SYNC_BYTES = 4 * 1024 * 1024

/** Most ops in one Sync message; more go in the next. */
export const MAX_SYNC_OPS = 4096

/** Most anti-entropy sessions open at once, across peers. */
export const MAX_SYNC_SESSIONS = 64

/** A session with no message for this long is dropped. */
export const DEFAULT_SYNC_TIMEOUT = 30_000

/** How often this node starts anti-entropy with one of its peers, in turn, besides on connect. */
export const DEFAULT_SYNC_INTERVAL = 30_000

/** Default lateness horizon: ops older than this are refused, and the state before it is final. */
export const DEFAULT_HORIZON = 10 * 60_000

/** Default tolerance for ops timestamped ahead of this node's clock. */
export const DEFAULT_MAX_FUTURE = 10_000

export const DEFAULT_MAX_OPS = 1_000_000

/** How often the log folds final ops into the bases. */
export const DEFAULT_COMPACT_EVERY = 5_000
