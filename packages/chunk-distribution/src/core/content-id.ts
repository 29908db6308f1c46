import { compareBytes } from '@dscs/interface'
import { CID } from 'multiformats/cid'
import { create as createDigest } from 'multiformats/hashes/digest'
import { CHUNKS_CODEC, HASH_BYTES, MAX_CONTENT_ID_BYTES, MAX_CONTENT_ID_STRING, SHA2_256_CODE } from './constants.js'
import { ChunkError } from './errors.js'
import { emptyRoot, equalHashes, headerHash } from './hash.js'
import { ContentLayout } from './layout.js'

/** What a content id commits to: the content's size, its chunk size and the Merkle root over its chunks. */
export interface ContentHeader {
  readonly size: number
  readonly chunkSize: number
  /** The Merkle root, 32 bytes. */
  readonly root: Uint8Array
}

/**
 * A content id: a CIDv1 with the DSCS codec ({@link CHUNKS_CODEC}) and a
 * sha2-256 multihash of the content's header block (see {@link encodeHeader}).
 * Its string form is base32, 64 characters starting `bahc2xqybciq`.
 */
export type ContentId = CID<unknown, typeof CHUNKS_CODEC, typeof SHA2_256_CODE, 1>

/** Bytes of an encoded header: size (uint64), chunk size (uint32), root, big-endian. */
export const HEADER_BYTES = 8 + 4 + HASH_BYTES

/** Refuses a header with a bad size, chunk size or root, and returns its layout. */
export function checkHeader(header: ContentHeader): ContentLayout {
  const layout = new ContentLayout(header.size, header.chunkSize)
  if (!(header.root instanceof Uint8Array) || header.root.length !== HASH_BYTES) {
    throw new ChunkError('BAD_MANIFEST', `a root of ${String(header.root?.length)} bytes; a root is ${HASH_BYTES}`)
  }
  // One id per content: empty content has the root of the empty tree and no other.
  if (layout.chunkCount === 0 && !equalHashes(header.root, emptyRoot())) throw new ChunkError('HASH_MISMATCH', 'empty content whose root is not SHA-256 of nothing')
  return layout
}

/** The 44 bytes a content id hashes (behind the 0x02 domain tag): size, chunk size, root. */
export function encodeHeader(header: ContentHeader): Uint8Array {
  checkHeader(header)
  const bytes = new Uint8Array(HEADER_BYTES)
  const view = new DataView(bytes.buffer)
  view.setBigUint64(0, BigInt(header.size))
  view.setUint32(8, header.chunkSize)
  bytes.set(header.root, 12)
  return bytes
}

/** The content id of `header`. */
export function contentIdOf(header: ContentHeader): ContentId {
  return CID.create(1, CHUNKS_CODEC, createDigest(SHA2_256_CODE, headerHash(encodeHeader(header))))
}

/** Refuses a header that is not the one `cid` commits to, with `CID_MISMATCH`. */
export function checkContentId(cid: ContentId, header: ContentHeader): void {
  if (compareBytes(contentIdOf(header).bytes, cid.bytes) !== 0) throw new ChunkError('CID_MISMATCH', `the header (${header.size} bytes in chunks of ${header.chunkSize}) is not that of ${cid.toString()}`)
}

/** Content ids decoded from bytes lately, newest first: every message of a transfer names its content, and decoding it each time showed in profiles. */
const recent: ContentId[] = []
const RECENT_IDS = 8

/** A content id from its string (multibase, e.g. base32) or binary form; `BAD_CONTENT_ID` for anything but a DSCS CID. */
export function parseContentId(input: string | Uint8Array): ContentId {
  const max = typeof input === 'string' ? MAX_CONTENT_ID_STRING : MAX_CONTENT_ID_BYTES
  if (input.length > max) throw new ChunkError('BAD_CONTENT_ID', `a content id of ${input.length} ${typeof input === 'string' ? 'characters' : 'bytes'}; at most ${max}`)
  if (typeof input === 'string') return checkedContentId(input)
  const known = recent.find((cid) => compareBytes(cid.bytes, input) === 0)
  if (known !== undefined) return known
  // A copy: the id outlives the message buffer it came in.
  const cid = checkedContentId(input.slice())
  recent.unshift(cid)
  if (recent.length > RECENT_IDS) recent.pop()
  return cid
}

function checkedContentId(input: string | Uint8Array): ContentId {
  let cid: CID
  try {
    cid = typeof input === 'string' ? CID.parse(input) : CID.decode(input)
  } catch (err) {
    throw new ChunkError('BAD_CONTENT_ID', `not a CID: ${err instanceof Error ? err.message : String(err)}`, { cause: err })
  }
  if (cid.version !== 1 || cid.code !== CHUNKS_CODEC || cid.multihash.code !== SHA2_256_CODE || cid.multihash.size !== HASH_BYTES) {
    throw new ChunkError('BAD_CONTENT_ID', `${cid.toString()} is not a DSCS content id (CIDv1, codec 0x${CHUNKS_CODEC.toString(16)}, sha2-256)`)
  }
  return cid as ContentId
}

/** The content id's canonical string (base32), which keys maps and names directories. */
export function contentKey(cid: ContentId): string {
  return cid.toString()
}
