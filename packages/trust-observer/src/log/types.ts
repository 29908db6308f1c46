/** What a log commits to at one size: the RFC 9162 Merkle Tree Hash of its first `size` entries. */
export interface TreeState {
  readonly size: number
  readonly root: Uint8Array
}

/**
 * An append-only RFC 9162 Merkle log. Entries are the exact bytes hashed as
 * leaves (leaf hash = SHA-256(0x00 ‖ entry)). Every read of a past size is
 * answered from stored subtree hashes in O(log n) reads, never by loading the
 * log into memory.
 */
export interface MerkleLog {
  /** How many entries are durably committed. */
  readonly size: number
  /** The Merkle Tree Hash of the first `size` entries (default: all). */
  root(size?: number): Promise<Uint8Array>
  /** Appends `entries` in one atomic write; resolves once they are durable, with the new state. */
  append(entries: readonly Uint8Array[]): Promise<TreeState>
  /** The audit path of entry `index` in the tree of the first `size` entries (RFC 9162 §2.1.3). */
  inclusionProof(index: number, size: number): Promise<Uint8Array[]>
  /** The consistency proof between the trees of `oldSize` and `newSize` entries (RFC 9162 §2.1.4). */
  consistencyProof(oldSize: number, newSize: number): Promise<Uint8Array[]>
  /** Entries `start` (inclusive) to `end` (exclusive). */
  entries(start: number, end: number): Promise<Uint8Array[]>
}
