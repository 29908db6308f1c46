import { compareBytes } from '@dscs/interface'
import { openEnvelope, signEnvelope, type Identity, type VerificationCache } from '@dscs/identity'
import { createEnvelope, decodePayload, definePayloadKind, encodeEnvelope, encodePayload, envelopeHash, type Envelope, type PayloadCodec, type PayloadKind } from '@dscs/wire'
import { bytesToHex } from '@noble/hashes/utils.js'
import { dscs } from '../gen/trust-observer.js'
import { CONSISTENCY_KIND, COSIGNATURE_KIND, MAX_STATEMENT_BYTES, RECEIPT_BATCH_KIND, TREE_HEAD_KIND } from './constants.js'
import { ObserverError } from './errors.js'
import { hash, integer, path, wrap } from './messages.js'

const pb = dscs.trust_observer.v1

/** What the observer's log holds at one size: the count of entries and their RFC 9162 Merkle Tree Hash. */
export interface TreeHead {
  readonly size: number
  readonly root: Uint8Array
}

/** A batch of committed entries, by index range and the Merkle Tree Hash of their ids, with the promised deadline. */
export interface ReceiptBatch {
  readonly start: number
  readonly count: number
  readonly root: Uint8Array
  /** When a TreeHead holding the batch will be signed, at the latest; ms since the epoch. */
  readonly deadline: number
}

/** The observer's claim that its tree of `oldSize` entries is a prefix of its tree of `newSize` entries. */
export interface Consistency {
  readonly oldSize: number
  readonly oldRoot: Uint8Array
  readonly newSize: number
  readonly newRoot: Uint8Array
  readonly path: readonly Uint8Array[]
}

/** A witness's signature over a tree head of the observer `observer`. */
export interface Cosignature extends TreeHead {
  readonly observer: Uint8Array
}

/** A statement that passed every check: its envelope, encoded bytes, id (envelope hash, hex), author, time and value. */
export interface Signed<T> {
  readonly value: T
  readonly author: Uint8Array
  readonly timestamp: number
  /** The envelope hash, hex: the statement's identity. */
  readonly id: string
  readonly bytes: Uint8Array
}

function codec<T, M>(type: { encode(value: M): { finish(): Uint8Array }; decode(bytes: Uint8Array): M }, read: (message: M) => T, write: (value: T) => M): PayloadCodec<T> {
  return { encode: (value) => type.encode(write(value)).finish(), decode: (bytes) => read(type.decode(bytes)) }
}

// Each statement's fields occur once but for a proof path.
const kind = <T>(name: string, c: PayloadCodec<T>, maxRepeated = 1): PayloadKind<T> => definePayloadKind(name, c, { maxBytes: MAX_STATEMENT_BYTES, maxRepeated })

export const TreeHeadKind = kind<TreeHead>(
  TREE_HEAD_KIND,
  codec(pb.TreeHead, (m) => ({ size: integer(m.size, 'tree size'), root: hash(m.root, 'root') }), (v) => ({ size: v.size, root: v.root }))
)

export const ReceiptBatchKind = kind<ReceiptBatch>(
  RECEIPT_BATCH_KIND,
  codec(
    pb.ReceiptBatch,
    (m) => ({ start: integer(m.start, 'batch start'), count: integer(m.count, 'batch count'), root: hash(m.root, 'batch root'), deadline: integer(m.deadline, 'deadline') }),
    (v) => ({ start: v.start, count: v.count, root: v.root, deadline: v.deadline })
  )
)

export const ConsistencyKind = kind<Consistency>(
  CONSISTENCY_KIND,
  codec(
    pb.Consistency,
    (m) => ({
      oldSize: integer(m.oldSize, 'old size'),
      oldRoot: hash(m.oldRoot, 'old root'),
      newSize: integer(m.newSize, 'new size'),
      newRoot: hash(m.newRoot, 'new root'),
      path: path(m.path)
    }),
    (v) => ({ oldSize: v.oldSize, oldRoot: v.oldRoot, newSize: v.newSize, newRoot: v.newRoot, path: [...v.path] })
  ),
  64
)

export const CosignatureKind = kind<Cosignature>(
  COSIGNATURE_KIND,
  codec(
    pb.Cosignature,
    (m) => ({ observer: hash(m.observer, 'observer key'), size: integer(m.size, 'tree size'), root: hash(m.root, 'root') }),
    (v) => ({ observer: v.observer, size: v.size, root: v.root })
  )
)

/** Signs `value` as a statement of `kind` by `identity` at `now`, and encodes it. */
export function seal<T>(identity: Identity, kind: PayloadKind<T>, value: T, now: number, maxBytes = MAX_STATEMENT_BYTES): Signed<T> {
  const envelope = signEnvelope(identity, createEnvelope({ kind: kind.name, payload: encodePayload(kind, value), author: identity.publicKey, timestamp: Math.floor(now) }))
  const bytes = encodeEnvelope(envelope, { maxEnvelopeBytes: maxBytes })
  return { value, author: identity.publicKey, timestamp: envelope.timestamp, id: bytesToHex(envelopeHash(envelope)), bytes: bytes.slice() }
}

export interface OpenOptions {
  /** The key the statement must be signed by; refused as WRONG_AUTHOR before its signature is checked. */
  readonly author?: Uint8Array
  /** Keys any of which may sign it (witnesses); refused as WRONG_AUTHOR otherwise. */
  readonly authors?: ReadonlySet<string>
  /** The node's signature verdicts. */
  readonly cache?: VerificationCache
  readonly maxBytes?: number
}

/**
 * Opens an untrusted statement, cheapest check first: size and envelope
 * shape, kind, author, the payload's shape and ranges, then the signature
 * (or the cached verdict). Throws ObserverError.
 */
export function open<T>(bytes: Uint8Array, kind: PayloadKind<T>, options: OpenOptions = {}): Signed<T> {
  const decoded: { value?: T; envelope?: Envelope } = {}
  const opened = wrap(() =>
    openEnvelope(bytes, {
      limits: { maxEnvelopeBytes: options.maxBytes ?? MAX_STATEMENT_BYTES },
      cache: options.cache,
      now: 0,
      beforeSignature: (envelope, id) => {
        if (envelope.kind !== kind.name) throw new ObserverError('MALFORMED', `expected a ${kind.name}, got a ${envelope.kind}`)
        if (options.author !== undefined && compareBytes(envelope.author, options.author) !== 0) {
          throw new ObserverError('WRONG_AUTHOR', `${kind.name} ${id.slice(0, 16)}… is not signed by the expected key`)
        }
        if (options.authors !== undefined && !options.authors.has(keyId(envelope.author))) {
          throw new ObserverError('WRONG_AUTHOR', `${kind.name} ${id.slice(0, 16)}… is not signed by a key it may be`)
        }
        decoded.value = decodePayload(envelope, kind)
      }
    })
  )
  const { envelope, id } = opened
  return { value: decoded.value!, author: envelope.author.slice(), timestamp: envelope.timestamp, id, bytes }
}

/** A key as a map key. */
export function keyId(key: Uint8Array): string {
  return String.fromCharCode.apply(null, key as unknown as number[])
}

/** Every (size, root) a statement of the observer commits it to: a head names one, a consistency statement two. */
export function claims(statement: Signed<TreeHead> | Signed<Consistency>): TreeHead[] {
  const value = statement.value
  if ('oldSize' in value) return [{ size: value.oldSize, root: value.oldRoot }, { size: value.newSize, root: value.newRoot }]
  return [{ size: value.size, root: value.root }]
}
