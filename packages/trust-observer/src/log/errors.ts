import { DscsCodedError } from '@dscs/interface'

/** Stable codes of {@link LogError}. */
export type LogErrorCode =
  /** An index or size outside the log: `index ≥ size`, `oldSize > newSize`, a size beyond the log's, or not a whole number. */
  | 'OUT_OF_RANGE'
  /** An appended entry is longer than `maxEntryBytes`. */
  | 'ENTRY_TOO_LARGE'
  /** One append holds more than `maxAppendEntries` entries or `maxAppendBytes` bytes. */
  | 'APPEND_TOO_LARGE'
  /** `entries(start, end)` asks for more than `maxRangeEntries` entries. */
  | 'RANGE_TOO_LARGE'
  /** The store holds a log it cannot be: a missing or malformed record, or records that disagree. */
  | 'CORRUPT_STORE'
  /** An option is out of range. */
  | 'INVALID_OPTION'

/**
 * Every failure of the Merkle log. Verification never throws one: a proof
 * that does not prove its claim, malformed or not, makes `verify*` return
 * `false`.
 */
export class LogError extends DscsCodedError<LogErrorCode> {}
