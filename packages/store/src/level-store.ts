import { asPlainBytes, type RangeOptions, type Store, type StoreBatchOp, type StoreEntry } from '@dscs/interface'
import { Level } from 'level'
import { StoreError } from './errors.js'

/**
 * The embedded default Store: LevelDB on disk in Node (classic-level), and
 * IndexedDB in browsers, through `level`. A batch is atomic. A write is in
 * LevelDB's log when its promise resolves, so a killed process loses nothing
 * it acknowledged; a machine crash can lose the last writes unless the store
 * is opened with `sync: true`, which fsyncs each one.
 */
export class LevelStore implements Store {
  readonly location: string
  readonly #db: Level<Uint8Array, Uint8Array>
  readonly #sync: boolean

  private constructor(location: string, db: Level<Uint8Array, Uint8Array>, sync: boolean) {
    this.location = location
    this.#db = db
    this.#sync = sync
  }

  /** Opens (creating if needed) the database at `location`: a directory in Node, a database name in browsers. */
  static async open(location: string, options: { sync?: boolean } = {}): Promise<LevelStore> {
    const db = new Level<Uint8Array, Uint8Array>(location, { keyEncoding: 'view', valueEncoding: 'view' })
    try {
      await db.open()
    } catch (err) {
      throw new StoreError('STORE_OPEN_FAILED', `cannot open the store at ${location}: ${describe(err)}`, { cause: err })
    }
    return new LevelStore(location, db, options.sync ?? false)
  }

  async get(key: Uint8Array): Promise<Uint8Array | undefined> {
    const value = await this.#io('get', () => this.#db.get(key))
    return value === undefined ? undefined : asPlainBytes(value)
  }

  async put(key: Uint8Array, value: Uint8Array): Promise<void> {
    await this.#io('put', () => this.#db.put(key, value, { sync: this.#sync }))
  }

  async delete(key: Uint8Array): Promise<void> {
    await this.#io('delete', () => this.#db.del(key, { sync: this.#sync }))
  }

  /**
   * Writes `ops` atomically, through a chained batch: an operation a call
   * costs a quarter of what classic-level's array batch spends reading each
   * operation object from C++ (0.6 µs against 2.8 µs), which for a batch of
   * one small record an entry was most of the write.
   */
  async batch(ops: readonly StoreBatchOp[]): Promise<void> {
    await this.#io('batch', async () => {
      const batch = this.#db.batch()
      try {
        for (const op of ops) {
          if (op.type === 'put') batch.put(op.key, op.value)
          else batch.del(op.key)
        }
      } catch (err) {
        await batch.close()
        throw err
      }
      await batch.write({ sync: this.#sync })
    })
  }

  async *range(options: RangeOptions = {}): AsyncGenerator<StoreEntry> {
    const iterator = this.#db.iterator({
      ...(options.gt === undefined ? {} : { gt: options.gt }),
      ...(options.gte === undefined ? {} : { gte: options.gte }),
      ...(options.lt === undefined ? {} : { lt: options.lt }),
      ...(options.lte === undefined ? {} : { lte: options.lte }),
      reverse: options.reverse ?? false,
      limit: options.limit ?? -1
    })
    try {
      for await (const [key, value] of iterator) yield [asPlainBytes(key), asPlainBytes(value)]
    } catch (err) {
      throw new StoreError('STORE_IO', `range scan failed: ${describe(err)}`, { cause: err })
    } finally {
      await iterator.close()
    }
  }

  async close(): Promise<void> {
    await this.#db.close()
  }

  async #io<T>(what: string, run: () => Promise<T>): Promise<T> {
    if (this.#db.status !== 'open') throw new StoreError('STORE_CLOSED', `the store at ${this.location} is ${this.#db.status}`)
    try {
      return await run()
    } catch (err) {
      throw new StoreError('STORE_IO', `${what} failed in the store at ${this.location}: ${describe(err)}`, { cause: err })
    }
  }
}

function describe(err: unknown): string {
  return err instanceof Error ? err.message : String(err)
}
