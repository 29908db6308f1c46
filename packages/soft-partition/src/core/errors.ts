import { DscsCodedError } from '@dscs/interface'

/** Stable codes of {@link SoftPartitionError}. */
export type SoftPartitionErrorCode =
  /** A Ping or Pong nonce is not 16 bytes long. */
  | 'BAD_NONCE'
  /** A ping was asked for while `maxOutstanding` pings await an answer. */
  | 'TOO_MANY_PINGS'
  /** No pong arrived within `timeout`. */
  | 'TIMEOUT'
  /** The ping could not be sent. */
  | 'SEND_FAILED'
  /** The service was not started, or was stopped while the ping awaited its answer. */
  | 'NOT_RUNNING'
  /** An option is out of range. */
  | 'INVALID_OPTION'

/**
 * Every failure of this protocol that is not a failure of the envelope: those
 * are `WireError`s (size, format, kind) and `IdentityError`s (replay window,
 * replay, signature).
 */
export class SoftPartitionError extends DscsCodedError<SoftPartitionErrorCode> {}
