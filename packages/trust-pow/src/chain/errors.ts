import { DscsCodedError } from '@dscs/interface'

/** Stable codes of {@link ChainError}. */
export type ChainErrorCode =
  /** A block, header, transaction or sync message is larger, or holds more entries, than the limits allow. */
  | 'TOO_LARGE'
  /** Bytes that do not decode as the message they claim to be, or a header field out of range. */
  | 'MALFORMED'
  /** A header's hash is above its target, or its target is not the one the chain demands at its height. */
  | 'INSUFFICIENT_WORK'
  | 'BAD_TARGET'
  /** A header's height is not its parent's plus one. */
  | 'BAD_HEIGHT'
  /** A timestamp too far in the future, not after the median of the previous blocks, or a transaction dated after its block. */
  | 'BAD_TIMESTAMP'
  /** The Merkle root does not commit to the block's transactions. */
  | 'BAD_MERKLE_ROOT'
  /** A transaction whose envelope does not decode or is not signed by its author. */
  | 'INVALID_TRANSACTION'
  /** A transaction already in the block, or already on the chain the block extends. */
  | 'DUPLICATE_TRANSACTION'
  /** A transaction already in the mempool or on the best chain. */
  | 'KNOWN_TRANSACTION'
  /** A stored record that does not decode or validate: the store was damaged. */
  | 'CORRUPT_STORE'
  /** The service is not running. */
  | 'NOT_RUNNING'
  /** Mining was cancelled. */
  | 'CANCELLED'
  /** An option is out of range. */
  | 'INVALID_OPTION'

/**
 * Every failure of the chain. Hostile input from a peer fails with one of
 * these (the peer is penalised with its code); envelope failures inside a
 * transaction surface as `INVALID_TRANSACTION` with the wire or identity
 * error as the cause.
 */
export class ChainError extends DscsCodedError<ChainErrorCode> {}
