import { equalBytes } from '@noble/curves/utils.js'
import { bytesToHex } from '@noble/hashes/utils.js'
import { CanonicalBytes, decodeBounded, definePayloadKind, longToSafeInteger, WireError, type PayloadCodec } from '@dscs/wire'
import { assertLength, IdentityError } from './errors.js'
import { PUBLIC_KEY_BYTES, SIGNATURE_BYTES, sign, verify } from './ed25519.js'
import type { Identity } from './keys.js'
import { dscs } from './gen/delegation.js'

const DelegationMessage = dscs.identity.v1.Delegation
const RevocationMessage = dscs.identity.v1.Revocation

/** Limits on delegations and revocations from the network. */
export const MAX_CAPABILITIES = 16
export const MAX_CAPABILITY_LENGTH = 128
const MAX_DOCUMENT_BYTES = 4096
/** Longest chain `verifyDelegation` follows by default: root → … → device. */
export const DEFAULT_MAX_CHAIN = 4

/** The issuer lets `subject` act for it from `notBefore` until `expires` (ms since the epoch). */
export interface Delegation {
  readonly issuer: Uint8Array
  readonly subject: Uint8Array
  readonly notBefore: number
  readonly expires: number
  /** What the subject may do; empty means everything the issuer may. */
  readonly capabilities: readonly string[]
  readonly signature: Uint8Array
}

/** The issuer withdraws its delegations to `subject` from `revokedAt` on. */
export interface Revocation {
  readonly issuer: Uint8Array
  readonly subject: Uint8Array
  readonly revokedAt: number
  readonly signature: Uint8Array
}

export interface DelegateOptions {
  /** Default: now. */
  readonly notBefore?: number
  readonly expires: number
  readonly capabilities?: readonly string[]
}

/** Signs a delegation from `issuer` to the `subject` key. */
export function delegate(issuer: Identity, subject: Uint8Array, options: DelegateOptions): Delegation {
  const unsigned = {
    issuer: issuer.publicKey,
    subject,
    notBefore: options.notBefore ?? Date.now(),
    expires: options.expires,
    capabilities: options.capabilities ?? []
  }
  checkDelegationFields(unsigned)
  return { ...unsigned, signature: sign(issuer.secretKey, delegationSigningBytes(unsigned)) }
}

/** Signs the revocation of every delegation `issuer` made to `subject`, effective at `revokedAt`. */
export function revoke(issuer: Identity, subject: Uint8Array, revokedAt: number = Date.now()): Revocation {
  assertLength(subject, PUBLIC_KEY_BYTES, 'subject key')
  const unsigned = { issuer: issuer.publicKey, subject, revokedAt }
  return { ...unsigned, signature: sign(issuer.secretKey, revocationSigningBytes(unsigned)) }
}

/** What a verified chain grants its final subject. */
export interface DelegationGrant {
  readonly root: Uint8Array
  readonly subject: Uint8Array
  /** The window in which every link holds. */
  readonly notBefore: number
  readonly expires: number
  /** The capabilities every link allows; `undefined` when unrestricted. */
  readonly capabilities: readonly string[] | undefined
}

export interface VerifyDelegationOptions {
  /** The identity the chain must start from. */
  readonly root: Uint8Array
  /** The time at which the chain must hold, ms. */
  readonly at: number
  /** Known revocations; those not validly signed are ignored. */
  readonly revocations?: readonly Revocation[]
  readonly maxChain?: number
}

/**
 * Checks a delegation chain root → … → subject at time `at`: every link is
 * signed by the previous subject, valid at `at`, not revoked by its issuer or
 * anyone above it, and grants no capability its issuer lacks. Returns what the
 * chain grants, or throws IdentityError with the reason.
 */
export function verifyDelegation(chain: readonly Delegation[], options: VerifyDelegationOptions): DelegationGrant {
  const maxChain = options.maxChain ?? DEFAULT_MAX_CHAIN
  if (chain.length === 0) throw new IdentityError('DELEGATION_BROKEN', 'a delegation chain has at least one link')
  if (chain.length > maxChain) throw new IdentityError('DELEGATION_TOO_DEEP', `chain of ${chain.length} links exceeds ${maxChain}`)
  const revocations = (options.revocations ?? []).filter(isValidRevocation)
  const issuersAbove: Uint8Array[] = []
  let expected = options.root
  let notBefore = -Infinity
  let expires = Infinity
  let capabilities: readonly string[] | undefined
  for (const [index, link] of chain.entries()) {
    checkDelegationFields(link)
    if (!equalBytes(link.issuer, expected)) {
      throw new IdentityError('DELEGATION_BROKEN', `link ${index} is issued by ${hexShort(link.issuer)}, expected ${hexShort(expected)}`)
    }
    if (!verify(link.issuer, delegationSigningBytes(link), link.signature)) {
      throw new IdentityError('BAD_SIGNATURE', `link ${index} is not signed by its issuer`)
    }
    if (options.at < link.notBefore || options.at >= link.expires) {
      throw new IdentityError('DELEGATION_EXPIRED', `link ${index} holds from ${link.notBefore} until ${link.expires}, not at ${options.at}`)
    }
    issuersAbove.push(link.issuer)
    const revoked = revocations.find(
      (r) => r.revokedAt <= options.at && equalBytes(r.subject, link.subject) && issuersAbove.some((i) => equalBytes(i, r.issuer))
    )
    if (revoked !== undefined) throw new IdentityError('DELEGATION_REVOKED', `link ${index} was revoked at ${revoked.revokedAt}`)
    if (link.capabilities.length > 0) {
      const escalated = capabilities === undefined ? undefined : link.capabilities.find((c) => !capabilities!.includes(c))
      if (escalated !== undefined) throw new IdentityError('DELEGATION_ESCALATED', `link ${index} grants ${escalated}, which its issuer lacks`)
      capabilities = link.capabilities
    }
    notBefore = Math.max(notBefore, link.notBefore)
    expires = Math.min(expires, link.expires)
    expected = link.subject
  }
  return { root: options.root, subject: expected, notBefore, expires, capabilities }
}

