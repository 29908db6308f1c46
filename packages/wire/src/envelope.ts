import { WireError } from './errors.js'
import { readEnvelopeFields, writeEnvelopeFields } from './envelope-codec.js'
import { resolveLimits, type WireLimits } from './limits.js'

/** The wire major version this code speaks. */
export const WIRE_VERSION = 1

export const AUTHOR_BYTES = 32
export const SIGNATURE_BYTES = 64
export const HASH_BYTES = 32
/** A proof-of-work stamp is small and opaque to the wire layer. */
export const MAX_STAMP_BYTES = 64

const KIND_PATTERN = /^[A-Za-z][A-Za-z0-9_.-]*$/

/** An envelope before it is signed. */
export interface UnsignedEnvelope {
  /** Wire major version; {@link WIRE_VERSION}. */
  readonly version: number
  /** Payload type name, e.g. `dscs.frp.Op`: a letter, then letters, digits, `_ . -`. */
  readonly kind: string
  readonly payload: Uint8Array
  /** Author's raw 32-byte Ed25519 public key. */
  readonly author: Uint8Array
  /** Author's clock, milliseconds since the Unix epoch. */
  readonly timestamp: number
  /** Sequence number or nonce chosen by the author; a safe integer ≥ 0. */
  readonly seq: number
  /** Hashes (32 bytes each) of envelopes this one builds on. */
  readonly parents: readonly Uint8Array[]
}

/**
 * A signed envelope: what crosses the network. Byte fields of a decoded
 * envelope are views into the decoded buffer; copy them to keep them past it.
 */
export interface Envelope extends UnsignedEnvelope {
  /** Ed25519 signature over {@link signingBytes}. */
  readonly signature: Uint8Array
  /** Optional proof-of-work stamp over the signing bytes; not itself signed. */
  readonly stamp?: Uint8Array
}

/** What a new envelope needs; version, seq and parents have defaults. */
export interface EnvelopeInit {
  readonly kind: string
  readonly payload: Uint8Array
  readonly author: Uint8Array
  readonly timestamp: number
  readonly seq?: number
  readonly parents?: readonly Uint8Array[]
}

/** An unsigned envelope at the current wire version, checked against the default limits. */
export function createEnvelope(init: EnvelopeInit): UnsignedEnvelope {
  const envelope: UnsignedEnvelope = {
    version: WIRE_VERSION,
    kind: init.kind,
    payload: init.payload,
    author: init.author,
    timestamp: init.timestamp,
    seq: init.seq ?? 0,
    parents: init.parents ?? []
  }
  checkUnsigned(envelope, resolveLimits())
  return envelope
}

/** Throws WireError unless the fields of `env` (signature aside) obey the wire rules. */
export function checkUnsigned(env: UnsignedEnvelope, limits: WireLimits): void {
  if (env.version !== WIRE_VERSION) {
    throw new WireError('UNSUPPORTED_VERSION', `envelope version ${env.version} is not supported (this code speaks ${WIRE_VERSION})`)
  }
  if (env.kind.length > limits.maxStringLength) {
    throw new WireError('TOO_LARGE', `kind of ${env.kind.length} characters exceeds the limit of ${limits.maxStringLength}`)
  }
  if (!KIND_PATTERN.test(env.kind)) throw new WireError('MALFORMED', `kind ${JSON.stringify(env.kind)} is not a valid kind name`)
  checkLength(env.author, AUTHOR_BYTES, 'author key')
  checkInteger(env.timestamp, 'timestamp')
  checkInteger(env.seq, 'seq')
  if (env.parents.length > limits.maxRepeated) {
    throw new WireError('TOO_LARGE', `${env.parents.length} parents exceed the limit of ${limits.maxRepeated}`)
  }
  for (const parent of env.parents) checkLength(parent, HASH_BYTES, 'parent hash')
}

function checkSigned(env: Envelope, limits: WireLimits): void {
  checkUnsigned(env, limits)
  checkLength(env.signature, SIGNATURE_BYTES, 'signature')
  if (env.stamp !== undefined && env.stamp.length > MAX_STAMP_BYTES) {
    throw new WireError('TOO_LARGE', `stamp of ${env.stamp.length} bytes exceeds the limit of ${MAX_STAMP_BYTES}`)
  }
}

function checkLength(bytes: Uint8Array, expected: number, what: string): void {
  if (!(bytes instanceof Uint8Array) || bytes.length !== expected) {
    throw new WireError('MALFORMED', `${what} must be ${expected} bytes`)
  }
}

function checkInteger(value: number, what: string): void {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new WireError('MALFORMED', `${what} must be a safe non-negative integer`)
  }
}

/**
 * Encodes a signed envelope. Refuses, with WireError, anything that
 * {@link decodeEnvelope} would refuse under the same limits. The result may
 * be a view into a shared pool: respect its `byteOffset` and `byteLength`.
 */
export function encodeEnvelope(env: Envelope, limits?: Partial<WireLimits>): Uint8Array {
  const resolved = resolveLimits(limits)
  checkSigned(env, resolved)
  const bytes = writeEnvelopeFields({ ...env, stamp: env.stamp, parents: env.parents as Uint8Array[] })
  if (bytes.length > resolved.maxEnvelopeBytes) {
    throw new WireError('TOO_LARGE', `envelope of ${bytes.length} bytes exceeds the limit of ${resolved.maxEnvelopeBytes}`)
  }
  return bytes
}

/**
 * Decodes untrusted bytes into a well-formed signed envelope (the signature is
 * not verified here: see `openEnvelope` in @dscs/identity). Returns a valid
 * value or throws WireError; never any other exception.
 */
export function decodeEnvelope(bytes: Uint8Array, limits?: Partial<WireLimits>): Envelope {
  const resolved = resolveLimits(limits)
  if (!(bytes instanceof Uint8Array)) throw new WireError('MALFORMED', 'envelope is not a byte array')
  if (bytes.length > resolved.maxEnvelopeBytes) {
    throw new WireError('TOO_LARGE', `envelope of ${bytes.length} bytes exceeds the limit of ${resolved.maxEnvelopeBytes}`)
  }
  // An absent stamp stays an own `stamp: undefined` property: one object shape for every envelope.
  const envelope: Envelope = readEnvelopeFields(bytes, resolved)
  checkSigned(envelope, resolved)
  return envelope
}
