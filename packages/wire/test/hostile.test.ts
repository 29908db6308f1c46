import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { WireError, decodeEnvelope, encodeEnvelope } from '../src/index.js'
import { arbEnvelope, arbMutation } from './arbitraries.js'

// The bar: at least 100,000 random and mutated inputs per run.
const RUNS = 100_000

describe('decodeEnvelope on hostile input', () => {
  it(`returns a valid envelope or throws WireError, for ${RUNS} random and mutated inputs`, () => {
    const valid = arbEnvelope.map((env) => encodeEnvelope(env))
    const input = fc.oneof(
      { weight: 1, arbitrary: fc.uint8Array({ maxLength: 512 }) },
      { weight: 3, arbitrary: arbMutation(valid) }
    )
    let accepted = 0
    fc.assert(
      fc.property(input, (bytes) => {
        let env
        try {
          env = decodeEnvelope(bytes, { maxEnvelopeBytes: 4096 })
        } catch (err) {
          if (!(err instanceof WireError)) throw err
          return
        }
        accepted++
        // Whatever decodes is valid: it re-encodes under the same rules and decodes to itself.
        expect(decodeEnvelope(encodeEnvelope(env))).toEqual(env)
      }),
      { numRuns: RUNS }
    )
    // Mutations must not all be rejected, or this would test only the error path.
    expect(accepted).toBeGreaterThan(RUNS / 100)
  })
})
