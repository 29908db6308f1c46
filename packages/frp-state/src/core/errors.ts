import { DscsCodedError } from '@dscs/interface'

/** Stable codes of {@link FrpStateError}. */
export type FrpStateErrorCode =
  /** The service was not started, or has stopped. */
  | 'NOT_RUNNING'
  /** An option is out of range. */
  | 'INVALID_OPTION'
  /** More HLC events within one millisecond than the counter holds. */
  | 'CLOCK_OVERFLOW'
  /** A reducer was declared, or a base restored, after ops were applied. */
  | 'GRAPH_SEALED'
  /** Two reducers share a name. */
  | 'DUPLICATE_NAME'
  /** A reducer name that no reducer of this state has. */
  | 'UNKNOWN_REDUCER'
  /** A computed value or source that belongs to another state. */
  | 'UNKNOWN_NODE'
  /** A computed value depends on itself. */
  | 'CYCLE'
  /** An op payload the application's codec refused. */
  | 'BAD_PAYLOAD'
  /** An op that is held already. */
  | 'DUPLICATE_OP'
  /** An op older than the lateness horizon (or than the final floor): too late to integrate. */
  | 'BEYOND_HORIZON'
  /** An op timestamped further ahead of this node's clock than the allowed skew. */
  | 'FROM_FUTURE'
  /** The op log holds the most ops allowed. */
  | 'LOG_FULL'
  /** The trust policy refused the op. */
  | 'TRUST_REJECTED'
  /** A record read back from the store is damaged. */
  | 'CORRUPT_STORE'
  /** A message on this protocol that is not what its kind says, or of an unknown kind. */
  | 'BAD_MESSAGE'

/**
 * Every failure of this protocol that is not a failure of the envelope: those
 * are `WireError`s (size, format, kind) and `IdentityError`s (replay window,
 * replay, signature).
 */
export class FrpStateError extends DscsCodedError<FrpStateErrorCode> {}
