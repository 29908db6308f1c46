import { DscsCodedError } from '@dscs/interface'

/** Stable codes of {@link NetError}. */
export type NetErrorCode =
  /** An option is missing or out of range. */
  | 'INVALID_OPTION'
  /** The node is stopped or stopping. */
  | 'NOT_RUNNING'
  /** A direct message could not be delivered to the peer. */
  | 'SEND_FAILED'
  /** A protocol already has a handler, or a topic a subscriber. */
  | 'ALREADY_REGISTERED'
  /** The data directory cannot be used. */
  | 'DATA_DIR'
  /** A peer could not be dialled: a bad peer id, no usable address, or the connection failed. */
  | 'DIAL_FAILED'

export class NetError extends DscsCodedError<NetErrorCode> {}
