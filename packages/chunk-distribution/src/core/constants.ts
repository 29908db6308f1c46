import type { ProtocolId } from '@dscs/interface'

/** The protocol id of the transfer protocol; its major version changes with every breaking wire change. */
export const PROTOCOL_ID: ProtocolId = '/dscs/chunks/1.0.0'

/** Every payload kind of this package starts with this prefix, so kinds never clash across packages. */
export const KIND_PREFIX = 'dscs.chunk-distribution.'

/** Bytes of a SHA-256 digest: every tree node, root and proof sibling. */
export const HASH_BYTES = 32

/** The chunk size unless chosen otherwise: 256 KiB. */
export const DEFAULT_CHUNK_SIZE = 256 * 1024

/** The smallest chunk size allowed: 16 KiB. */
export const MIN_CHUNK_SIZE = 16 * 1024

/** The largest chunk size allowed: 4 MiB. */
export const MAX_CHUNK_SIZE = 4 * 1024 * 1024

/** The largest content size: the largest safe integer, so sizes and offsets stay exact in JavaScript numbers. */
export const MAX_CONTENT_SIZE = Number.MAX_SAFE_INTEGER

/** Most chunks of one content: indices are uint32 on the wire. */
export const MAX_CHUNK_COUNT = 2 ** 32 - 1

/**
 * The multicodec of a DSCS content id, from the multicodec private-use range
 * (0x300000–0x3fffff): the CID names a content header (see `content-id.ts`),
 * not raw bytes, so the `raw` codec would mislead IPFS tools.
 */
export const CHUNKS_CODEC = 0x30d5c5

/** The multicodec of the sha2-256 multihash. */
export const SHA2_256_CODE = 0x12

/** Longest content id accepted as a string, checked before parsing; a DSCS CID takes 64 characters in base32. */
export const MAX_CONTENT_ID_STRING = 128

/** Longest content id accepted as bytes, checked before parsing; a DSCS CID takes 39 bytes. */
export const MAX_CONTENT_ID_BYTES = 64

/** Longest manifest name, in UTF-16 code units. */
export const MAX_NAME_LENGTH = 255

/** Longest manifest media type, in UTF-16 code units. */
export const MAX_MIME_LENGTH = 127

/** Largest encoded Manifest payload: root, size, chunk size, name and mime with room for UTF-8. */
export const MAX_MANIFEST_PAYLOAD_BYTES = 2_048

/** Largest encoded ManifestRecord, signed envelope included. */
export const MAX_MANIFEST_RECORD_BYTES = 4_096

/** Most sibling hashes in a proof: the height of a tree of MAX_CHUNK_COUNT leaves. */
export const MAX_PROOF_HASHES = 32

/** Room for everything in a transfer frame but its chunk data: ids, indices, proof, tags. */
export const TRANSFER_FRAME_OVERHEAD = 4_096

/**
 * What one peer may send on the transfer protocol. Bulk bytes are what we ask
 * for, paced by our pipelines, so the byte rate is generous; a piece we do not
 * need is dropped unhashed and a corrupt one drops its sender, so the message
 * rate is what bounds a flood.
 */
export const TRANSFER_BUDGET = Object.freeze({
  bytesPerSecond: 1024 * 1024 * 1024,
  burstBytes: 256 * 1024 * 1024,
  messagesPerSecond: 4_000,
  burstMessages: 8_000
})

/**
 * The gossip topic of availability announcements, one for all content: gossipsub relays only the
 * topics a node joined, so a per-content topic would never cross a node that neither holds nor fetches it.
 */
export const ANNOUNCE_TOPIC = 'dscs/chunks/announce'

/** Largest encoded Announcement payload: a content id, counts and the addresses. */
export const MAX_ANNOUNCEMENT_PAYLOAD_BYTES = 2_560

/** Largest announcement envelope, checked before anything else. */
export const MAX_ANNOUNCEMENT_BYTES = 3_072

/** Most multiaddrs in an announcement. */
export const MAX_ANNOUNCED_ADDRESSES = 8

/** Longest multiaddr in an announcement, in characters. */
export const MAX_ADDRESS_LENGTH = 256
