import { describe, expect, it } from 'vitest'
import { DscsCodedError, DscsError, isDscsError } from '../src/index.js'

class WireLikeError extends DscsCodedError<'TOO_LARGE' | 'MALFORMED'> {}

describe('DscsError', () => {
  it('carries a stable code, a name from its subclass and the cause', () => {
    const cause = new Error('root')
    const err = new WireLikeError('TOO_LARGE', 'too big', { cause })
    expect(err).toBeInstanceOf(Error)
    expect(err).toBeInstanceOf(DscsError)
    expect(err.code).toBe('TOO_LARGE')
    expect(err.name).toBe('WireLikeError')
    expect(err.cause).toBe(cause)
  })

  it('isDscsError matches the class and optionally the code', () => {
    const err = new DscsError('MALFORMED', 'bad')
    expect(isDscsError(err)).toBe(true)
    expect(isDscsError(err, 'MALFORMED')).toBe(true)
    expect(isDscsError(err, 'TOO_LARGE')).toBe(false)
    expect(isDscsError(new Error('x'))).toBe(false)
    expect(isDscsError({ code: 'MALFORMED' })).toBe(false)
  })
})

describe('DscsCodedError', () => {
  it('narrows the codes a package throws while staying a DscsError', () => {
    const err: unknown = new WireLikeError('MALFORMED', 'bad')
    expect(err).toBeInstanceOf(DscsError)
    expect(isDscsError(err, 'MALFORMED')).toBe(true)
    if (err instanceof WireLikeError) {
      const code: 'TOO_LARGE' | 'MALFORMED' = err.code
      expect(code).toBe('MALFORMED')
    }
    // @ts-expect-error: a code outside the set does not compile
    expect(new WireLikeError('UNKNOWN', 'x').code).toBe('UNKNOWN')
  })
})
