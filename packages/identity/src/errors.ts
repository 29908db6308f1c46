import { DscsCodedError } from '@dscs/interface'

/** Stable codes of {@link IdentityError}. */
export type IdentityErrorCode =
  /** A key, seed or signature has the wrong number of bytes. */
  | 'INVALID_LENGTH'
  /** A public key is not a valid, full-order curve point. */
  | 'INVALID_KEY'
  /** The signature does not verify. */
  | 'BAD_SIGNATURE'
  /** An envelope was seen before within the replay window. */
  | 'REPLAYED'
  /** An envelope's timestamp is outside the accepted clock-skew window. */
  | 'OUTSIDE_WINDOW'
  /** An envelope names another author than the identity signing it. */
  | 'AUTHOR_MISMATCH'
  /** Keystore: the passphrase is wrong or the ciphertext was altered. */
  | 'KEYSTORE_BAD_PASSPHRASE'
  /** Keystore: the file is not a well-formed keystore. */
  | 'KEYSTORE_CORRUPT'
  /** Keystore: the file format version is not one this code reads. */
  | 'KEYSTORE_UNSUPPORTED_VERSION'
  /** Keystore: refusing to overwrite an existing file. */
  | 'KEYSTORE_EXISTS'
  /** Keystore: no file at the path. */
  | 'KEYSTORE_NOT_FOUND'
  /** Sealed box: too short or otherwise not a sealed box. */
  | 'SEALED_MALFORMED'
  /** Sealed box: a format version this code does not read. */
  | 'SEALED_UNSUPPORTED_VERSION'
  /** Sealed box: altered, or not sealed to this identity. */
  | 'SEALED_TAMPERED'
  /** Delegation: links do not chain from the root to the subject. */
  | 'DELEGATION_BROKEN'
  /** Delegation: a link is expired or not yet valid. */
  | 'DELEGATION_EXPIRED'
  /** Delegation: a link was revoked. */
  | 'DELEGATION_REVOKED'
  /** Delegation: a link grants capabilities its issuer does not hold. */
  | 'DELEGATION_ESCALATED'
  /** Delegation: the chain is longer than allowed. */
  | 'DELEGATION_TOO_DEEP'

/** Every failure of identity, signature, keystore, sealing and delegation operations. */
export class IdentityError extends DscsCodedError<IdentityErrorCode> {}

/** Throws INVALID_LENGTH unless `bytes` is a Uint8Array of exactly `length` bytes. */
export function assertLength(bytes: Uint8Array, length: number, what: string): void {
  if (!(bytes instanceof Uint8Array) || bytes.length !== length) {
    const got = bytes instanceof Uint8Array ? `${bytes.length} bytes` : typeof bytes
    throw new IdentityError('INVALID_LENGTH', `${what} must be ${length} bytes, got ${got}`)
  }
}
