import { asPlainBytes, joinBytes } from '@dscs/interface'
import { decodeBounded, encodeVarint } from '@dscs/wire'
import { dscs } from '../gen/chunk-distribution.js'
import { HASH_BYTES, MAX_CHUNK_SIZE, MAX_MANIFEST_RECORD_BYTES, MAX_PROOF_HASHES, TRANSFER_FRAME_OVERHEAD } from './constants.js'
import { parseContentId, type ContentId } from './content-id.js'
import { ChunkError } from './errors.js'

const pb = dscs.chunk_distribution.v1

/** Why a request is refused. */
export type RejectReason = 'unknown-content' | 'not-held' | 'busy'

/** One frame of the transfer protocol, decoded and structurally checked; see `proto/chunk-distribution.proto`. */
export type TransferMessage =
  | { readonly type: 'manifest-request'; readonly content: ContentId }
  /** `record` is an encoded ManifestRecord, for `decodeManifest` with `expected: content`. */
  | { readonly type: 'manifest-response'; readonly content: ContentId; readonly record: Uint8Array }
  | { readonly type: 'have'; readonly content: ContentId; readonly index: number }
  /** `bits` still needs `Bitfield.fromBytes` with the content's chunk count. */
  | { readonly type: 'bitfield'; readonly content: ContentId; readonly bits: Uint8Array }
  | { readonly type: 'request'; readonly content: ContentId; readonly index: number; readonly withProof: boolean }
  | { readonly type: 'piece'; readonly content: ContentId; readonly index: number; readonly data: Uint8Array; readonly proof: Uint8Array }
  | { readonly type: 'cancel'; readonly content: ContentId; readonly index: number }
  | { readonly type: 'reject'; readonly content: ContentId; readonly index: number; readonly reason: RejectReason }

const REASONS: Readonly<Record<RejectReason, dscs.chunk_distribution.v1.RejectReason>> = {
  'unknown-content': pb.RejectReason.UNKNOWN_CONTENT,
  'not-held': pb.RejectReason.NOT_HELD,
  busy: pb.RejectReason.BUSY
}

/** Encodes a transfer frame. */
export function encodeTransferMessage(message: TransferMessage): Uint8Array {
  return joinBytes(encodeTransferParts(message))
}

// Protobuf keys (field number << 3 | wire type 2, length-delimited) of TransferMessage.piece and Piece.data.
const PIECE_KEY = (6 << 3) | 2
const DATA_KEY = (3 << 3) | 2

/**
 * Encodes a transfer frame in pieces for a gather write: a Piece's chunk data
 * is its last piece, uncopied. Field order is free in protobuf, so the data
 * field follows a header holding the Piece's other fields.
 */
export function encodeTransferParts(message: TransferMessage): Uint8Array[] {
  if (message.type !== 'piece') return [encodeOne(message)]
  const { data } = message
  const rest = pb.Piece.encode({ content: message.content.bytes, index: message.index, proof: message.proof }).finish()
  const dataLength = encodeVarint(data.length)
  const pieceLength = rest.length + 1 + dataLength.length + data.length
  return [joinBytes([Uint8Array.of(PIECE_KEY), encodeVarint(pieceLength), rest, Uint8Array.of(DATA_KEY), dataLength]), data]
}

function encodeOne(message: Exclude<TransferMessage, { type: 'piece' }>): Uint8Array {
  const content = message.content.bytes
  switch (message.type) {
    case 'manifest-request':
      return pb.TransferMessage.encode({ manifestRequest: { content } }).finish()
    case 'manifest-response':
      return pb.TransferMessage.encode({ manifestResponse: { content, record: message.record } }).finish()
    case 'have':
      return pb.TransferMessage.encode({ have: { content, index: message.index } }).finish()
    case 'bitfield':
      return pb.TransferMessage.encode({ bitfield: { content, bits: message.bits } }).finish()
    case 'request':
      return pb.TransferMessage.encode({ request: { content, index: message.index, withProof: message.withProof } }).finish()
    case 'cancel':
      return pb.TransferMessage.encode({ cancel: { content, index: message.index } }).finish()
    case 'reject':
      return pb.TransferMessage.encode({ reject: { content, index: message.index, reason: REASONS[message.reason] } }).finish()
  }
}

