/**
 * Time as an input. Cores never read the wall clock themselves, so the
 * simulator can run them on virtual time.
 */
export interface Clock {
  /** Milliseconds since the Unix epoch; may be fractional (simulated time is), so floor it for timestamps. */
  now(): number
}

/** The wall clock, for services running for real. */
export const systemClock: Clock = { now: () => Date.now() }
