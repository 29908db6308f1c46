import { DscsCodedError } from '@dscs/interface'

/** Stable codes of {@link RoutingOptimizerError}. */
export type RoutingOptimizerErrorCode =
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
  /** A coordinate has the wrong dimensions, or a component, height or error out of range. */
  | 'BAD_COORDINATE'
  /** A capacity record claims an impossible upload. */
  | 'BAD_CAPACITY'
  /** A capacity record is signed by a key no peer is known by. */
  | 'UNKNOWN_AUTHOR'
  /** The node's Net lacks what the call needs (e.g. closing connections). */
  | 'NOT_SUPPORTED'
  /** An option is out of range. */
  | 'INVALID_OPTION'

/**
 * Every failure of this package that is not a failure of the envelope: those
 * are `WireError`s (size, format, kind) and `IdentityError`s (replay window,
 * replay, signature).
 */
export class RoutingOptimizerError extends DscsCodedError<RoutingOptimizerErrorCode> {}
