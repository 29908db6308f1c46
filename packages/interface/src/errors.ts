/**
 * The one error type DSCS library code throws. `code` is stable API: match on
 * it, never on `message`, which is for people and may change.
 */
export class DscsError extends Error {
  readonly code: string

  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.code = code
    this.name = new.target.name
  }
}

/**
 * A DscsError whose codes are a known set: a package defines its error in one
 * line, `export class WireError extends DscsCodedError<WireErrorCode> {}`, and
 * the compiler checks every code it throws. (`DscsError` itself stays
 * non-generic so `err instanceof DscsError` gives `code: string`, not `any`.)
 */
export class DscsCodedError<Code extends string> extends DscsError {
  declare readonly code: Code

  constructor(code: Code, message: string, options?: { cause?: unknown }) {
    super(code, message, options)
  }
}

/** True when `err` is a DscsError, optionally with the given code. */
export function isDscsError(err: unknown, code?: string): err is DscsError {
  return err instanceof DscsError && (code === undefined || err.code === code)
}
