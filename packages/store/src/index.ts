/**
 * @packageDocumentation
 *
 * Implementations of the `Store` port of @dscs/interface: {@link LevelStore}
 * (LevelDB on disk in Node, IndexedDB in browsers), the embedded default,
 * and {@link MemoryStore} for tests and simulation. Keys are ordered
 * lexicographically by byte; batches are atomic.
 *
 * @example
 * ```ts
 * import { LevelStore } from '@dscs/store'
 *
 * const store = await LevelStore.open('./.dscs/store')
 * const key = new TextEncoder().encode('op/0001')
 * await store.batch([{ type: 'put', key, value: new Uint8Array([1]) }])
 * for await (const [k, v] of store.range({ gte: new TextEncoder().encode('op/') })) console.log(k, v)
 * await store.close()
 * ```
 */
export { MemoryStore } from './memory-store.js'
export { LevelStore } from './level-store.js'
export { StoreError } from './errors.js'
export type { StoreErrorCode } from './errors.js'
