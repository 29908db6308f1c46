import fc from 'fast-check'
import * as ed from '@noble/ed25519'
import { sha512 } from '@noble/hashes/sha2.js'
import { bytesToHex, concatBytes, hexToBytes } from '@noble/hashes/utils.js'
import { describe, expect, it } from 'vitest'
import { Ed25519Verifier, IdentityError, identityFromSeed, nobleEd25519, type Ed25519Backend } from '../src/index.js'
import { nativeEd25519 } from '../src/node/native-ed25519.js'
import rfc8032 from './vectors/rfc8032.json' with { type: 'json' }

const L = 2n ** 252n + 27742317777372353535851937790883648493n
const backends: Ed25519Backend[] = [nobleEd25519, nativeEd25519]
const verifiers = backends.map((b) => new Ed25519Verifier(b))

const toLE = (n: bigint): Uint8Array => hexToBytes(n.toString(16).padStart(64, '0')).reverse()
const fromLE = (b: Uint8Array): bigint => BigInt(`0x${bytesToHex(b.slice().reverse()) || '0'}`)
const modL = (n: bigint): bigint => ((n % L) + L) % L

/** The eight small-order points: multiples of an order-8 point. */
const torsion: ed.Point[] = (() => {
  const t8 = ed.Point.fromBytes(hexToBytes('c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a'))
  const points = [ed.Point.ZERO]
  for (let i = 1; i < 8; i++) points.push(points[i - 1]!.add(t8))
  return points
})()

/** Both backends' verdicts, which must agree; returns the common verdict. */
function verdict(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
  const results = verifiers.map((v) => v.verify(publicKey, message, signature))
  expect(results, `noble and node:crypto disagree on ${bytesToHex(signature).slice(0, 16)}…`).toEqual([results[0], results[0]])
  return results[0]!
}

/** A signature made with scalar `a` for public key bytes `A`, nonce point `R` (r known). */
function forge(a: bigint, A: Uint8Array, r: bigint, R: Uint8Array, message: Uint8Array): Uint8Array {
  const k = modL(fromLE(sha512(concatBytes(R, A, message))))
  return concatBytes(R, toLE(modL(r + k * a)))
}

