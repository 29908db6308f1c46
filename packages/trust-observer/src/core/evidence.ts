import type { Identity, VerificationCache } from '@dscs/identity'
import { decodeBounded, decodeEnvelope, definePayloadKind, type PayloadCodec, type PayloadKind } from '@dscs/wire'
import { bytesToHex } from '@noble/hashes/utils.js'
import { dscs } from '../gen/trust-observer.js'
import { leafHash, verifyConsistency, verifyInclusion } from '../log/index.js'
import { entryIdOf } from './entry.js'
import { CONSISTENCY_KIND, EVIDENCE_KIND, MAX_STATEMENT_BYTES } from './constants.js'
import { sameHash } from '../log/hash.js'
import { ObserverError } from './errors.js'
import { path, RECEIPT_SCAN, receiptFields, wrap, type ReceiptFields } from './messages.js'
import { verifyReceipt } from './receipts.js'
import { claims, ConsistencyKind, open, seal, TreeHeadKind, type Consistency, type Signed, type TreeHead } from './statements.js'

const pb = dscs.trust_observer.v1

/** What the observer was caught doing. */
export type EvidenceKind =
  /** Two of its statements give one tree size two roots: it showed two histories. */
  | 'fork'
  /** It signed a consistency proof that does not link its own two roots. */
  | 'inconsistent'
  /** It broke a receipt: past the deadline its head lacks the entry, or holds another at the entry's index. */
  | 'omission'

/** Evidence against an observer, encoded (the payload of an Evidence envelope) and checked. */
export interface VerifiedEvidence {
  readonly kind: EvidenceKind
  /** The observer's key. */
  readonly observer: Uint8Array
  /** The encoded Evidence message: what is broadcast, and what anyone can check with {@link verifyEvidence}. */
  readonly bytes: Uint8Array
  /** For an omission: the id of the entry the observer dropped. */
  readonly entryId?: Uint8Array
  /** The tree size the contradiction is about: the forked size, the inconsistent new size, the receipted index. */
  readonly at: number
}

/** A statement of the observer that commits it to roots: a tree head or a consistency proof. */
export type Claim = Signed<TreeHead> | Signed<Consistency>

export function forkEvidence(first: Claim, second: Claim): Uint8Array {
  return pb.Evidence.encode({ fork: { first: first.bytes, second: second.bytes } }).finish()
}

export function inconsistentEvidence(consistency: Signed<Consistency>): Uint8Array {
  return pb.Evidence.encode({ inconsistent: { consistency: consistency.bytes } }).finish()
}

/** Evidence of omission: the receipt, and a head past its deadline without the entry, or with `entry` (and its `path`) at its index instead. */
export function omissionEvidence(receipt: ReceiptFields, head: Signed<TreeHead>, entry?: { readonly entry: Uint8Array; readonly path: readonly Uint8Array[] }): Uint8Array {
  return pb.Evidence.encode({
    omission: {
      receipt: { batch: receipt.batch, entryId: receipt.entryId, index: receipt.index, path: [...receipt.path] },
      head: head.bytes,
      entry: entry?.entry ?? new Uint8Array(0),
      path: [...(entry?.path ?? [])]
    }
  }).finish()
}

export interface VerifyEvidenceOptions {
  /** The observer the evidence must be about; any observer when absent. */
  readonly observer?: Uint8Array
  readonly cache?: VerificationCache
  /** Largest evidence accepted: it may carry one entry. */
  readonly maxBytes: number
}

/**
 * Checks evidence against an observer with nothing but the evidence: at most
 * three signatures of the observer and a few dozen hashes. Returns what it
 * proves, or throws ObserverError (`BAD_EVIDENCE` for well-formed evidence
 * that proves nothing, `WRONG_AUTHOR` for evidence about another observer).
 */
