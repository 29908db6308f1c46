import { basename } from 'node:path'
import { contentKey, putFile, type ChunkDistribution, type TransferProgress } from '@dscs/chunk-distribution'
import type { DscsNode } from '@dscs/net'
import { checkFile, contentIdArgument } from './content.js'
import type { Output } from './output.js'

/** One transfer as the API shows it. */
export interface TransferRow {
  readonly cid: string
  readonly direction: 'upload' | 'download'
  readonly percent: number
  readonly bytes: number
  readonly size: number | null
  /** Bytes per second. */
  readonly rate: number
  readonly peers: number
  readonly done: boolean
}

// The API lists the latest transfers only; older ones drop off.
const MAX_ROWS = 50
// A download reports its progress as an event at most this often.
const PROGRESS_EVENT_MS = 1_000

/**
 * The node's chunk transfers driven from its command line (`/put`, `/get`):
 * files stored and seeded, content fetched from peers, and the latest
 * progress of each for the API's `transfers` view.
 */
export class Transfers {
  readonly #node: DscsNode
  readonly #out: Output
  readonly #rows = new Map<string, TransferRow>()

  constructor(node: DscsNode, out: Output) {
    this.#node = node
    this.#out = out
  }

  get #chunks(): ChunkDistribution {
    return this.#node.libp2p.services.chunks as ChunkDistribution
  }

  /** Stores `file` in the chunk store and seeds it; reports its content id. */
  async put(file: string): Promise<string> {
    await checkFile(file)
    const { cid, manifest } = await putFile(this.#chunks.store, file, { name: basename(file) })
    await this.#chunks.seed(cid)
    const key = contentKey(cid)
    this.#record({ cid: key, direction: 'upload', percent: 100, bytes: manifest.size, size: manifest.size, rate: 0, peers: 0, done: true })
    this.#out.event('put', { cid: key, size: manifest.size }, `stored and seeding ${key} (${manifest.size} bytes)`)
    return key
  }

  /** Downloads `cid` from the peers that hold it into the chunk store, reporting progress; then seeds it. */
  async get(text: string): Promise<void> {
    const cid = contentIdArgument(text)
    const key = contentKey(cid)
    let lastEvent = 0
    const report = (progress: TransferProgress, done: boolean): void => {
      this.#record({ cid: key, direction: 'download', percent: progress.percent, bytes: progress.bytes, size: progress.size ?? null, rate: progress.rate, peers: progress.peers, done })
      const now = Date.now()
      if (!done && now - lastEvent < PROGRESS_EVENT_MS) return
      lastEvent = now
      const fields = { cid: key, percent: progress.percent, bytes: progress.bytes, rate: progress.rate, peers: progress.peers }
      this.#out.event(done ? 'fetched' : 'fetch-progress', fields, `${done ? 'fetched' : 'fetching'} ${key}: ${progress.percent.toFixed(1)}% from ${progress.peers} peer(s)`)
    }
    let latest: TransferProgress | undefined
    const manifest = await this.#chunks.fetch(cid, { onProgress: (progress) => report((latest = progress), false) })
    report(latest ?? { percent: 100, bytes: manifest.size, size: manifest.size, rate: 0, peers: 0, eta: 0 }, true)
  }

  /** The latest transfers, newest last. */
  view(): TransferRow[] {
    return [...this.#rows.values()]
  }

  #record(row: TransferRow): void {
    this.#rows.delete(row.cid)
    this.#rows.set(row.cid, row)
    if (this.#rows.size > MAX_ROWS) this.#rows.delete(this.#rows.keys().next().value!)
  }
}
