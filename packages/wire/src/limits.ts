/** Bounds on what a decoder accepts, so hostile input costs bounded memory and time. */
export interface WireLimits {
  /** Largest encoded envelope, in bytes. Default 1 MiB. */
  readonly maxEnvelopeBytes: number
  /** Most items in any repeated field (e.g. parent hashes). Default 64. */
  readonly maxRepeated: number
  /** Longest string field, in UTF-16 code units (e.g. the kind). Default 128. */
  readonly maxStringLength: number
}

export const DEFAULT_LIMITS: WireLimits = Object.freeze({
  maxEnvelopeBytes: 1024 * 1024,
  maxRepeated: 64,
  maxStringLength: 128
})

/** The defaults overridden by whatever the caller sets. */
export function resolveLimits(overrides?: Partial<WireLimits>): WireLimits {
  return overrides === undefined ? DEFAULT_LIMITS : { ...DEFAULT_LIMITS, ...overrides }
}
