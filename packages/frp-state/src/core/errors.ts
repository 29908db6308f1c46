import { DscsCodedError } from '@dscs/interface'

/** Stable codes of {@link FrpStateError}. */
export type FrpStateErrorCode =
  /** The service was not started, or has stopped. */
  | 'NOT_RUNNING'
  /** An option is out of range. */
  | 'INVALID_OPTION'
  /** A state domain name that is not 1-64 lowercase letters, digits or `-` starting with a letter: it could not go into a protocol id or topic. */
  | 'BAD_DOMAIN'
  /** More HLC events within one millisecond than the counter holds. */
  | 'CLOCK_OVERFLOW'
  /** A reducer was declared, or a base restored, after ops were applied. */
  | 'GRAPH_SEALED'
  /** Two reducers, or two Yjs documents of a state, share a name. */
  | 'DUPLICATE_NAME'
  /** A reducer name that no reducer of this state has. */
  | 'UNKNOWN_REDUCER'
  /** A computed value or source that belongs to another state. */
  | 'UNKNOWN_NODE'
  /** A computed value depends on itself. */
  | 'CYCLE'
  /** A computed value or source was declared inside a computation. */
  | 'DECLARED_IN_COMPUTATION'
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
  /** A record read back from the store (an op, a base, a Yjs update) fails its checksum, format or validation: damaged or tampered with. */
  | 'CORRUPT_STORE'
  /** A message on this protocol that is not what its kind says, or of an unknown kind. */
  | 'BAD_MESSAGE'
  /** An op position given to an `OpIndex` is malformed: a key or id not 32 bytes, a time out of range. */
  | 'BAD_OP_POSITION'
  /**
   * A sync message is malformed or breaks its protocol: a reconciliation step
   * (bounds out of order or outside the ranges left open, a bitmap of the
   * wrong size, a message after the end) or a y-protocols sync message
   * (unknown type, truncated, trailing bytes, a bad state vector).
   */
  | 'BAD_SYNC_MESSAGE'
  /** A reconciliation message exceeds a limit (bytes, ranges, ids) before it is parsed. */
  | 'SYNC_MESSAGE_TOO_LARGE'
  /** The peer kept a reconciliation going for more rounds than allowed. */
  | 'SYNC_TOO_LONG'
  /** An anti-entropy session with a peer was silent for longer than the sync timeout. */
  | 'SYNC_TIMEOUT'
  /** An anti-entropy session broke off: the peer disconnected, too many sessions were open, or the service stopped. */
  | 'SYNC_ABORTED'
  /** `initiate()` was called on a reconciliation session that has already sent or received a message. */
  | 'SYNC_OUT_OF_ORDER'
  /** A Yjs update does not decode, or refers to structs in a way Yjs cannot integrate. */
  | 'BAD_YJS_UPDATE'
  /** A Yjs update is larger than the limit set for it. */
  | 'YJS_UPDATE_TOO_LARGE'
  /** Yjs threw while applying an update that passed validation (or an observer of the doc threw). */
  | 'YJS_APPLY_FAILED'
  /** A Yjs message names another state domain or document than the one it was sent to. */
  | 'WRONG_DOC'
  /** A Yjs sync message for a document (or a domain) this node does not keep: dropped without blame, as peers keep different documents. */
  | 'UNKNOWN_DOC'
  /** A state keeps as many Yjs documents as it may (`maxDocs`). */
  | 'TOO_MANY_DOCS'
  /** An update could not be written to the store; it is not durable until a later write of the full state succeeds. */
  | 'STORE_WRITE_FAILED'

/**
 * Every failure of this protocol that is not a failure of the envelope: those
 * are `WireError`s (size, format, kind) and `IdentityError`s (replay window,
 * replay, signature).
 */
export class FrpStateError extends DscsCodedError<FrpStateErrorCode> {}
