import type { ProtocolId } from '@dscs/interface'
import { checkDomain } from '../core/constants.js'
import { FrpStateError } from '../core/errors.js'

/**
 * The protocol id of the y-protocols sync messages of the documents of
 * `domain` between two peers: one per domain, like the ops' protocol. Its
 * version changes with every breaking wire change.
 */
export const yjsProtocol = (domain: string): ProtocolId => `/dscs/frp-state/${checkDomain(domain)}/yjs/1.0.0`

/** Largest envelope sent or accepted by default: the default frame limit of `@dscs/net`, which no larger message could cross. */
export const DEFAULT_MAX_YJS_ENVELOPE_BYTES = 1024 * 1024

/** Largest Yjs update applied by default: an envelope's worth. */
export const DEFAULT_MAX_YJS_UPDATE_BYTES = DEFAULT_MAX_YJS_ENVELOPE_BYTES

/** Default replay window of Yjs envelopes, ms either side of the receiver's clock. */
export const DEFAULT_YJS_MAX_CLOCK_SKEW = 60_000

/** Default number of Yjs envelopes remembered to refuse replays. */
export const DEFAULT_YJS_MAX_SEEN_ENVELOPES = 10_000

/** Default number of peers remembered as already sent this core's sync step 1. */
export const DEFAULT_YJS_MAX_PEERS = 1_024

/** Default least time between two sync step 1s to a peer whose step 2 is awaited, ms. */
export const DEFAULT_YJS_RESYNC_INTERVAL = 5_000

/** Default number of documents one state keeps in sync: each is a topic to join and a step 1 to send every peer that connects. */
export const DEFAULT_MAX_YJS_DOCS = 256

/** Default number of stored records after which the update log compacts them into one. */
export const DEFAULT_COMPACT_AFTER = 1_000

// Letters, digits, `.`, `_`, `-`: a name can sit in a topic or a store key without escaping, and never contains the `/` separator.
const NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/

/** The topic live updates of document `doc` in state domain `domain` are published on. */
export function yjsTopic(domain: string, doc: string): string {
  return `dscs/frp-state/${checkDomain(domain)}/yjs/${checkDocName(doc)}`
}

/** Returns `name` if it is a valid document name, else throws INVALID_OPTION. */
export function checkDocName(name: string): string {
  if (!NAME_PATTERN.test(name)) {
    throw new FrpStateError('INVALID_OPTION', `doc ${JSON.stringify(name)} must be 1-64 letters, digits, '.', '_' or '-', starting with a letter or digit`)
  }
  return name
}
