import { DscsCodedError } from '@dscs/interface'

/** Stable codes of {@link NetsimError}. */
export type NetsimErrorCode =
  /** `send` to a peer this peer has no open connection to (unknown, never connected, partitioned away or crashed). */
  | 'NOT_CONNECTED'
  /** A peer reference that names no peer of this simulation. */
  | 'UNKNOWN_PEER'
  /** A peer id given twice. */
  | 'DUPLICATE_PEER'
  /** `handle` for a protocol that already has a handler, or `subscribe` to a topic already subscribed, on this peer. */
  | 'HANDLER_EXISTS'
  /** A fault or option outside its domain: negative latency, a probability above 1, a peer in two groups. */
  | 'INVALID_ARGUMENT'
  /** Something scheduled before the current virtual time. */
  | 'TIME_IN_PAST'
  /** `run` called while a run is in progress. */
  | 'ALREADY_RUNNING'
  /** `crash` of a crashed peer or `restart` of a running one. */
  | 'INVALID_STATE'
  /** The run processed `maxEvents` events without reaching its end: usually a livelock. */
  | 'MAX_EVENTS'
  /** Application code (a handler, listener, timer, scheduled task or factory) threw or rejected; `cause` has its error. */
  | 'HANDLER_FAILED'

/** Every failure the simulator reports. */
export class NetsimError extends DscsCodedError<NetsimErrorCode> {}
