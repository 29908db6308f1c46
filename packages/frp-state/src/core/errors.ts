import { DscsCodedError } from '@dscs/interface'

/** Stable codes of {@link FrpStateError}. */
export type FrpStateErrorCode =
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
  /** More HLC events within one millisecond than the counter holds. */
  | 'CLOCK_OVERFLOW'
  /** An op position given to an `OpIndex` is malformed: a key or id not 32 bytes, a time out of range. */
  | 'BAD_OP_POSITION'
  /** A reconciliation message is malformed or breaks the protocol (bounds out of order or outside the ranges left open, a bitmap of the wrong size, a message after the end). */
  | 'BAD_SYNC_MESSAGE'
  /** A reconciliation message exceeds a limit (bytes, ranges, ids) before it is parsed. */
  | 'SYNC_MESSAGE_TOO_LARGE'
  /** The peer kept a reconciliation going for more rounds than allowed. */
  | 'SYNC_TOO_LONG'
  /** `initiate()` was called on a reconciliation session that has already sent or received a message. */
  | 'SYNC_OUT_OF_ORDER'

/**
 * Every failure of this protocol that is not a failure of the envelope: those
 * are `WireError`s (size, format, kind) and `IdentityError`s (replay window,
 * replay, signature).
 */
export class FrpStateError extends DscsCodedError<FrpStateErrorCode> {}
