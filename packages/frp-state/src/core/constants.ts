import type { ProtocolId } from '@dscs/interface'
import { FrpStateError } from './errors.js'

/** Every payload kind of this package starts with this prefix, so kinds never clash across packages. */
export const KIND_PREFIX = 'dscs.frp-state.'

/** A domain name: it goes into protocol ids, topics, op kinds and store keys, so it needs no escaping and holds no `/`. */
export const DOMAIN_PATTERN = /^[a-z][a-z0-9-]{0,63}$/

/** Returns `domain` if it is a valid domain name (1-64 lowercase letters, digits or `-`, starting with a letter), else throws `BAD_DOMAIN`. */
export function checkDomain(domain: string): string {
  if (!DOMAIN_PATTERN.test(domain)) {
    throw new FrpStateError('BAD_DOMAIN', `domain ${JSON.stringify(domain)}: a domain name is 1 to 64 lowercase letters, digits or '-', starting with a letter`)
  }
  return domain
}

/**
 * The protocol id of the direct messages (anti-entropy) of `domain`: each
 * domain has its own, so one node runs a service per domain and a peer is
 * only ever asked about the domains it runs. The version changes with every
 * breaking wire change.
 */
export const opProtocol = (domain: string): ProtocolId => `/dscs/frp-state/${checkDomain(domain)}/1.0.0`

/** The envelope kind of the ops of `domain`: signatures never carry an op from one domain to another. */
export const opKind = (domain: string): string => `${KIND_PREFIX}op.${domain}`

/** The gossip topic of the ops of `domain`. */
export const opTopic = (domain: string): string => `dscs/frp-state/${checkDomain(domain)}/ops`

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