function isValidRevocation(r: Revocation): boolean {
  return (
    r.issuer.length === PUBLIC_KEY_BYTES &&
    r.subject.length === PUBLIC_KEY_BYTES &&
    r.signature.length === SIGNATURE_BYTES &&
    Number.isSafeInteger(r.revokedAt) &&
    r.revokedAt >= 0 &&
    verify(r.issuer, revocationSigningBytes(r), r.signature)
  )
}

function checkDelegationFields(d: Omit<Delegation, 'signature'>): void {
  assertLength(d.issuer, PUBLIC_KEY_BYTES, 'issuer key')
  assertLength(d.subject, PUBLIC_KEY_BYTES, 'subject key')
  if (d.capabilities.length > MAX_CAPABILITIES || d.capabilities.some((c) => c.length === 0 || c.length > MAX_CAPABILITY_LENGTH)) {
    throw new WireError('TOO_LARGE', `at most ${MAX_CAPABILITIES} capabilities of 1 to ${MAX_CAPABILITY_LENGTH} characters`)
  }
  if (!(d.notBefore <= d.expires)) throw new WireError('MALFORMED', 'a delegation must not expire before it starts')
}

/** Canonical bytes a delegation signature covers. */
export function delegationSigningBytes(d: Omit<Delegation, 'signature'>): Uint8Array {
  const out = new CanonicalBytes('DSCS/delegation/v1')
    .fixed(d.issuer, PUBLIC_KEY_BYTES, 'issuer key')
    .fixed(d.subject, PUBLIC_KEY_BYTES, 'subject key')
    .u64(d.notBefore)
    .u64(d.expires)
    .u32(d.capabilities.length)
  for (const capability of d.capabilities) out.string(capability)
  return out.finish()
}

/** Canonical bytes a revocation signature covers. */
export function revocationSigningBytes(r: Omit<Revocation, 'signature'>): Uint8Array {
  return new CanonicalBytes('DSCS/revocation/v1')
    .fixed(r.issuer, PUBLIC_KEY_BYTES, 'issuer key')
    .fixed(r.subject, PUBLIC_KEY_BYTES, 'subject key')
    .u64(r.revokedAt)
    .finish()
}

function hexShort(key: Uint8Array): string {
  return `${bytesToHex(key).slice(0, 12)}…`
}

const scanRules = { maxOccurrences: MAX_CAPABILITIES }

/** Protobuf codec for delegations; decoding checks sizes and field rules, not the signature. */
export const delegationCodec: PayloadCodec<Delegation> = {
  encode: (d) => DelegationMessage.encode({ ...d, capabilities: [...d.capabilities] }).finish(),
  decode: (bytes) =>
    decodeBounded(bytes, 'delegation', MAX_DOCUMENT_BYTES, scanRules, (b) => {
      const m = DelegationMessage.decode(b)
      const d: Delegation = {
        issuer: m.issuer,
        subject: m.subject,
        notBefore: longToSafeInteger(m.notBefore, 'notBefore'),
        expires: longToSafeInteger(m.expires, 'expires'),
        capabilities: m.capabilities,
        signature: m.signature
      }
      checkDelegationFields(d)
      assertLength(d.signature, SIGNATURE_BYTES, 'signature')
      return d
    })
}

/** Protobuf codec for revocations; decoding checks sizes, not the signature. */
export const revocationCodec: PayloadCodec<Revocation> = {
  encode: (r) => RevocationMessage.encode(r).finish(),
  decode: (bytes) =>
    decodeBounded(bytes, 'revocation', MAX_DOCUMENT_BYTES, scanRules, (b) => {
      const m = RevocationMessage.decode(b)
      const r: Revocation = { issuer: m.issuer, subject: m.subject, revokedAt: longToSafeInteger(m.revokedAt, 'revokedAt'), signature: m.signature }
      assertLength(r.issuer, PUBLIC_KEY_BYTES, 'issuer key')
      assertLength(r.subject, PUBLIC_KEY_BYTES, 'subject key')
      assertLength(r.signature, SIGNATURE_BYTES, 'signature')
      return r
    })
}

/** Payload kinds for gossiping delegations and revocations in envelopes. */
export const DelegationKind = definePayloadKind('dscs.identity.Delegation', delegationCodec, { maxBytes: MAX_DOCUMENT_BYTES })
export const RevocationKind = definePayloadKind('dscs.identity.Revocation', revocationCodec, { maxBytes: MAX_DOCUMENT_BYTES })
