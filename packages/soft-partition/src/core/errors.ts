import { DscsCodedError } from '@dscs/interface'

/** Stable codes of {@link SoftPartitionError}. */
export type SoftPartitionErrorCode =
  /** A Swim message's type, seq, target or update count is out of range. */
  | 'BAD_MESSAGE'
  /** A membership update is malformed: its state, key length or member id. */
  | 'BAD_UPDATE'
  /** An alive update's signature is not the member's. */
  | 'FORGED_UPDATE'
  /** A suspicion's signature is not its accuser's. */
  | 'FORGED_SUSPICION'
  /** A message or update names a key other than the one bound to that peer. */
  | 'KEY_MISMATCH'
  /** A suspicion names an incarnation the member never announced. */
  | 'FUTURE_INCARNATION'
  /** A peer started more new suspicions in one protocol period than allowed. */
  | 'SUSPICION_FLOOD'
  /** Relayed data broke the relay rules: not between members, or more than one hop. */
  | 'BAD_RELAY'
  /** A member asked this node to relay more messages in one protocol period than allowed. */
  | 'RELAY_FLOOD'
  /** Data was addressed to a peer that is not a member. */
  | 'NOT_A_MEMBER'
  /** The membership is full: a new member is refused. */
  | 'TOO_MANY_MEMBERS'
  /** A write was refused: this node's component holds no majority and the domain is `locked`. */
  | 'MINORITY_LOCKED'
  /** An option is out of range. */
  | 'INVALID_OPTION'

/**
 * Every failure of this protocol that is not a failure of the envelope: those
 * are `WireError`s (size, format, kind) and `IdentityError`s (replay window,
 * replay, signature).
 */
export class SoftPartitionError extends DscsCodedError<SoftPartitionErrorCode> {}