describe('Ed25519 strict verification, both backends', () => {
  it.each(rfc8032.vectors)('RFC 8032 §7.1 $name: keys, signatures and verification', (v) => {
    const identity = identityFromSeed(hexToBytes(v.secretKey))
    const message = hexToBytes(v.message)
    expect(bytesToHex(identity.publicKey)).toBe(v.publicKey)
    for (const verifier of verifiers) expect(bytesToHex(verifier.sign(identity.secretKey, message))).toBe(v.signature)
    expect(verdict(identity.publicKey, message, hexToBytes(v.signature))).toBe(true)
    expect(verdict(identity.publicKey, concatBytes(message, Uint8Array.of(0)), hexToBytes(v.signature))).toBe(false)
  })

  const v1 = rfc8032.vectors[0]!
  const pub = hexToBytes(v1.publicKey)
  const sig = hexToBytes(v1.signature)
  const msg = new Uint8Array()

  it('rejects a non-canonical S (S + L and S = L), which plain math would accept', () => {
    const s = fromLE(sig.subarray(32))
    expect(verdict(pub, msg, concatBytes(sig.subarray(0, 32), toLE(s + L)))).toBe(false)
    expect(verdict(pub, msg, concatBytes(sig.subarray(0, 32), toLE(L)))).toBe(false)
  })

  it('rejects every small-order public key, even with a signature that satisfies the equation', () => {
    const encodings = torsion.map((p) => p.toBytes())
    // The x = 0 points with the sign bit set are non-canonical encodings of small-order points.
    encodings.push(hexToBytes('0100000000000000000000000000000000000000000000000000000000000080'))
    encodings.push(hexToBytes('ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff'))
    for (const A of encodings) {
      for (const R of torsion) {
        // S = 0: [0]B = R + [k]A holds for some R whenever A is small-order.
        expect(verdict(A, msg, concatBytes(R.toBytes(), new Uint8Array(32)))).toBe(false)
      }
    }
  })

  it('rejects non-canonical public key encodings (y ≥ p)', () => {
    for (let y = 0n; y < 19n; y++) {
      for (const sign of [0n, 1n]) {
        const A = toLE((2n ** 255n - 19n + y) | (sign << 255n))
        expect(verdict(A, msg, sig)).toBe(false)
      }
    }
  })

  it('mixed-order keys and torsion in R: both backends use the cofactorless equation', () => {
    const { scalar: a, point } = ed.utils.getExtendedPublicKey(hexToBytes(v1.secretKey))
    let accepted = 0
    let rejected = 0
    for (let i = 0; i < 64; i++) {
      const message = Uint8Array.of(i)
      const r = modL(fromLE(sha512(Uint8Array.of(1, i))))
      const R = ed.Point.BASE.multiply(r)
      // A' = A + T8: only when 8 | k does [S]B = R + [k]A' hold without the cofactor.
      const mixed = point.add(torsion[1]!).toBytes()
      const k = modL(fromLE(sha512(concatBytes(R.toBytes(), mixed, message))))
      const cofactorless = k % 8n === 0n
      const signature = forge(a, mixed, r, R.toBytes(), message)
      expect(verdict(mixed, message, signature)).toBe(cofactorless)
      if (cofactorless) accepted++
      else rejected++
      // R' = R + T4 never satisfies the cofactorless equation.
      const twisted = R.add(torsion[2]!).toBytes()
      expect(verdict(point.toBytes(), message, forge(a, point.toBytes(), r, twisted, message))).toBe(false)
    }
    expect(accepted).toBeGreaterThan(0)
    expect(rejected).toBeGreaterThan(0)
  })

  it('rejects a non-canonical R encoding', () => {
    // R with y ≥ p cannot equal the canonical encoding the check computes.
    const R = toLE(2n ** 255n - 19n + 1n)
    expect(verdict(pub, msg, concatBytes(R, sig.subarray(32)))).toBe(false)
  })

  it('agrees on arbitrary and mutated keys and signatures, and never throws for right lengths', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        fc.uint8Array({ minLength: 64, maxLength: 64 }),
        fc.uint8Array({ maxLength: 64 }),
        (key, signature, message) => {
          verdict(key, message, signature)
        }
      ),
      { numRuns: 300 }
    )
    fc.assert(
      fc.property(fc.nat(63), fc.integer({ min: 1, max: 255 }), (i, x) => {
        const mutated = sig.slice()
        mutated[i]! ^= x
        expect(verdict(pub, msg, mutated)).toBe(false)
      }),
      { numRuns: 300 }
    )
  })

  it('verifyAsync (the thread-pool path) gives the same verdicts as verify, on both backends', async () => {
    const { scalar: a, point } = ed.utils.getExtendedPublicKey(hexToBytes(v1.secretKey))
    const cases: [Uint8Array, Uint8Array, Uint8Array][] = rfc8032.vectors.map((v) => [hexToBytes(v.publicKey), hexToBytes(v.message), hexToBytes(v.signature)])
    for (let i = 0; i < 16; i++) {
      const message = Uint8Array.of(i)
      const r = modL(fromLE(sha512(Uint8Array.of(2, i))))
      const mixed = point.add(torsion[1]!).toBytes()
      cases.push([mixed, message, forge(a, mixed, r, ed.Point.BASE.multiply(r).toBytes(), message)])
      const mutated = sig.slice()
      mutated[i * 4]! ^= 1 + i
      cases.push([pub, msg, mutated])
    }
    cases.push([torsion[3]!.toBytes(), msg, concatBytes(torsion[5]!.toBytes(), new Uint8Array(32))])
    cases.push([pub, msg, concatBytes(sig.subarray(0, 32), toLE(L))])
    for (const verifier of verifiers) {
      for (const [key, message, signature] of cases) {
        expect(await verifier.verifyAsync(key, message, signature)).toBe(verifier.verify(key, message, signature))
      }
      await expect(verifier.verifyAsync(pub.subarray(1), msg, sig)).rejects.toBeInstanceOf(IdentityError)
    }
  })

  it('throws INVALID_LENGTH for wrong lengths, on every backend', () => {
    for (const verifier of verifiers) {
      for (const call of [
        () => verifier.verify(pub.subarray(1), msg, sig),
        () => verifier.verify(pub, msg, sig.subarray(1)),
        () => verifier.sign(new Uint8Array(31), msg)
      ]) {
        expect(call).toThrow(IdentityError)
        try {
          call()
        } catch (err) {
          expect((err as IdentityError).code).toBe('INVALID_LENGTH')
        }
      }
    }
  })
})
