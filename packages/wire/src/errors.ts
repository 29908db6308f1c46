import { DscsCodedError } from '@dscs/interface'

/** Stable codes of {@link WireError}. */
export type WireErrorCode =
  /** Input exceeds a configured limit (bytes, items, string length). */
  | 'TOO_LARGE'
  /** Input is not a well-formed message of the expected shape. */
  | 'MALFORMED'
  /** The envelope's kind has no registered payload type. */
  | 'UNKNOWN_KIND'
  /** The envelope's kind is not the one the caller asked for. */
  | 'KIND_MISMATCH'
  /** A kind name is registered twice with different definitions. */
  | 'DUPLICATE_KIND'
  /** The envelope's major version is not one this code speaks. */
  | 'UNSUPPORTED_VERSION'

/** Every failure to encode or decode wire data. */
export class WireError extends DscsCodedError<WireErrorCode> {}
