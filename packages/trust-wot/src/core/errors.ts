import { DscsCodedError } from '@dscs/interface'

/** Stable codes of {@link TrustWotError}. */
export type TrustWotErrorCode =
  /** A record's fields are out of range: a key of the wrong length, a level outside 1-100, a bad scope. */
  | 'BAD_RECORD'
  /** A statement's expiry is not after its timestamp, or further than the maximum lifetime. */
  | 'BAD_EXPIRY'
  /** An attestation that lists ops whose op-set root is not its state root. */
  | 'BAD_ROOT'
  /** A record dated further in the future than the clock skew allows. */
  | 'FROM_FUTURE'
  /** A truster states trust in itself: it adds nothing and would only cycle. */
  | 'SELF_TRUST'
  /** A record of this node's own that an earlier call already superseded (same trustee and scope, as late or later). */
  | 'SUPERSEDED'
  /** A truster already has the most records allowed. */
  | 'TOO_MANY_RECORDS'
  /** A message carries more records, or more bytes, than allowed. */
  | 'TOO_LARGE'
  /** A record of a kind this topic or message does not carry. */
  | 'UNEXPECTED_KIND'
  /** A stored record that does not decode or hash to its key: the store was damaged. */
  | 'CORRUPT_STORE'
  /** A snapshot's attested root is not a content id, or its content is larger than allowed. */
  | 'BAD_SNAPSHOT'
  /** A wait was given up. */
  | 'ABORTED'
  /** A routed message from a peer that is no friend of this node, or signed by another than the peer. */
  | 'NOT_FRIEND'
  /** No connected friend leads to the recipient within the hops allowed. */
  | 'NO_ROUTE'
  /** The service is not running. */
  | 'NOT_RUNNING'
  /** An option or argument is out of range. */
  | 'INVALID_OPTION'

/**
 * Every failure of this protocol that is not a failure of the envelope: those
 * are `WireError`s (size, format, kind) and `IdentityError`s (replay window,
 * replay, signature).
 */
export class TrustWotError extends DscsCodedError<TrustWotErrorCode> {}
