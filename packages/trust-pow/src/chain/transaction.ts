import { isDscsError } from '@dscs/interface'
import { verify, type VerificationCache } from '@dscs/identity'
import { decodeEnvelope, hashSigned, signingBytes, type Envelope } from '@dscs/wire'
import { bytesToHex } from '@noble/hashes/utils.js'
import { ChainError } from './errors.js'

/** A transaction: a signed DSCS envelope, decoded, with its id, before its signature is checked. */
export interface Transaction {
  readonly envelope: Envelope
  /** The envelope hash: a Merkle leaf. */
  readonly hash: Uint8Array
  /** The envelope hash, hex: the id a TrustSubject carries. */
  readonly id: string
  readonly bytes: Uint8Array
  readonly signing: Uint8Array
}

/** Decodes a transaction's envelope and computes its id; throws ChainError `INVALID_TRANSACTION`. */
export function readTransaction(bytes: Uint8Array, maxTxBytes: number): Transaction {
  try {
    const envelope = decodeEnvelope(bytes, { maxEnvelopeBytes: maxTxBytes })
    const signing = signingBytes(envelope)
    const hash = hashSigned(signing, envelope.signature)
    return { envelope, hash, id: bytesToHex(hash), bytes, signing }
  } catch (err) {
    if (!isDscsError(err)) throw err
    throw new ChainError('INVALID_TRANSACTION', `a transaction does not decode: ${err.message}`, { cause: err })
  }
}

/** Checks the author's signature, once per node with the shared cache; throws ChainError `INVALID_TRANSACTION`. */
export function checkSignature(tx: Transaction, cache: VerificationCache | undefined): void {
  let valid = cache?.get(tx.id)
  if (valid === undefined) {
    valid = verify(tx.envelope.author, tx.signing, tx.envelope.signature)
    cache?.set(tx.id, valid)
  }
  if (!valid) throw new ChainError('INVALID_TRANSACTION', `transaction ${tx.id.slice(0, 16)}… is not signed by its author`)
}
