import { DscsCodedError } from '@dscs/interface'

/** Stable codes of {@link TrustPowError}. */
export type TrustPowErrorCode =
  /** An envelope on a topic that requires a proof-of-work stamp has none, or one with fewer leading zero bits than demanded. */
  | 'INSUFFICIENT_WORK'
  /** Minting was cancelled through its `AbortSignal`. */
  | 'ABORTED'
  /** A minting worker failed or could not start. */
  | 'WORKER_FAILED'
  /** A peer's demand answer is not a valid message (a topic named twice, bits out of range). */
  | 'BAD_DEMAND'
  /** Too many demand queries await an answer. */
  | 'TOO_MANY_QUERIES'
  /** No answer arrived in time. */
  | 'TIMEOUT'
  /** A message could not be sent. */
  | 'SEND_FAILED'
  /** The service was not started, or was stopped while a query awaited its answer. */
  | 'NOT_RUNNING'
  /** The node's Net cannot check envelopes before their signatures (it has no `admit`). */
  | 'UNSUPPORTED'
  /** An option is out of range. */
  | 'INVALID_OPTION'

/**
 * Every failure of this package that is not a failure of the envelope: those
 * are `WireError`s (size, format, kind) and `IdentityError`s (replay window,
 * replay, signature).
 */
export class TrustPowError extends DscsCodedError<TrustPowErrorCode> {}