export function verifyEvidence(bytes: Uint8Array, options: VerifyEvidenceOptions): VerifiedEvidence {
  const rules = { maxOccurrences: 1, nested: { 3: { maxOccurrences: 64, nested: { 1: RECEIPT_SCAN } } } }
  const m = wrap(() => decodeBounded(bytes, 'evidence', options.maxBytes, rules, (b) => pb.Evidence.decode(b)))
  switch (m.evidence) {
    case 'fork': {
      const first = openClaim(m.fork.first ?? new Uint8Array(0), options)
      const second = openClaim(m.fork.second ?? new Uint8Array(0), { ...options, observer: first.author })
      for (const a of claims(first)) {
        for (const b of claims(second)) {
          if (a.size === b.size && !sameHash(a.root, b.root)) return { kind: 'fork', observer: first.author, bytes, at: a.size }
        }
      }
      throw new ObserverError('BAD_EVIDENCE', 'the two statements agree on every size they share')
    }
    case 'inconsistent': {
      const statement = open(m.inconsistent.consistency ?? new Uint8Array(0), ConsistencyKind, { author: options.observer, cache: options.cache })
      if (consistent(statement.value)) throw new ObserverError('BAD_EVIDENCE', 'the consistency proof verifies')
      return { kind: 'inconsistent', observer: statement.author, bytes, at: statement.value.newSize }
    }
    case 'omission': {
      const o = m.omission
      if (o.receipt === null || o.receipt === undefined) throw new ObserverError('MALFORMED', 'evidence of omission without its receipt')
      const head = open(o.head ?? new Uint8Array(0), TreeHeadKind, { author: options.observer, cache: options.cache })
      const receipt = verifyReceipt(receiptFields(o.receipt), head.author, options.cache)
      const proven = { kind: 'omission' as const, observer: head.author, bytes, entryId: receipt.entryId, at: receipt.index }
      if (head.value.size <= receipt.index) {
        if (head.timestamp > receipt.deadline) return proven
        throw new ObserverError('BAD_EVIDENCE', 'the head was signed before the receipt fell due')
      }
      const entry = o.entry ?? new Uint8Array(0)
      if (!verifyInclusion(leafHash(entry), receipt.index, head.value.size, path(o.path), head.value.root)) {
        throw new ObserverError('BAD_EVIDENCE', 'the entry offered is not at the receipted index under the head')
      }
      if (sameHash(entryIdOf(entry) ?? new Uint8Array(0), receipt.entryId)) throw new ObserverError('BAD_EVIDENCE', 'the receipted entry is in place')
      return proven
    }
    default:
      throw new ObserverError('MALFORMED', 'evidence of no known kind')
  }
}

/** True when a consistency statement's proof links its two roots (RFC 9162 §2.1.4.2). */
export function consistent(value: Consistency): boolean {
  return verifyConsistency(value.oldSize, value.newSize, value.oldRoot, value.newRoot, value.path)
}

/** Opens a statement that commits the observer to roots: a TreeHead or a Consistency, by its kind. */
export function openClaim(bytes: Uint8Array, options: { readonly observer?: Uint8Array; readonly cache?: VerificationCache }): Claim {
  const kind = wrap(() => decodeEnvelope(bytes, { maxEnvelopeBytes: MAX_STATEMENT_BYTES }).kind)
  const opts = { author: options.observer, cache: options.cache }
  return kind === CONSISTENCY_KIND ? open(bytes, ConsistencyKind, opts) : open(bytes, TreeHeadKind, opts)
}

const rawCodec: PayloadCodec<Uint8Array> = { encode: (bytes) => bytes, decode: (bytes) => bytes.slice() }

/** The envelope kind evidence travels in on the observer's topic, signed by whoever reports it. */
export function evidenceKind(maxBytes: number): PayloadKind<Uint8Array> {
  return definePayloadKind(EVIDENCE_KIND, rawCodec, { maxBytes, encoding: 'raw' })
}

/** Evidence as a topic message: an Evidence envelope by `identity`. */
export function sealEvidence(identity: Identity, evidence: Uint8Array, now: number, maxBytes: number): Uint8Array {
  return seal(identity, evidenceKind(maxBytes), evidence, now, maxBytes + MAX_STATEMENT_BYTES).bytes
}

/** The evidence inside a topic message, checked. The reporter's signature is the network layer's to check; the evidence proves itself. */
export function openEvidence(bytes: Uint8Array, options: VerifyEvidenceOptions): VerifiedEvidence {
  const envelope = wrap(() => decodeEnvelope(bytes, { maxEnvelopeBytes: options.maxBytes + MAX_STATEMENT_BYTES }))
  if (envelope.kind !== EVIDENCE_KIND) throw new ObserverError('MALFORMED', `expected evidence, got a ${envelope.kind}`)
  return verifyEvidence(envelope.payload, options)
}

/** A short name for a statement or entry id in messages and events. */
export function shortId(id: Uint8Array): string {
  return `${bytesToHex(id).slice(0, 16)}…`
}
