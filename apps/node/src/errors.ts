import { DscsCodedError } from '@dscs/interface'

/** Stable codes of {@link CliError}. */
export type CliErrorCode =
  /** A file named on the command line that cannot be read, or an output whose directory does not exist. */
  | 'BAD_FILE'
  /** A content id on the command line that does not parse. */
  | 'BAD_CONTENT_ID'
  /** `dscs seed <cid>`: content the data directory does not hold. */
  | 'UNKNOWN_CONTENT'
  /** `dscs get`: no connected peer answered with the content before the timeout. */
  | 'NOT_FOUND'
  /** `dscs get`: peers hold the content but no chunk came for the timeout; the partial download is kept. */
  | 'STALLED'
  /** A config file that is not JSON, has an unknown key or a bad value (the message names the key). */
  | 'BAD_CONFIG'
  /** A flag or config value that is well-formed but cannot be used, e.g. an API exposed beyond loopback without a token. */
  | 'BAD_OPTION'
  /** A command stopped by SIGINT or SIGTERM before it finished. */
  | 'INTERRUPTED'

/** A failure of a command the user can act on: printed as one `dscs: …` line, exit code 1. */
export class CliError extends DscsCodedError<CliErrorCode> {}
