/**
 * Time as an input. Cores never read the wall clock themselves, so the
 * simulator can run them on virtual time.
 */
export interface Clock {
  /** Milliseconds since the Unix epoch. */
  now(): number
}

/** The wall clock, for services running for real. */
export const systemClock: Clock = { now: () => Date.now() }
