import { DscsCodedError } from '@dscs/interface'

/** Stable codes of {@link ChunkError}. */
export type ChunkErrorCode =
  /** A chunk size that is not a power of two from 16 KiB to 4 MiB. */
  | 'BAD_CHUNK_SIZE'
  /** A content size that is negative, fractional, beyond 2^53 - 1, or with more chunks than a uint32 counts. */
  | 'BAD_SIZE'
  /** A chunk index outside the content. */
  | 'BAD_INDEX'
  /** Bytes whose length is not the one they must have: a chunk for its index, a leaf hash, a node table for its tree. */
  | 'BAD_LENGTH'
  /** A proof of the wrong length for its index: not 32 bytes per sibling, or not as many siblings as the path has. */
  | 'BAD_PROOF'
  /** Data and proof that do not hash to the root: corrupt data, a wrong proof, or a proof for another root. */
  | 'HASH_MISMATCH'
  /** No proof came with a chunk, and the siblings it needs are not known locally. */
  | 'PROOF_REQUIRED'
  /** A content id that is not a DSCS CID (version 1, the DSCS codec, a sha2-256 multihash), or is too long. */
  | 'BAD_CONTENT_ID'
  /** A manifest or content header that breaks a rule: a root that is not 32 bytes, a name or media type too long. */
  | 'BAD_MANIFEST'
  /** A manifest (or content header) that does not match the content id it came for. */
  | 'CID_MISMATCH'
  /** A Bitfield of the wrong length for its content, or with spare bits set. */
  | 'BAD_BITFIELD'
  /** A transfer frame that does not decode or breaks a rule; its size is refused as `TOO_LARGE` by @dscs/wire. */
  | 'BAD_MESSAGE'
  /** An availability announcement that breaks a rule: more chunks held than the content has, a bad address. */
  | 'BAD_ANNOUNCEMENT'
  /** A byte range outside the content. */
  | 'BAD_RANGE'
  /** Content that the store does not hold (no manifest for it). */
  | 'UNKNOWN_CONTENT'
  /** Content with more chunks than the store is configured to take. */
  | 'CONTENT_TOO_LARGE'
  /** A content writer used after it finished or was aborted. */
  | 'WRITER_CLOSED'
  /** The store was closed while the call waited, or before it. */
  | 'STORE_CLOSED'
  /** Files of the store that cannot be read or written. */
  | 'STORE_IO'
  /** A wait given up because its signal was aborted. */
  | 'ABORTED'
  /** An option is out of range. */
  | 'INVALID_OPTION'

/**
 * Every failure of content addressing, chunk verification and chunk storage.
 * Failures of a signed manifest's envelope are `WireError`s (size, format,
 * kind) and `IdentityError`s (signature) of the packages that check it.
 */
export class ChunkError extends DscsCodedError<ChunkErrorCode> {}
