import type { Store, StoreBatchOp } from '@dscs/interface'
import type { MerkleLog } from './log/index.js'
import { entryIdOf } from './core/entry.js'
import { writeIndex } from './log/layout.js'

const encoder = new TextEncoder()
const INDEX_BYTES = 8
const ID_BYTES = 32
// Entries read back at a time while catching up after a restart.
const CATCH_UP_CHUNK = 256

/**
 * Where each logged entry is, by its id (envelope hash), in the Store beside
 * the log: what answers "inclusion of entry X" once X left the observer's
 * memory. Written after each commit, apart from the log's own atomic batch,
 * with a mark of how far it got; a restart indexes the entries past the mark
 * again, so a crash between the two writes loses nothing.
 */
export class EntryIndex {
  readonly #store: Store
  readonly #prefix: Uint8Array
  readonly #mark: Uint8Array
  #writes: Promise<void> = Promise.resolve()
  /** The first entry a failed write left out: the mark stays there, so a restart indexes it again. */
  #behind: number | undefined

  private constructor(store: Store, prefix: string) {
    this.#store = store
    this.#prefix = encoder.encode(`${prefix}id/`)
    this.#mark = encoder.encode(`${prefix}indexed`)
  }

  /** Opens the index under `prefix` and indexes whatever of `log` it lacks. */
  static async open(store: Store, prefix: string, log: MerkleLog): Promise<EntryIndex> {
    const index = new EntryIndex(store, prefix)
    const mark = await store.get(index.#mark)
    for (let start = mark === undefined ? 0 : readIndex(mark); start < log.size; start += CATCH_UP_CHUNK) {
      const ids = (await log.entries(start, Math.min(log.size, start + CATCH_UP_CHUNK))).map((entry) => entryIdOf(entry))
      await index.#put(start, ids.length, (i) => ids[i])
    }
    return index
  }

  /** Records entries `start` … by id (`ids`: 32 bytes an entry, side by side), in the order the log holds them; resolves once written. */
  add(start: number, ids: Uint8Array): Promise<void> {
    // A failed write does not stop the ones after it; the next restart indexes what it missed.
    this.#writes = this.#writes.catch(() => {}).then(() => this.#put(start, ids.length / ID_BYTES, (i) => ids.subarray(i * ID_BYTES, (i + 1) * ID_BYTES)))
    return this.#writes
  }

  /** The index of entry `id`, if the log holds it. */
  async lookup(id: Uint8Array): Promise<number | undefined> {
    await this.#writes.catch(() => {})
    const value = await this.#store.get(this.#key(id))
    return value === undefined ? undefined : readIndex(value)
  }

  /** Writes the records of the `count` entries from `start`, entry i's id `idAt(i)` (none for an entry that is no envelope). */
  async #put(start: number, count: number, idAt: (i: number) => Uint8Array | undefined): Promise<void> {
    // Every key and value of the batch carved from one buffer: a fresh array a key costs more than writing it.
    const keyBytes = this.#prefix.length + ID_BYTES
    const buffer = new Uint8Array(count * (keyBytes + INDEX_BYTES))
    const ops: StoreBatchOp[] = []
    for (let i = 0; i < count; i++) {
      const id = idAt(i)
      if (id?.length !== ID_BYTES) continue
      const at = i * (keyBytes + INDEX_BYTES)
      buffer.set(this.#prefix, at)
      buffer.set(id, at + this.#prefix.length)
      writeIndex(buffer, at + keyBytes, start + i)
      ops.push({ type: 'put', key: buffer.subarray(at, at + keyBytes), value: buffer.subarray(at + keyBytes, at + keyBytes + INDEX_BYTES) })
    }
    const mark = new Uint8Array(INDEX_BYTES)
    writeIndex(mark, 0, this.#behind ?? start + count)
    try {
      await this.#store.batch([...ops, { type: 'put', key: this.#mark, value: mark }])
    } catch (err) {
      this.#behind = Math.min(this.#behind ?? start, start)
      throw err
    }
  }

  #key(id: Uint8Array): Uint8Array {
    const key = new Uint8Array(this.#prefix.length + id.length)
    key.set(this.#prefix)
    key.set(id, this.#prefix.length)
    return key
  }
}

function readIndex(bytes: Uint8Array): number {
  if (bytes.length !== INDEX_BYTES) return 0
  const view = new DataView(bytes.buffer, bytes.byteOffset, INDEX_BYTES)
  return view.getUint32(0) * 2 ** 32 + view.getUint32(4)
}
