/** Bounds of a range scan over keys in lexicographic byte order. */
export interface RangeOptions {
  readonly gt?: Uint8Array
  readonly gte?: Uint8Array
  readonly lt?: Uint8Array
  readonly lte?: Uint8Array
  /** Newest-first when true. */
  readonly reverse?: boolean
  /** At most this many entries. */
  readonly limit?: number
}

export type StoreBatchOp =
  | { readonly type: 'put'; readonly key: Uint8Array; readonly value: Uint8Array }
  | { readonly type: 'delete'; readonly key: Uint8Array }

export type StoreEntry = readonly [key: Uint8Array, value: Uint8Array]

/**
 * Persistence port: an ordered, asynchronous key-value store. The embedded
 * default is LevelDB on disk; tests use a memory store.
 */
export interface Store {
  get(key: Uint8Array): Promise<Uint8Array | undefined>
  put(key: Uint8Array, value: Uint8Array): Promise<void>
  delete(key: Uint8Array): Promise<void>
  /** Applies every operation or none of them. */
  batch(ops: readonly StoreBatchOp[]): Promise<void>
  /** Entries in key order within the bounds. */
  range(options?: RangeOptions): AsyncIterable<StoreEntry>
  close(): Promise<void>
}
