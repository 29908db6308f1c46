import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { DscsError } from '@dscs/interface'
import { decryptKeystore, encryptKeystore, generateIdentity, keystorePublicKey, type ScryptParams } from '../src/index.js'
import { errorCode } from './helpers.js'

// Cheap parameters keep tests fast; the format and code paths are the same as with the defaults.
const fast: ScryptParams = { N: 2 ** 10, r: 8, p: 1 }
const identity = generateIdentity()
const file = await encryptKeystore(identity, 'correct horse', { scrypt: fast })
const json = (): Record<string, unknown> => JSON.parse(new TextDecoder().decode(file)) as Record<string, unknown>
const encode = (value: unknown): Uint8Array => new TextEncoder().encode(JSON.stringify(value))

describe('keystore', () => {
  it('round-trips an identity and reports progress', async () => {
    const progress: number[] = []
    const restored = await decryptKeystore(file, 'correct horse', { onProgress: (p) => progress.push(p) })
    expect(restored).toEqual(identity)
    expect(progress.at(-1)).toBe(1)
    expect(keystorePublicKey(file)).toEqual(identity.publicKey)
  })

  it('is versioned JSON that names its algorithms and never holds the secret in clear', () => {
    const f = json()
    expect(f).toMatchObject({ dscsKeystore: 1, kdf: { name: 'scrypt', N: fast.N }, cipher: { name: 'xchacha20-poly1305' } })
    expect(new TextDecoder().decode(file)).not.toContain(Buffer.from(identity.secretKey).toString('hex'))
  })

  it('a wrong passphrase is KEYSTORE_BAD_PASSPHRASE', async () => {
    expect(await errorCode(() => decryptKeystore(file, 'wrong'))).toBe('KEYSTORE_BAD_PASSPHRASE')
  })

  it('any change to an authenticated field is detected', async () => {
    const f = json() as { kdf: Record<string, unknown>; cipher: Record<string, unknown>; ciphertext: string; publicKey: string }
    const flip = (hex: string): string => `${hex[0] === '0' ? '1' : '0'}${hex.slice(1)}`
    const variants = [
      { ...f, ciphertext: flip(f.ciphertext) },
      { ...f, kdf: { ...f.kdf, salt: flip(f.kdf.salt as string) } },
      { ...f, kdf: { ...f.kdf, N: 2 ** 11 } },
      { ...f, cipher: { ...f.cipher, nonce: flip(f.cipher.nonce as string) } },
      { ...f, publicKey: flip(f.publicKey) }
    ]
    for (const v of variants) expect(await errorCode(() => decryptKeystore(encode(v), 'correct horse'))).toBe('KEYSTORE_BAD_PASSPHRASE')
  })

  it('refuses corrupt, oversized, costly and future-version files before deriving a key', async () => {
    const f = json() as { kdf: Record<string, unknown> }
    expect(await errorCode(() => decryptKeystore(file.subarray(0, 40), 'x'))).toBe('KEYSTORE_CORRUPT')
    expect(await errorCode(() => decryptKeystore(new Uint8Array(20_000), 'x'))).toBe('KEYSTORE_CORRUPT')
    expect(await errorCode(() => decryptKeystore(encode({ ...f, kdf: { ...f.kdf, N: 2 ** 30 } }), 'x'))).toBe('KEYSTORE_CORRUPT')
    expect(await errorCode(() => decryptKeystore(encode({ ...f, kdf: { ...f.kdf, N: 1000 } }), 'x'))).toBe('KEYSTORE_CORRUPT')
    expect(await errorCode(() => decryptKeystore(encode({ ...f, dscsKeystore: 2 }), 'x'))).toBe('KEYSTORE_UNSUPPORTED_VERSION')
    expect(await errorCode(() => decryptKeystore(encode([1, 2]), 'x'))).toBe('KEYSTORE_CORRUPT')
    expect(await errorCode(() => decryptKeystore(Uint8Array.of(0xff, 0xfe), 'x'))).toBe('KEYSTORE_CORRUPT')
  })

  it('derives no key for the empty passphrase: the file names no KDF, still detects damage, and refuses a passphrase', async () => {
    const plain = await encryptKeystore(identity, '')
    const f = JSON.parse(new TextDecoder().decode(plain)) as { kdf: unknown; publicKey: string; ciphertext: string }
    expect(f.kdf).toEqual({ name: 'none' })
    const progress: number[] = []
    expect(await decryptKeystore(plain, '', { onProgress: (p) => progress.push(p) })).toEqual(identity)
    expect(progress).toEqual([]) // nothing to derive
    expect(await errorCode(() => decryptKeystore(plain, 'a passphrase'))).toBe('KEYSTORE_BAD_PASSPHRASE')
    const flip = (hex: string): string => `${hex[0] === '0' ? '1' : '0'}${hex.slice(1)}`
    expect(await errorCode(() => decryptKeystore(encode({ ...f, ciphertext: flip(f.ciphertext) }), ''))).toBe('KEYSTORE_BAD_PASSPHRASE')
    expect(await errorCode(() => decryptKeystore(encode({ ...f, kdf: { name: 'none', N: 2 } }), ''))).toBe('KEYSTORE_CORRUPT')
    // A scrypt keystore over the empty passphrase, as this code wrote before, still opens.
    expect(await decryptKeystore(await encryptKeystore(identity, '', { scrypt: fast }), '')).toEqual(identity)
  })

  it('any mutation of the file yields the identity or a DscsError, never anything else', async () => {
    const tiny = await encryptKeystore(identity, 'pw', { scrypt: { N: 2, r: 1, p: 1 } })
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(fc.nat(tiny.length - 1), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 }), async (flips) => {
        const mutated = tiny.slice()
        for (const [i, v] of flips) mutated[i] = v
        try {
          expect(await decryptKeystore(mutated, 'pw')).toEqual(identity)
        } catch (err) {
          expect(err).toBeInstanceOf(DscsError)
        }
      }),
      { numRuns: 300 }
    )
  })
})
