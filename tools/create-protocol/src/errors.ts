/** Stable codes of {@link ScaffoldError}. */
export type ScaffoldErrorCode =
  /** The protocol name is not usable as a package, directory and identifier name. */
  | 'INVALID_NAME'
  /** The description would break the files it is written into. */
  | 'INVALID_DESCRIPTION'
  /** The target directory, or a workspace package of that name, already exists. */
  | 'EXISTS'
  /** The template or this tool's own package.json is broken. */
  | 'BAD_TEMPLATE'

/**
 * Every refusal of the scaffolder. A plain Error subclass rather than a
 * DscsError: this tool runs with no runtime dependencies.
 */
export class ScaffoldError extends Error {
  readonly code: ScaffoldErrorCode

  constructor(code: ScaffoldErrorCode, message: string) {
    super(message)
    this.code = code
    this.name = 'ScaffoldError'
  }
}
