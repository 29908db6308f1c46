import type { Identity, ReplayGuard, VerificationCache } from '@dscs/identity'
import { decodePayload, type Envelope } from '@dscs/wire'
import { bytesToHex } from '@noble/hashes/utils.js'
import { MAX_RECORD_BYTES } from './constants.js'
import { TrustWotError } from './errors.js'
import { RevocationPayloadKind, StatementPayloadKind } from './messages.js'
import { openSigned, sealEnvelope } from './signed.js'

/**
 * A trust statement or revocation, decoded and checked. Its key (truster,
 * trustee, scope) names what it is about; among records with one key the
 * latest (by timestamp, then id) is the one that counts.
 */
export interface TrustRecord {
  /** The envelope hash, hex: the record's id. */
  readonly id: string
  /** The encoded envelope, as signed. */
  readonly bytes: Uint8Array
  /** The truster's (author's) public key, hex. */
  readonly truster: string
  /** The trustee's public key, hex. */
  readonly trustee: string
  /** '' for every scope. */
  readonly scope: string
  /** The envelope's timestamp, ms. */
  readonly timestamp: number
  /** 1-100 for a statement, 0 for a revocation. */
  readonly level: number
  /** When a statement lapses, ms; a revocation's timestamp. */
  readonly expires: number
}

/** What a new statement says, besides its trustee. */
export interface StatementTerms {
  /** 1-100. */
  readonly level: number
  /** '' (the default) for every scope. */
  readonly scope?: string
  /** When the statement lapses, ms since the epoch. */
  readonly expires: number
}

/** The limits a record is checked against, besides its own format. */
export interface RecordLimits {
  readonly maxLifetime: number
  readonly maxClockSkew: number
}

/** The key records supersede one another under: truster and trustee (64 hex digits each), then the scope. */
export function recordKey(record: Pick<TrustRecord, 'truster' | 'trustee' | 'scope'>): string {
  return record.truster + record.trustee + record.scope
}

/** True when `a` supersedes `b`: a later timestamp, or the same one and a greater id. */
export function supersedes(a: Pick<TrustRecord, 'timestamp' | 'id'>, b: Pick<TrustRecord, 'timestamp' | 'id'>): boolean {
  return a.timestamp > b.timestamp || (a.timestamp === b.timestamp && a.id > b.id)
}

/** Signs a statement by `identity` that it trusts `trustee` on `terms`, dated `now`. */
export function signStatement(identity: Identity, trustee: Uint8Array, terms: StatementTerms, now: number): Uint8Array {
  const payload = StatementPayloadKind.codec.encode({ trustee, level: terms.level, scope: terms.scope ?? '', expires: Math.floor(terms.expires) })
  return sealEnvelope(identity, StatementPayloadKind.name, payload, now, MAX_RECORD_BYTES)
}

/** Signs a revocation by `identity` of its trust in `trustee` for `scope`, dated `now`. */
export function signRevocation(identity: Identity, trustee: Uint8Array, scope: string, now: number): Uint8Array {
  return sealEnvelope(identity, RevocationPayloadKind.name, RevocationPayloadKind.codec.encode({ trustee, scope }), now, MAX_RECORD_BYTES)
}

/** The record an envelope of a record kind holds, with its fields checked; its signature is not. */
export function readRecord(envelope: Envelope, id: string, bytes: Uint8Array, limits: RecordLimits, now: number): TrustRecord {
  const truster = bytesToHex(envelope.author)
  const timestamp = envelope.timestamp
  if (timestamp > now + limits.maxClockSkew) throw new TrustWotError('FROM_FUTURE', `a record dated ${timestamp - now} ms ahead of this node's clock`)
  let record: TrustRecord
  switch (envelope.kind) {
    case StatementPayloadKind.name: {
      const statement = decodePayload(envelope, StatementPayloadKind)
      if (statement.expires <= timestamp || statement.expires - timestamp > limits.maxLifetime) {
        throw new TrustWotError('BAD_EXPIRY', `a statement valid for ${statement.expires - timestamp} ms; the most is ${limits.maxLifetime}`)
      }
      record = { id, bytes, truster, trustee: bytesToHex(statement.trustee), scope: statement.scope, timestamp, level: statement.level, expires: statement.expires }
      break
    }
    case RevocationPayloadKind.name: {
      const revocation = decodePayload(envelope, RevocationPayloadKind)
      record = { id, bytes, truster, trustee: bytesToHex(revocation.trustee), scope: revocation.scope, timestamp, level: 0, expires: timestamp }
      break
    }
    default:
      throw new TrustWotError('UNEXPECTED_KIND', `a trust record of kind ${JSON.stringify(envelope.kind)}`)
  }
  if (record.trustee === truster) throw new TrustWotError('SELF_TRUST', 'a record of a truster about itself')
  return record
}

export interface OpenRecordOptions {
  readonly limits: RecordLimits
  readonly now: number
  readonly cache?: VerificationCache | undefined
  /** For records fresh off a gossip topic: refuse those outside the clock-skew window or seen before. */
  readonly replay?: ReplayGuard
  /** Checks cheaper than the signature (duplicates, staleness, room); throw to stop the opening there. */
  readonly beforeSignature?: (record: TrustRecord) => void
}

/**
 * Opens untrusted record bytes, cheapest check first: size and decoding, the
 * kind and fields, the caller's checks, then the signature (or the node's
 * cached verdict). The replay window applies only when asked for: a record is
 * valid as long as it lasts, and supersession, not a seen-set, stops an old
 * one from counting again.
 */
export function openRecord(bytes: Uint8Array, options: OpenRecordOptions): TrustRecord {
  return openSigned(bytes, {
    ...options,
    maxBytes: MAX_RECORD_BYTES,
    read: (envelope, id, copy) => readRecord(envelope, id, copy, options.limits, options.now)
  })
}
