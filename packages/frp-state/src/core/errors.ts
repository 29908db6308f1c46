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
  /** A y-protocols sync message is malformed: unknown type, truncated, trailing bytes or a bad state vector. */
  | 'BAD_SYNC_MESSAGE'
  /** A Yjs update does not decode, or refers to structs in a way Yjs cannot integrate. */
  | 'BAD_YJS_UPDATE'
  /** A Yjs update is larger than the limit set for it. */
  | 'YJS_UPDATE_TOO_LARGE'
  /** Yjs threw while applying an update that passed validation (or an observer of the doc threw). */
  | 'YJS_APPLY_FAILED'
  /** A Yjs message names another state domain or document than the one it was sent to. */
  | 'WRONG_DOC'
  /** A stored Yjs record fails its checksum, its format or its validation: the store was damaged or tampered with. */
  | 'CORRUPT_RECORD'
  /** An update could not be written to the store; it is not durable until a later write of the full state succeeds. */
  | 'STORE_WRITE_FAILED'

/**
 * Every failure of this protocol that is not a failure of the envelope: those
 * are `WireError`s (size, format, kind) and `IdentityError`s (replay window,
 * replay, signature).
 */
export class FrpStateError extends DscsCodedError<FrpStateErrorCode> {}
