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

/** True when `err` is a DscsError, optionally with the given code. */
export function isDscsError(err: unknown, code?: string): err is DscsError {
  return err instanceof DscsError && (code === undefined || err.code === code)
}
