import { expect } from 'vitest'
import { DscsError } from '@dscs/interface'

/** The DscsError code `fn` throws (sync or async); fails the test if it throws anything else or nothing. */
export async function errorCode(fn: () => unknown): Promise<string> {
  try {
    await fn()
  } catch (err) {
    expect(err, `expected a DscsError, got ${String(err)}`).toBeInstanceOf(DscsError)
    return (err as DscsError).code
  }
  return expect.fail('expected an error')
}
