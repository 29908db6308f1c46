import { DscsCodedError } from '@dscs/interface'

/** Stable codes of {@link ObserverError}. */
export type ObserverErrorCode =
  /** A message, entry, proof or list is larger than its declared limit. */
  | 'TOO_LARGE'
  /** Bytes that do not decode as the message they claim to be, or a field out of range (a hash of the wrong length, a count past 2^53). */
  | 'MALFORMED'
  /** A well-formed message this role does not take (a client's answer sent to the observer, a request sent to a client). */
  | 'UNEXPECTED_MESSAGE'
  /** The submitted envelope's author is not on the observer's allow-list. */
  | 'NOT_ALLOWED'
  /** The submitted envelope's kind is not one the observer logs. */
  | 'KIND_NOT_ALLOWED'
  /** The submitted envelope's timestamp is outside the observer's replay window. */
  | 'OUTSIDE_WINDOW'
  /** A signature that does not verify: a submitted envelope's, or a statement's. */
  | 'BAD_SIGNATURE'
  /** The observer's queue of submissions awaiting commit is full: try again later. */
  | 'QUEUE_FULL'
  /** Too many reads (proofs, entries) in flight at the observer, for this peer or in all. */
  | 'BUSY'
  /** No entry with that id is in the log. */
  | 'NOT_FOUND'
  /** A tree size or index beyond the log, or a range the wrong way round. */
  | 'OUT_OF_RANGE'
  /** A statement signed by another key than the observer's (or a witness's). */
  | 'WRONG_AUTHOR'
  /** An inclusion or consistency proof that does not verify, or an answer that does not fit the question. */
  | 'BAD_PROOF'
  /** A receipt whose batch, index or path does not check out. */
  | 'BAD_RECEIPT'
  /** Evidence that proves nothing against the observer. */
  | 'BAD_EVIDENCE'
  /** The observer could not commit the entry to its log. */
  | 'STORE_FAILED'
  /** The log answered with another size than the core expects: a faulty or foreign log. */
  | 'LOG_MISMATCH'
  /** The observer was caught misbehaving: nothing of it is trusted any more. */
  | 'UNTRUSTED'
  /** The observer refused the request with a code this version does not know. */
  | 'REFUSED'
  /** No answer came within the timeout. */
  | 'TIMEOUT'
  /** The request could not be sent. */
  | 'SEND_FAILED'
  /** Too many requests of this node await answers. */
  | 'TOO_MANY_REQUESTS'
  /** The service is not running. */
  | 'NOT_RUNNING'
  /** An option is missing or out of range. */
  | 'INVALID_OPTION'

/**
 * Every failure of the observer protocol. Hostile input fails with one of
 * these (or with the `WireError` of a malformed envelope) and the peer that
 * sent it is penalised with its code.
 */
export class ObserverError extends DscsCodedError<ObserverErrorCode> {}
