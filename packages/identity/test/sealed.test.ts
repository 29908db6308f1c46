import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { DscsError } from '@dscs/interface'
import { SEALED_OVERHEAD, generateIdentity, openSealed, seal } from '../src/index.js'
import { errorCode } from './helpers.js'

const alice = generateIdentity()
const bob = generateIdentity()

describe('sealed boxes', () => {
  it('only the recipient opens a box, and each box is fresh', () => {
    const plaintext = new TextEncoder().encode('meet at noon')
    const box = seal(alice.publicKey, plaintext)
    expect(box.length).toBe(plaintext.length + SEALED_OVERHEAD)
    expect(openSealed(alice, box)).toEqual(plaintext)
    expect(seal(alice.publicKey, plaintext)).not.toEqual(box)
    expect(() => openSealed(bob, box)).toThrow(DscsError)
  })

  it('any altered byte is SEALED_TAMPERED (or a version error for the first byte)', () => {
    const box = seal(alice.publicKey, new Uint8Array(40).fill(7))
    fc.assert(
      fc.property(fc.nat(box.length - 1), fc.integer({ min: 1, max: 255 }), (i, x) => {
        const altered = box.slice()
        altered[i]! ^= x
        let code = ''
        try {
          openSealed(alice, altered)
        } catch (err) {
          code = (err as DscsError).code
        }
        expect(code).toBe(i === 0 ? 'SEALED_UNSUPPORTED_VERSION' : 'SEALED_TAMPERED')
      }),
      { numRuns: 300 }
    )
  })

  it('refuses short boxes and unusable recipient keys', async () => {
    expect(await errorCode(() => openSealed(alice, new Uint8Array(SEALED_OVERHEAD - 1)))).toBe('SEALED_MALFORMED')
    expect(await errorCode(() => seal(new Uint8Array(32), new Uint8Array(1)))).toBe('INVALID_KEY') // small-order
    expect(await errorCode(() => seal(new Uint8Array(31), new Uint8Array(1)))).toBe('INVALID_LENGTH')
    expect(openSealed(alice, seal(alice.publicKey, new Uint8Array()))).toEqual(new Uint8Array())
  })
})
