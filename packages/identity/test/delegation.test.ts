import fc from 'fast-check'
import { encodePayload } from '@dscs/wire'
import { describe, expect, it } from 'vitest'
import { DscsError } from '@dscs/interface'
import {
  DelegationKind,
  delegate,
  delegationCodec,
  generateIdentity,
  revocationCodec,
  revoke,
  verifyDelegation,
  type Delegation
} from '../src/index.js'
import { errorCode } from './helpers.js'

const root = generateIdentity()
const laptop = generateIdentity()
const app = generateIdentity()
const t0 = 1_700_000_000_000
const day = 86_400_000

const rootToLaptop = delegate(root, laptop.publicKey, { notBefore: t0, expires: t0 + 30 * day, capabilities: ['chat', 'files'] })
const laptopToApp = delegate(laptop, app.publicKey, { notBefore: t0, expires: t0 + 60 * day, capabilities: ['chat'] })
const chain = [rootToLaptop, laptopToApp]

describe('delegation', () => {
  it('a valid chain grants the narrowest window and capabilities', () => {
    const grant = verifyDelegation(chain, { root: root.publicKey, at: t0 + day })
    expect(grant.subject).toEqual(app.publicKey)
    expect(grant.expires).toBe(t0 + 30 * day) // a delegate never outlives its issuer's grant
    expect(grant.capabilities).toEqual(['chat'])
    expect(verifyDelegation([delegate(root, laptop.publicKey, { expires: t0 + day, notBefore: t0 })], { root: root.publicKey, at: t0 }).capabilities).toBeUndefined()
  })

  it('refuses expired, not-yet-valid, broken, forged, escalating and over-long chains', async () => {
    const opts = { root: root.publicKey, at: t0 + day }
    expect(await errorCode(() => verifyDelegation(chain, { ...opts, at: t0 + 31 * day }))).toBe('DELEGATION_EXPIRED')
    expect(await errorCode(() => verifyDelegation(chain, { ...opts, at: t0 - 1 }))).toBe('DELEGATION_EXPIRED')
    expect(await errorCode(() => verifyDelegation([laptopToApp], opts))).toBe('DELEGATION_BROKEN')
    expect(await errorCode(() => verifyDelegation([], opts))).toBe('DELEGATION_BROKEN')
    const stretched: Delegation = { ...rootToLaptop, expires: t0 + 300 * day }
    expect(await errorCode(() => verifyDelegation([stretched, laptopToApp], opts))).toBe('BAD_SIGNATURE')
    const escalating = delegate(laptop, app.publicKey, { notBefore: t0, expires: t0 + day * 2, capabilities: ['admin'] })
    expect(await errorCode(() => verifyDelegation([rootToLaptop, escalating], opts))).toBe('DELEGATION_ESCALATED')
    const long = [rootToLaptop, laptopToApp, delegate(app, root.publicKey, { notBefore: t0, expires: t0 + day * 2 })]
    expect(await errorCode(() => verifyDelegation(long, { ...opts, maxChain: 2 }))).toBe('DELEGATION_TOO_DEEP')
  })

  it('revocation by the issuer or anyone above it ends a link from its time on; forged ones are ignored', async () => {
    const opts = { root: root.publicKey, at: t0 + 10 * day }
    const byRoot = revoke(root, app.publicKey, t0 + 5 * day)
    expect(await errorCode(() => verifyDelegation(chain, { ...opts, revocations: [byRoot] }))).toBe('DELEGATION_REVOKED')
    expect(verifyDelegation(chain, { ...opts, at: t0 + 4 * day, revocations: [byRoot] }).subject).toEqual(app.publicKey)
    const byLaptop = revoke(laptop, app.publicKey, t0)
    expect(await errorCode(() => verifyDelegation(chain, { ...opts, revocations: [byLaptop] }))).toBe('DELEGATION_REVOKED')
    const mallory = generateIdentity()
    const byStranger = revoke(mallory, app.publicKey, t0)
    const forged = { ...byRoot, signature: byStranger.signature }
    expect(verifyDelegation(chain, { ...opts, revocations: [byStranger, forged] }).subject).toEqual(app.publicKey)
  })

  it('codecs round-trip and refuse hostile bytes with DscsErrors only', () => {
    expect(delegationCodec.decode(delegationCodec.encode(laptopToApp))).toEqual(laptopToApp)
    const revocation = revoke(root, laptop.publicKey, t0)
    expect(revocationCodec.decode(revocationCodec.encode(revocation))).toEqual(revocation)
    expect(encodePayload(DelegationKind, rootToLaptop).length).toBeLessThan(300)
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 400 }), (bytes) => {
        for (const codec of [delegationCodec, revocationCodec] as const) {
          try {
            codec.decode(bytes)
          } catch (err) {
            expect(err).toBeInstanceOf(DscsError)
          }
        }
      }),
      { numRuns: 3000 }
    )
  })
})