export interface TransferLimits {
  /** Largest chunk accepted in a Piece, which bounds the frame. Default 4 MiB, the format's largest. */
  readonly maxChunkSize?: number
}

/**
 * Decodes an untrusted transfer frame, cheapest check first: its size (at
 * most `maxChunkSize` plus 4 KiB, else `WireError` `TOO_LARGE`), a scan of
 * its fields, the decoding, then each field's rules. Throws `WireError` or
 * {@link ChunkError} (`BAD_MESSAGE`, `BAD_CONTENT_ID`, `BAD_PROOF`), and
 * nothing else. Whether an index, a bitfield or a piece fits its content is
 * for the receiver, which knows the manifest.
 */
export function decodeTransferMessage(bytes: Uint8Array, limits: TransferLimits = {}): TransferMessage {
  const maxChunkSize = limits.maxChunkSize ?? MAX_CHUNK_SIZE
  const frame = decodeBounded(bytes, 'transfer frame', maxChunkSize + TRANSFER_FRAME_OVERHEAD, { maxOccurrences: 1 }, (plain) => pb.TransferMessage.decode(plain))
  switch (frame.message) {
    case 'manifestRequest':
      return { type: 'manifest-request', content: contentOf(frame.manifestRequest) }
    case 'manifestResponse': {
      const record = bytesOf(frame.manifestResponse?.record)
      if (record.length > MAX_MANIFEST_RECORD_BYTES) throw new ChunkError('BAD_MESSAGE', `a manifest record of ${record.length} bytes; at most ${MAX_MANIFEST_RECORD_BYTES}`)
      return { type: 'manifest-response', content: contentOf(frame.manifestResponse), record }
    }
    case 'have':
      return { type: 'have', content: contentOf(frame.have), index: frame.have?.index ?? 0 }
    case 'bitfield':
      return { type: 'bitfield', content: contentOf(frame.bitfield), bits: bytesOf(frame.bitfield?.bits) }
    case 'request':
      return { type: 'request', content: contentOf(frame.request), index: frame.request?.index ?? 0, withProof: frame.request?.withProof ?? false }
    case 'piece':
      return pieceOf(frame.piece ?? {}, maxChunkSize)
    case 'cancel':
      return { type: 'cancel', content: contentOf(frame.cancel), index: frame.cancel?.index ?? 0 }
    case 'reject':
      return { type: 'reject', content: contentOf(frame.reject), index: frame.reject?.index ?? 0, reason: reasonOf(frame.reject?.reason) }
    default:
      throw new ChunkError('BAD_MESSAGE', 'a transfer frame with no message')
  }
}

function contentOf(message: { readonly content?: Uint8Array | null } | null | undefined): ContentId {
  return parseContentId(bytesOf(message?.content))
}

/** A bytes field as a plain Uint8Array: protobufjs gives an absent one its default, a Node Buffer. */
function bytesOf(value: Uint8Array | null | undefined): Uint8Array {
  return value ? asPlainBytes(value) : new Uint8Array(0)
}

function pieceOf(piece: dscs.chunk_distribution.v1.Piece.$Properties, maxChunkSize: number): TransferMessage {
  const data = bytesOf(piece.data)
  const proof = bytesOf(piece.proof)
  if (data.length > maxChunkSize) throw new ChunkError('BAD_MESSAGE', `a piece of ${data.length} bytes; chunks take at most ${maxChunkSize}`)
  if (proof.length % HASH_BYTES !== 0 || proof.length > MAX_PROOF_HASHES * HASH_BYTES) {
    throw new ChunkError('BAD_PROOF', `a proof of ${proof.length} bytes: whole 32-byte hashes, at most ${MAX_PROOF_HASHES}, are required`)
  }
  return { type: 'piece', content: contentOf(piece), index: piece.index ?? 0, data, proof }
}

function reasonOf(reason: dscs.chunk_distribution.v1.RejectReason | null | undefined): RejectReason {
  const found = (Object.keys(REASONS) as RejectReason[]).find((name) => REASONS[name] === reason)
  if (found === undefined) throw new ChunkError('BAD_MESSAGE', `an unknown reject reason ${String(reason)}`)
  return found
}
